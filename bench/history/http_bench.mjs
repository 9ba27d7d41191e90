// http_bench.mjs — the history routes end to end over HTTP against a running `weft serve`
// (docs/BENCHMARKS.md, "History results: notes"): what a browser waits for, JSON and HTTP
// included, where weft-history-bench times the server's steps in process.
//
// Starts `weft serve` (SQLite in a temp dir, no automatic versions: --history-quiet-ms 0), signs up
// four users, and grows one document by the trace as weft-history-bench does: bursts of 100–2,000
// edits among five y-websocket clients of the four users (one user on two), each edit made in a
// generator Y.Doc as the burst's client id and applied to that client's doc, whose provider sends
// it. Every --every edits, once another client has received everything (so the server has applied
// it), the burst's user names the current state (POST …/versions): a version. Then times, --reps
// times each, with fetch on loopback: the newest 50 versions, a version's content (oldest, middle,
// newest), the diff middle → newest, blame of the live text, and restore of the oldest, middle and
// newest version (each after a one-character edit; the answer's time, then a wait until a client
// sees the restored text, which is checked). Prints a Markdown table and, last, one JSON line.
//
//   node bench/history/http_bench.mjs [--weft build/bin/weft] [--trace FILE] [--edits N]
//                                     [--every N] [--reps N]
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const WEFT = opt('weft', 'build/bin/weft')
const TRACE = opt('trace', 'tests/data/editing-traces/automerge-paper.json.gz')
const EDITS = Number(opt('edits', 0))
const EVERY = Number(opt('every', 1000))
const REPS = Number(opt('reps', 10))
const AUTHORS = [
  { client: 2386147171, user: 0 }, { client: 1104385911, user: 1 }, { client: 3922008713, user: 2 },
  { client: 607235459, user: 3 }, { client: 2981517207, user: 0 }
]

