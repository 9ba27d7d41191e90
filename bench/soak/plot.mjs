// plot.mjs — a line chart of the soak's RSS samples as a standalone SVG, written by hand (no
// plotting library): one line per server process, dashed verticals for the end of the warm-up and
// for injected failures, axes with round ticks.
//
//   rssSvg({ title, series: [{ name, points: [[t_s, bytes], …] }], marks: [{ t, label }],
//            xMax, band: { from, to, label }, secondary: { name, points: [[t_s, v], …] } })
//     → the SVG text. `secondary` is drawn dashed against its own axis on the right (the soak: how
//     many deliveries were still on their way, which the server holds in its send queues).
//   recordSvg(record, { warmupFraction }) → the SVG of a soak_server.mjs result record.

const W = 900
const H = 420
const M = { left: 70, right: 80, top: 40, bottom: 50 }
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e']

function niceStep (range, ticks) {
  const raw = range / ticks
  const p = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function rssSvg ({ title, series, marks = [], xMax = null, band = null, secondary = null }) {
  const mib = (b) => b / (1024 * 1024)
  const all = series.flatMap((s) => s.points).filter((p) => p !== null)
  const tMax = xMax ?? Math.max(1, ...all.map(([t]) => t))
  const yHi = Math.max(1, ...all.map(([, b]) => mib(b)))
  const yStep = niceStep(yHi, 6)
  const yMax = Math.ceil((yHi * 1.08) / yStep) * yStep
  const xStep = niceStep(tMax, 8)
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const x = (t) => M.left + (t / tMax) * pw
  const y = (v) => M.top + ph - (v / yMax) * ph
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`)
  if (band) {
    out.push(`<rect x="${x(band.from).toFixed(1)}" y="${M.top}" width="${(x(band.to) - x(band.from)).toFixed(1)}" height="${ph}" fill="#f0f0f0"/>`)
    out.push(`<text x="${(x(band.from) + 4).toFixed(1)}" y="${M.top + 14}" fill="#777">${esc(band.label)}</text>`)
  }
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`)
    out.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(2)}</text>`)
  }
  for (let t = 0; t <= tMax + 1e-9; t += xStep) {
    out.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`)
    out.push(`<text x="${x(t).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${+t.toFixed(1)}</text>`)
  }
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`)
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`)
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">seconds since the clients started</text>`)
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">server RSS (MiB)</text>`)
  for (const [k, m] of marks.entries()) {
    out.push(`<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${M.top}" y2="${M.top + ph}" stroke="#888" stroke-dasharray="4 3"/>`)
    out.push(`<text x="${(x(m.t) + 4).toFixed(1)}" y="${M.top + 30 + 14 * k}" fill="#555">${esc(m.label)}</text>`)
  }
  for (const [i, s] of series.entries()) {
    const color = COLORS[i % COLORS.length]
    // A process that was killed and started again is a new run of points: no line across the gap.
    const runs = []
    for (const p of s.points) {
      if (p === null) { runs.push([]); continue }
      if (!runs.length) runs.push([])
      runs[runs.length - 1].push(p)
    }
    for (const run of runs.filter((r) => r.length)) {
      const d = run.map(([t, b], j) => `${j ? 'L' : 'M'}${x(t).toFixed(1)},${y(mib(b)).toFixed(1)}`).join(' ')
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`)
    }
    out.push(`<rect x="${M.left + 150}" y="${M.top + 8 + 16 * i}" width="12" height="3" fill="${color}"/>`)
    out.push(`<text x="${M.left + 166}" y="${M.top + 13 + 16 * i}">${esc(s.name)}</text>`)
  }
  if (secondary && secondary.points.length) {
    const hi = Math.max(1, ...secondary.points.map(([, v]) => v))
    const step = niceStep(hi, 6)
    const top = Math.ceil((hi * 1.08) / step) * step
    const y2 = (v) => M.top + ph - (v / top) * ph
    for (let v = 0; v <= top + 1e-9; v += step) {
      out.push(`<text x="${W - M.right + 6}" y="${(y2(v) + 4).toFixed(1)}" fill="#777">${+v.toFixed(2)}</text>`)
    }
    out.push(`<line x1="${W - M.right}" x2="${W - M.right}" y1="${M.top}" y2="${M.top + ph}" stroke="#999"/>`)
    const d = secondary.points.map(([t, v], j) => `${j ? 'L' : 'M'}${x(t).toFixed(1)},${y2(v).toFixed(1)}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="#777" stroke-width="1.2" stroke-dasharray="5 3"/>`)
    const i = series.length
    out.push(`<line x1="${M.left + 150}" x2="${M.left + 162}" y1="${M.top + 9.5 + 16 * i}" y2="${M.top + 9.5 + 16 * i}" stroke="#777" stroke-dasharray="4 2"/>`)
    out.push(`<text x="${M.left + 166}" y="${M.top + 13 + 16 * i}">${esc(secondary.name)} (right axis)</text>`)
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}

// The plot of one soak_server.mjs phase: RSS of each instance (a new line after a restart), the
// warm-up, the injected failures, and the deliveries in flight (thousands) from weft-bench's
// timeline: edits × (clients per document − 1) − deliveries so far.
export function recordSvg (record, { warmupFraction = 0.1 } = {}) {
  const names = [...new Set(record.samples.map((s) => s.instance))]
  const series = names.map((n) => {
    const points = []
    let pid = null
    for (const s of record.samples.filter((x) => x.instance === n)) {
      if (pid !== null && s.pid !== pid) points.push(null)
      pid = s.pid
      points.push([s.t_s, s.rss_bytes])
    }
    return { name: n, points }
  })
  // A single SQLite instance: also its RSS less the database file's mapped pages (the criterion).
  for (const n of names) {
    const mine = record.samples.filter((x) => x.instance === n && x.db_bytes > 0)
    if (mine.length) series.push({ name: `${n} less the mapped database`, points: mine.map((x) => [x.t_s, x.rss_bytes - x.db_bytes]) })
  }
  const b = record.bench
  const others = b.params.clients_per_doc - 1
  let edits = 0
  let delivered = 0
  const inFlight = b.timeline.map((l) => {
    edits += l.edits
    delivered += l.delivered_live + l.delivered_via_resync
    return [l.t_s, Math.max(0, edits * others - delivered) / 1000]
  })
  const marks = (record.events ?? []).map((e) => ({ t: e.killed_at_s ?? e.stopped_at_s, label: e.what }))
  const clients = b.params.docs * b.params.clients_per_doc
  const title = record.phase === 'single'
    ? `weft serve (SQLite): ${clients} clients, ${Math.round(record.seconds)} s`
    : `two instances over Redis (PostgreSQL): ${clients} clients, ${Math.round(record.seconds)} s`
  return rssSvg({
    title,
    series,
    marks,
    xMax: Math.max(...record.samples.map((s) => s.t_s)),
    band: { from: 0, to: warmupFraction * record.seconds, label: 'warm-up' },
    secondary: { name: 'deliveries in flight, thousands', points: inFlight }
  })
}
