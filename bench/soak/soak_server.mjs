// soak_server.mjs — `make soak-server`: weft-bench's soak mode against real servers, with the pass
// criteria of issue #16 applied to what it and /proc report. Builds nothing (make builds first);
// run through scripts/soak-server, which provides PostgreSQL for the second phase.
//
// Phase "single": one Release `weft serve` on loopback, SQLite in a temp dir, the in-process bus;
//   DOCS × CLIENTS clients (default 50 × 20 = 1,000) editing once a second and moving their
//   cursors once a second for SECONDS. Pass: RSS growth < 5 % from the end of the warm-up (the
//   first 10 % of the run) to the end (the mean of the last three samples), less the pages of the
//   database file SQLite maps (the kernel's page cache; all of RSS is reported); no disconnect; every
//   edit delivered to every other client of its document exactly once; every document's text the
//   same on all its clients, equal to the API's, holding exactly the markers still in the clients'
//   windows; every cursor's latest state known to everyone.
// Phase "cluster": two instances over one Redis and one PostgreSQL database (WEFT_TEST_POSTGRES_URL,
//   tests/postgres/with-postgres.sh), each document's clients spread over both. At a third of the
//   run Redis is stopped and started again on its port; at two thirds instance B is killed with -9
//   and started again 3 s later. Clients reconnect (to A while B is down, or to B restarted) and
//   resync. Pass: every disconnect is one of the killed instance's clients within 10 s of the
//   kill; no edit missing at the end; no duplicate outside the recovery after a resync; the same
//   convergence. RSS is sampled and plotted, not judged (B's clients move to A, so A grows).
//
// RSS and CPU of every server process are read from /proc every 10 s. Results: RESULTS_DIR (default
// bench/results/soak-<phase>.json and .csv), the plot into --plot DIR (docs/bench for make
// soak-server). Every process started here is stopped by its PID at the end, also on failure, and
// its temp directory removed.
// Exit status: 0 when every phase passed, 1 when one failed, 2 when one could not run.
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as delay } from 'node:timers/promises'
import { recordSvg } from './plot.mjs'

const { values: opt } = parseArgs({
  options: {
    phase: { type: 'string', default: 'both' }, // single | cluster | both
    seconds: { type: 'string', default: '3600' },
    'cluster-seconds': { type: 'string' }, // default: --seconds
    docs: { type: 'string', default: '50' },
    clients: { type: 'string', default: '20' }, // per document
    rate: { type: 'string', default: '1' }, // edits per second per client
    'cursor-rate': { type: 'string', default: '1' },
    'sample-seconds': { type: 'string', default: '10' },
    'warmup-fraction': { type: 'string', default: '0.1' },
    'max-rss-growth': { type: 'string', default: '5' }, // percent
    'no-rss-criterion': { type: 'boolean', default: false }, // sanitizer builds: reported only
    build: { type: 'string', default: 'build' },
    out: { type: 'string', default: 'bench/results' },
    plot: { type: 'string' }, // directory for the SVGs
    quiet: { type: 'boolean', default: false }
  }
})

const WEFT = path.join(opt.build, 'bin/weft')
const BENCH = path.join(opt.build, 'bin/weft-bench')
const SAMPLE_S = Number(opt['sample-seconds'])
const RECOVERY_S = 15
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100)
const log = (...a) => console.error('soak-server:', ...a)

// ---- processes, stopped by PID whatever happens -----------------------------------------------

const started = new Set()
function track (proc) {
  started.add(proc)
  proc.exited = new Promise((resolve) => proc.on('exit', (code, signal) => { started.delete(proc); resolve({ code, signal }) }))
  return proc
}
async function stop (proc, signal = 'SIGTERM', graceMs = 10000) {
  if (!proc || !started.has(proc)) return
  try { process.kill(proc.pid, signal) } catch {}
  if (await Promise.race([proc.exited, delay(graceMs, 'late')]) === 'late') {
    try { process.kill(proc.pid, 'SIGKILL') } catch {}
    await proc.exited
  }
}
process.on('exit', () => { for (const p of started) { try { process.kill(p.pid, 'SIGKILL') } catch {} } })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

async function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}

async function waitFor (cond, ms, what) {
  const end = Date.now() + ms
  for (;;) {
    try { if (await cond()) return } catch {}
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await delay(50)
  }
}

const dirs = [] // removed at the end, whatever happened
const tmp = (prefix) => { const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix)); dirs.push(d); return d }

