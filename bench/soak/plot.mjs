// plot.mjs — a line chart of the soak's RSS samples as a standalone SVG, written by hand (no
// plotting library): one line per server process, dashed verticals for the end of the warm-up and
// for injected failures, axes with round ticks.
//
//   rssSvg({ title, series: [{ name, points: [[t_s, bytes], …] }], marks: [{ t, label }],
//            xMax, band: { from, to, label } })   → the SVG text

const W = 900
const H = 420
const M = { left: 70, right: 20, top: 40, bottom: 50 }
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e']

function niceStep (range, ticks) {
  const raw = range / ticks
  const p = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function rssSvg ({ title, series, marks = [], xMax = null, band = null }) {
  const mib = (b) => b / (1024 * 1024)
  const all = series.flatMap((s) => s.points)
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
    out.push(`<rect x="${W - M.right - 200}" y="${M.top + 8 + 16 * i}" width="12" height="3" fill="${color}"/>`)
    out.push(`<text x="${W - M.right - 184}" y="${M.top + 13 + 16 * i}">${esc(s.name)}</text>`)
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