async function waitFor (cond, ms, what) {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await cond()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

function freePort () {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
}

// mulberry32: the bursts' lengths and authors.
function rng (seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Samples {
  constructor () { this.ms = [] }
  add (ms) { this.ms.push(ms) }
  sorted () { return [...this.ms].sort((a, b) => a - b) }
  median () { const s = this.sorted(); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
  p99 () { const s = this.sorted(); return s[Math.max(1, Math.ceil(0.99 * s.length)) - 1] }
  max () { return Math.max(...this.ms) }
}

async function timed (samples, fn) {
  const t0 = performance.now()
  const r = await fn()
  samples.add(performance.now() - t0)
  return r
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-history-http-'))
fs.mkdirSync(path.join(dir, 'static'))
fs.writeFileSync(path.join(dir, 'static', 'index.html'), '<!doctype html>\n')
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const server = spawn(WEFT, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir,
  '--static-dir', path.join(dir, 'static'), '--log-level', 'warn', '--auth-rate-limit', '0',
  '--history-quiet-ms', '0', '--ws-rate-limit', '0'], { stdio: ['ignore', 'inherit', 'inherit'] })
const providers = []
let failed = false
try {
  await waitFor(async () => {
    try { return (await fetch(`${base}/readyz`)).status === 200 } catch { return false }
  }, 20000, 'weft serve to be ready')

  const api = async (method, p, token, body) => {
    const r = await fetch(base + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined
    })
    const text = await r.text()
    if (r.status >= 300) throw new Error(`${method} ${p}: HTTP ${r.status} ${text}`)
    return text
  }
  const users = []
  for (const name of ['ada', 'bob', 'cyd', 'dee']) {
    const r = await fetch(`${base}/api/auth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password: `pw-${name}-secret` })
    })
    if (r.status !== 201) throw new Error(`registering ${name}: HTTP ${r.status} ${await r.text()}`)
    users.push(await r.json())
  }
  const id = JSON.parse(await api('POST', '/api/documents', users[0].token, { title: 'paper.tex', is_public: false })).id
  for (const u of users.slice(1)) await api('PUT', `/api/documents/${id}/members/${u.user.username}`, users[0].token, { role: 'editor' })
  const doc = `/api/documents/${id}`

  const clients = AUTHORS.map((a) => {
    const ydoc = new Y.Doc()
    const p = new WebsocketProvider(`ws://127.0.0.1:${port}/ws`, String(id), ydoc, {
      WebSocketPolyfill: WebSocket, disableBc: true, params: { token: users[a.user].token }
    })
    providers.push(p)
    return { ydoc, p, user: a.user }
  })
  await waitFor(() => clients.every((c) => c.p.synced), 20000, 'the clients to sync')

  const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(TRACE)))
  const txns = EDITS > 0 ? trace.txns.slice(0, EDITS) : trace.txns
  const gen = new Y.Doc()
  const text = gen.getText('content')
  let author = 0
  let pending = null
  gen.on('update', (u) => { pending = u })
  const random = rng(20261125)
  let burstLeft = 100 + Math.floor(random() * 1901)
  const t0 = performance.now()
  for (let i = 0; i < txns.length; i++) {
    if (burstLeft === 0) {
      author = (author + 1 + Math.floor(random() * (AUTHORS.length - 1))) % AUTHORS.length
      burstLeft = 100 + Math.floor(random() * 1901)
      // The new author's doc must hold what it edits: an update whose origins it lacks would wait
      // in its doc as pending, and be integrated later from the server's update, never sent.
      const want = text.toString()
      await waitFor(() => clients[author].ydoc.getText('content').toString() === want, 60000, 'the next author to catch up')
    }
    burstLeft--
    gen.clientID = AUTHORS[author].client
    gen.transact(() => {
      for (const [pos, del, ins] of txns[i].patches) {
        if (del > 0) text.delete(pos, del)
        if (ins !== '') text.insert(pos, ins)
      }
    })
    Y.applyUpdate(clients[author].ydoc, pending)
    if ((i + 1) % EVERY === 0 || i + 1 === txns.length) {
      const observer = clients[(author + 1) % clients.length]
      const want = text.toString()
      await waitFor(() => observer.ydoc.getText('content').toString() === want, 60000, 'the server to apply the edits')
      await api('POST', `${doc}/versions`, users[clients[author].user].token, { name: `after edit ${i + 1}` })
    }
  }
  const growS = (performance.now() - t0) / 1000
  if (txns === trace.txns && text.toString() !== trace.endContent) throw new Error('the trace did not end in endContent')

  const versions = []
  for (let before = null; ;) {
    const page = JSON.parse(await api('GET', `${doc}/versions?limit=200${before ? `&before=${before}` : ''}`, users[0].token))
    versions.push(...page.versions)
    if (!page.next_cursor) break
    before = page.next_cursor
  }
  versions.reverse()
  const [oldest, middle, newest] = [versions[0], versions[versions.length >> 1], versions[versions.length - 1]]

  const rows = {
    'GET …/versions (50)': new Samples(),
    'GET …/versions/{oldest}/content': new Samples(),
    'GET …/versions/{middle}/content': new Samples(),
    'GET …/versions/{newest}/content': new Samples(),
    'GET …/versions/{middle}/diff?against={newest}': new Samples(),
    'GET …/blame': new Samples(),
    'POST …/versions/{oldest}/restore': new Samples(),
    'POST …/versions/{middle}/restore': new Samples(),
    'POST …/versions/{newest}/restore': new Samples()
  }
  const token = users[0].token
  const contents = {}
  for (const v of [oldest, middle, newest]) contents[v.id] = await api('GET', `${doc}/versions/${v.id}/content`, token)
  for (let rep = 0; rep < REPS; rep++) {
    await timed(rows['GET …/versions (50)'], () => api('GET', `${doc}/versions?limit=50`, token))
    for (const [name, v] of [['oldest', oldest], ['middle', middle], ['newest', newest]]) {
      await timed(rows[`GET …/versions/{${name}}/content`], () => api('GET', `${doc}/versions/${v.id}/content`, token))
    }
    await timed(rows['GET …/versions/{middle}/diff?against={newest}'], () => api('GET', `${doc}/versions/${middle.id}/diff?against=${newest.id}`, token))
    const blame = JSON.parse(await timed(rows['GET …/blame'], () => api('GET', `${doc}/blame`, token)))
    if (blame.lines.length !== clients[0].ydoc.getText('content').toString().split('\n').length) throw new Error('blame: wrong number of lines')
  }
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, v] of [['oldest', oldest], ['middle', middle], ['newest', newest]]) {
      const typist = clients[1]
      typist.ydoc.getText('content').insert(0, 'x')
      const typed = typist.ydoc.getText('content').toString()
      await waitFor(() => clients[2].ydoc.getText('content').toString() === typed, 10000, 'the edit to arrive')
      await timed(rows[`POST …/versions/{${name}}/restore`], () => api('POST', `${doc}/versions/${v.id}/restore`, token))
      await waitFor(() => clients[2].ydoc.getText('content').toString() === contents[v.id], 10000, 'the restored text to arrive')
    }
  }

  const fmt = (x) => x < 10 ? x.toFixed(2) : x.toFixed(1)
  console.log(`http_bench: ${txns.length} edits, ${versions.length} versions grown in ${growS.toFixed(1)} s; ${REPS} repetitions\n`)
  console.log('| request | median ms | p99 ms | max ms |\n|---|---:|---:|---:|')
  const out = { edits: txns.length, versions: versions.length, reps: REPS, requests: {} }
  for (const [name, s] of Object.entries(rows)) {
    console.log(`| ${name} | ${fmt(s.median())} | ${fmt(s.p99())} | ${fmt(s.max())} |`)
    out.requests[name] = { median_ms: s.median(), p99_ms: s.p99(), max_ms: s.max() }
  }
  console.log()
  console.log(JSON.stringify(out))
} catch (e) {
  failed = true
  console.error(`http_bench: ${e.stack || e}`)
} finally {
  for (const p of providers) p.destroy()
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('exit', resolve))
  fs.rmSync(dir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