// One `weft serve`, restartable on the same port and data directory.
class Instance {
  constructor (name, flags) {
    this.name = name
    this.flags = flags
    this.dir = tmp(`weft-soak-${name}-`)
    this.logPath = path.join(this.dir, 'server.log')
  }

  async start () {
    this.port ??= await freePort()
    const args = ['serve', '--host', '127.0.0.1', '--port', String(this.port), '--data-dir', this.dir,
      '--static-dir', path.join(this.dir, 'none'), '--log-level', 'warn',
      // One benchmark account holds every connection, from four loopback addresses, and signs in
      // once; a deployment's limits are per person.
      '--auth-rate-limit', '0', '--api-rate-limit', '0', '--max-connections-per-ip', '0',
      '--max-connections-per-user', '0', ...this.flags]
    const logFd = fs.openSync(this.logPath, 'a')
    this.proc = track(spawn(WEFT, args, { stdio: ['ignore', logFd, logFd] }))
    fs.closeSync(logFd)
    const proc = this.proc
    await waitFor(async () => {
      if (!started.has(proc)) throw Object.assign(new Error('exited'), { fatal: true })
      const r = await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(1000) })
      return r.status === 200
    }, 30000, `${this.name} to be ready`).catch((e) => {
      throw new Error(`${this.name} did not start (${e.message}): ${fs.readFileSync(this.logPath, 'utf8').slice(-2000)}`)
    })
  }

  get pid () { return this.proc && started.has(this.proc) ? this.proc.pid : null }
}

class Redis {
  async start () {
    this.port ??= await freePort()
    this.dir ??= tmp('weft-soak-redis-')
    this.proc = track(spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir,
      '--save', '', '--appendonly', 'no', '--logfile', path.join(this.dir, 'redis.log')], { stdio: 'ignore' }))
    await waitFor(() => spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.includes('PONG'),
      10000, 'redis-server to answer PING')
  }
}

// ---- /proc sampling ---------------------------------------------------------------------------

// Resident bytes of the mappings of files under `dir` (the instance's data directory: SQLite's
// database, mapped by `PRAGMA mmap_size`, and its WAL index), from /proc/PID/smaps.
function mappedUnder (pid, dir) {
  let total = 0
  let inside = false
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line)
    if (head) inside = dir != null && head[1].startsWith(dir + '/')
    else if (inside && line.startsWith('Rss:')) total += Number(/(\d+)/.exec(line)[1]) * 1024
  }
  return total
}

function procSample (pid, dir) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024
    const rss = kb('VmRSS')
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // RssFile is mostly the database SQLite maps (mmap_size), which grows with the file; RssAnon
    // is the heap.
    return { rss_bytes: rss, anon_bytes: kb('RssAnon'), file_bytes: kb('RssFile'), db_bytes: mappedUnder(pid, dir), cpu_s: (Number(f[11]) + Number(f[12])) / CLK_TCK }
  } catch { return null }
}

// Samples every instance every SAMPLE_S seconds from t0 (ms) until stopped.
function sampler (instances, t0) {
  const samples = []
  const take = () => {
    const t = (Date.now() - t0) / 1000
    for (const inst of instances) {
      const s = inst.pid && procSample(inst.pid, inst.dir)
      if (s) samples.push({ t_s: +t.toFixed(1), instance: inst.name, pid: inst.pid, ...s })
    }
  }
  take()
  const timer = setInterval(take, SAMPLE_S * 1000)
  return { samples, stop: () => { clearInterval(timer); take() } }
}

// ---- weft-bench ---------------------------------------------------------------------------

async function runBench (args, jsonPath) {
  const p = track(spawn(BENCH, ['--mode', 'soak', '--docs', opt.docs, '--clients', opt.clients,
    '--rate', opt.rate, '--cursor-rate', opt['cursor-rate'], '--sample-seconds', String(SAMPLE_S),
    '--drain-timeout', '30', '--json', jsonPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }))
  let table = ''
  p.stdout.on('data', (d) => { table += d })
  p.stderr.on('data', (d) => { if (!opt.quiet) process.stderr.write(d) })
  const { code } = await p.exited
  if (!fs.existsSync(jsonPath)) throw new Error(`weft-bench exited ${code} without a result:\n${table}`)
  if (!opt.quiet) process.stderr.write(table.split('\n').filter((l) => !l.startsWith('{')).join('\n'))
  return { code, result: JSON.parse(fs.readFileSync(jsonPath, 'utf8')) }
}

// ---- criteria -------------------------------------------------------------------------------

const mean = (xs, key) => xs.reduce((a, x) => a + x[key], 0) / xs.length

function rssFigures (samples, instance, seconds) {
  const mine = samples.filter((s) => s.instance === instance && s.t_s <= seconds + SAMPLE_S / 2)
  const warm = Number(opt['warmup-fraction']) * seconds
  const after = mine.filter((s) => s.t_s >= warm)
  if (mine.length < 2 || after.length < 1) return null
  const last = after.slice(-3)
  const end = last.reduce((a, s) => a + s.rss_bytes, 0) / last.length
  const base = after[0].rss_bytes
  return {
    warmup_s: warm,
    start_bytes: mine[0].rss_bytes,
    after_warmup_bytes: base,
    end_bytes: Math.round(end),
    max_after_warmup_bytes: Math.max(...after.map((s) => s.rss_bytes)),
    growth_percent: +(100 * (end - base) / base).toFixed(2),
    // The same without the database file's pages (the kernel's page cache, mapped by SQLite: it
    // grows with what is stored, by design, and the kernel reclaims it under pressure).
    own_after_warmup_bytes: base - after[0].db_bytes,
    own_end_bytes: Math.round(end - mean(last, 'db_bytes')),
    own_growth_percent: +(100 * ((end - mean(last, 'db_bytes')) - (base - after[0].db_bytes)) / (base - after[0].db_bytes)).toFixed(2),
    db_after_warmup_bytes: after[0].db_bytes,
    db_end_bytes: Math.round(mean(last, 'db_bytes')),
    // The heap alone (RssAnon), and the mapped files (RssFile: the binary, and SQLite's database).
    anon_growth_percent: +(100 * (mean(last, 'anon_bytes') - after[0].anon_bytes) / after[0].anon_bytes).toFixed(2),
    file_after_warmup_bytes: after[0].file_bytes,
    file_end_bytes: Math.round(mean(last, 'file_bytes')),
    cpu_s: +(mine[mine.length - 1].cpu_s - mine[0].cpu_s).toFixed(2),
    cpu_percent: +(100 * (mine[mine.length - 1].cpu_s - mine[0].cpu_s) / (mine[mine.length - 1].t_s - mine[0].t_s)).toFixed(1)
  }
}

function check (criteria, name, pass, detail) {
  criteria.push({ name, pass, detail })
}

function commonCriteria (criteria, r) {
  const d = r.deliveries
  const want = r.params.docs * r.params.clients_per_doc
  check(criteria, 'connections', r.connections.established === want && r.disconnects.synced_at_end === want,
    `${r.connections.established}/${want} established, ${r.disconnects.synced_at_end} synced at the end`)
  check(criteria, 'every edit delivered', d.missing === 0 && d.delivered === d.expected,
    `${d.delivered} / ${d.expected} deliveries of ${r.edits.sent} edits, ${d.missing} missing`)
  check(criteria, 'convergence', r.convergence.converged,
    `${r.convergence.documents} documents, ${r.convergence.documents_wrong} wrong, ${r.convergence.clients_disagreeing} clients disagreeing, API equal on ${r.convergence.http_checked_instances} instance(s)${r.convergence.first_problem ? ': ' + r.convergence.first_problem : ''}`)
  check(criteria, 'cursors converged', r.cursors.stale_at_end === 0,
    `${r.cursors.sent} cursor moves, ${r.cursors.stale_at_end} stale views at the end`)
}

function writeResults (name, record) {
  fs.mkdirSync(opt.out, { recursive: true })
  const base = path.join(opt.out, `soak-${name}`)
  fs.writeFileSync(`${base}.json`, JSON.stringify(record, null, 1) + '\n')
  const csv = ['t_s,instance,pid,rss_bytes,anon_bytes,file_bytes,cpu_s', ...record.samples.map((s) => `${s.t_s},${s.instance},${s.pid},${s.rss_bytes},${s.anon_bytes ?? ''},${s.file_bytes ?? ''},${s.cpu_s}`)]
  fs.writeFileSync(`${base}.csv`, csv.join('\n') + '\n')
  return base
}

function plot (name, record) {
  if (!opt.plot) return null
  fs.mkdirSync(opt.plot, { recursive: true })
  const file = path.join(opt.plot, `soak-${name}-rss.svg`)
  fs.writeFileSync(file, recordSvg(record, { warmupFraction: Number(opt['warmup-fraction']) }))
  return file
}

function report (name, criteria) {
  const ok = criteria.every((c) => c.pass !== false)
  console.log(`\n== soak ${name}: ${ok ? 'PASS' : 'FAIL'}`)
  for (const c of criteria) console.log(`  ${c.pass === null ? ' -  ' : c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)
  return ok
}

// ---- phases ---------------------------------------------------------------------------------

async function single () {
  const seconds = Number(opt.seconds)
  const server = new Instance('weft', [])
  await server.start()
  const jsonPath = path.join(server.dir, 'bench.json')
  const t0 = Date.now()
  const s = sampler([server], t0)
  let bench
  try {
    bench = await runBench(['--port', String(server.port), '--server-pid', String(server.pid), '--duration', String(seconds)], jsonPath)
  } finally {
    s.stop()
    await stop(server.proc)
  }
  const r = bench.result
  const rss = rssFigures(s.samples, 'weft', seconds)
  const criteria = []
  const maxGrowth = Number(opt['max-rss-growth'])
  // Judged: the server's own memory, RSS less the database file's mapped pages; reported: all
  // of RSS, which also grows with the database file (docs/BENCHMARKS.md, "Soak").
  check(criteria, `RSS growth < ${maxGrowth} % after warm-up, less the mapped database file`, opt['no-rss-criterion'] ? null : rss !== null && rss.own_growth_percent < maxGrowth,
    rss ? `${mib(rss.own_after_warmup_bytes)} at ${rss.warmup_s} s → ${mib(rss.own_end_bytes)} at the end: ${rss.own_growth_percent} % (heap alone ${rss.anon_growth_percent} %)${opt['no-rss-criterion'] ? ' (reported only: sanitizer build)' : ''}` : 'too few samples')
  check(criteria, 'RSS growth after warm-up, all of it (reported)', null,
    rss ? `${mib(rss.after_warmup_bytes)} at ${rss.warmup_s} s → ${mib(rss.end_bytes)} at the end: ${rss.growth_percent} % (start ${mib(rss.start_bytes)}, max ${mib(rss.max_after_warmup_bytes)}); the database file's mapped pages ${mib(rss.db_after_warmup_bytes)} → ${mib(rss.db_end_bytes)}` : 'too few samples')
  check(criteria, 'no disconnects', r.disconnects.count === 0, `${r.disconnects.count} ${JSON.stringify(r.disconnects.reasons)}`)
  const d = r.deliveries
  check(criteria, 'exactly once', d.duplicates === 0 && d.duplicates_in_recovery === 0 && d.resync_overlap === 0 && d.via_resync === 0,
    `${d.duplicates} duplicates, ${d.via_resync} via resync`)
  commonCriteria(criteria, r)
  const record = { phase: 'single', seconds, when: new Date(t0).toISOString(), server: 'weft serve, SQLite, in-process bus', rss, criteria, bench: r, samples: s.samples }
  const base = writeResults('single', record)
  const svg = plot('single', record)
  log(`results in ${base}.json / .csv${svg ? `, plot ${svg}` : ''}`)
  report('single instance (SQLite)', criteria)
  return criteria.every((c) => c.pass !== false)
}

async function cluster () {
  const seconds = Number(opt['cluster-seconds'] ?? opt.seconds)
  const base = process.env.WEFT_TEST_POSTGRES_URL
  if (!base) throw new Error('the cluster phase needs WEFT_TEST_POSTGRES_URL (scripts/soak-server runs it under tests/postgres/with-postgres.sh)')
  const dbName = `weft_soak_${crypto.randomBytes(4).toString('hex')}`
  const made = spawnSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${dbName}`], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`psql CREATE DATABASE: ${made.stderr}`)
  const url = new URL(base)
  url.pathname = `/${dbName}`
  const redis = new Redis()
  await redis.start()
  const secret = crypto.randomBytes(32).toString('hex')
  const flags = (id) => ['--database', url.toString(), '--redis', `redis://127.0.0.1:${redis.port}`, '--jwt-secret', secret, '--instance-id', id]
  const a = new Instance('weft-a', flags('weft-a'))
  const b = new Instance('weft-b', flags('weft-b'))
  const events = []
  let s, bench
  try {
    await a.start()
    await b.start()
    const t0 = Date.now()
    s = sampler([a, b], t0)
    const at = (ms) => +((ms - t0) / 1000).toFixed(1)
    const benchDone = runBench(['--port', String(a.port), '--more-ports', String(b.port), '--reconnect',
      '--duration', String(seconds)], path.join(a.dir, 'bench.json'))
    // The injections, timed from the start of weft-bench (its connecting takes a second or two).
    const injections = (async () => {
      await delay(seconds * 1000 / 3)
      const r0 = Date.now()
      await stop(redis.proc, 'SIGTERM')
      await delay(2000)
      await redis.start()
      events.push({ what: 'Redis restart', stopped_at_ms: r0, up_at_ms: Date.now(), stopped_at_s: at(r0), up_at_s: at(Date.now()) })
      log(`Redis stopped at ${at(r0)} s, up again at ${at(Date.now())} s`)
      await delay(Math.max(0, t0 + seconds * 2000 / 3 - Date.now()))
      const k0 = Date.now()
      await stop(b.proc, 'SIGKILL')
      await delay(3000)
      await b.start()
      events.push({ what: 'weft-b kill -9', killed_at_ms: k0, up_at_ms: Date.now(), killed_at_s: at(k0), up_at_s: at(Date.now()), port: b.port })
      log(`weft-b killed -9 at ${at(k0)} s, ready again at ${at(Date.now())} s`)
    })()
    bench = await benchDone
    await injections
  } finally {
    s?.stop()
    await stop(a.proc)
    await stop(b.proc)
    await stop(redis.proc)
  }
  const r = bench.result
  const kill = events.find((e) => e.killed_at_ms)
  const criteria = []
  const unexpected = r.disconnects.events.filter((e) => !(kill && e.port === kill.port && e.at_ms >= kill.killed_at_ms - 1000 && e.at_ms <= kill.killed_at_ms + 10000))
  const injected = r.disconnects.count - unexpected.reduce((n, e) => n + e.count, 0)
  check(criteria, 'no disconnects except injected ones', unexpected.length === 0,
    `${r.disconnects.count} disconnects: ${injected} of weft-b's clients at its kill, ${unexpected.reduce((n, e) => n + e.count, 0)} others${unexpected.length ? ' ' + JSON.stringify(unexpected.slice(0, 5)) : ''}; ${r.disconnects.reconnected} reconnected`)
  const d = r.deliveries
  // A duplicate delivery is put down to an injection when it arrived between 1 s before it and
  // RECOVERY_S after the failed part was back.
  const windows = events.map((e) => ({ what: e.what, from: (e.stopped_at_ms ?? e.killed_at_ms) - 1000, to: e.up_at_ms + RECOVERY_S * 1000, count: 0 }))
  let unexplained = 0
  for (const e of d.duplicate_events) {
    const w = windows.find((x) => e.at_ms >= x.from && e.at_ms <= x.to)
    if (w) w.count += e.count; else unexplained += e.count
  }
  const allDup = d.duplicates + d.duplicates_in_recovery
  check(criteria, 'exactly once outside the injected failures', unexplained === 0,
    `${unexplained} duplicate deliveries outside the failures' windows; ${d.via_resync} deliveries through a resync (${d.resync_overlap} overlapping)`)
  check(criteria, 'exactly once at the wire, also while recovering', allDup === 0 ? true : null,
    `${allDup} duplicate deliveries: ${windows.map((w) => `${w.count} after the ${w.what}`).join(', ')} (reported, not judged: each is a Yjs update a client already had, which it ignores)`)
  commonCriteria(criteria, r)
  const rssA = rssFigures(s.samples, 'weft-a', seconds)
  const rssB = rssFigures(s.samples, 'weft-b', seconds)
  const record = { phase: 'cluster', seconds, when: new Date(Date.now() - seconds * 1000).toISOString(), server: 'two weft serve, PostgreSQL, Redis', events, rss: { 'weft-a': rssA, 'weft-b': rssB }, criteria, bench: r, samples: s.samples }
  const out = writeResults('cluster', record)
  const svg = plot('cluster', record)
  log(`results in ${out}.json / .csv${svg ? `, plot ${svg}` : ''}`)
  if (rssA) console.log(`  RSS weft-a ${mib(rssA.after_warmup_bytes)} after warm-up → ${mib(rssA.end_bytes)} (${rssA.growth_percent} %, not judged: weft-b's clients move to it)`)
  report('two instances over Redis (PostgreSQL)', criteria)
  return criteria.every((c) => c.pass !== false)
}

function mib (b) { return `${(b / 1048576).toFixed(1)} MiB` }

let status = 0
try {
  for (const [name, fn] of [['single', single], ['cluster', cluster]]) {
    if (opt.phase !== 'both' && opt.phase !== name) continue
    if (!await fn()) status = 1
  }
} catch (e) {
  console.error(`soak-server: ${e.stack || e.message}`)
  status = 2
}
for (const p of [...started]) await stop(p, 'SIGKILL', 2000)
for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
process.exit(status)
