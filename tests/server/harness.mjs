// harness.mjs — starts `weft serve` for the Node integration tests and drives real y-websocket
// clients against it. Every wait here is a condition polled against a deadline; nothing sleeps for
// a fixed time to "let things settle".
//
//   WEFT_BIN             the weft binary (default build/bin/weft)
//   WEFT_TEST_LOG_LEVEL  --log-level for the servers the tests start (default info)
//   WEFT_TEST_READY_MS   how long a server may take to answer /readyz (default 20000)
//   WEFT_TEST_SEED       seed for the randomized tests (default: random, printed)
//   WEFT_TEST_TIMEOUT_MS bound on each test (default 120000); pass `{ timeout: TEST_TIMEOUT }`
//   WEFT_TEST_SERVER_DATABASE=postgres  servers use a fresh PostgreSQL database each, made on the
//                        server of WEFT_TEST_POSTGRES_URL (tests/postgres/with-postgres.sh); tests
//                        that read SQLite directly (storedDocument) need the default, SQLite
import { after } from 'node:test'
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

export { WebSocket, Y, WebsocketProvider, delay }

export const WEFT_BIN = process.env.WEFT_BIN || 'build/bin/weft'
const LOG_LEVEL = process.env.WEFT_TEST_LOG_LEVEL || 'info'
const READY_MS = Number(process.env.WEFT_TEST_READY_MS || 20000)
const STDERR_KEEP = 256 * 1024
export const TEST_TIMEOUT = Number(process.env.WEFT_TEST_TIMEOUT_MS || 120000)
const SERVER_DATABASE = process.env.WEFT_TEST_SERVER_DATABASE || 'sqlite'

// A new, empty PostgreSQL database on the test server; returns its URL.
export function freshPostgresDatabase () {
  const base = process.env.WEFT_TEST_POSTGRES_URL
  if (!base) throw new Error('WEFT_TEST_SERVER_DATABASE=postgres needs WEFT_TEST_POSTGRES_URL (run under tests/postgres/with-postgres.sh)')
  const name = `weft_srv_${crypto.randomBytes(6).toString('hex')}`
  const r = spawnSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`psql CREATE DATABASE: ${r.stderr || r.error}`)
  const url = new URL(base)
  url.pathname = `/${name}`
  return url.toString()
}

// A test that timed out leaves its clients' timers behind, which would keep this file's process
// alive until the runner's file timeout. Once every test has finished, give the process 2 s to end
// by itself, then end it (the exit handler below kills any server still running).
after(() => {
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref()
})

// ---------------------------------------------------------------------------------------------
// Waiting

// Polls cond() (sync or async) until it returns a truthy value, which is returned. Throws after
// timeoutMs with `what` and, when given, detail() (evaluated at the time-out) in the message.
// Exceptions thrown by cond count as "not yet"; the last one is reported on time-out. An exception
// made with fatal() ends the wait at once.
export function fatal (message) { return Object.assign(new Error(message), { fatal: true }) }

export async function waitFor (cond, timeoutMs = 5000, what = 'condition', detail = null) {
  const start = performance.now()
  let lastErr = null
  let interval = 5
  for (;;) {
    for (const srv of expectedUp) {
      if (srv.exit) {
        expectedUp.delete(srv)
        throw fatal(`${what}: the server on port ${srv.port} exited unexpectedly (${JSON.stringify(srv.exit)})`)
      }
    }
    try {
      const v = await cond()
      if (v) return v
      lastErr = null
    } catch (e) {
      if (e.fatal) throw e
      lastErr = e
    }
    const elapsed = performance.now() - start
    if (elapsed >= timeoutMs) {
      let msg = `timed out after ${Math.round(elapsed)} ms waiting for ${what}`
      if (detail) {
        try { msg += `: ${detail()}` } catch (e) { msg += ` (detail failed: ${e.message})` }
      }
      if (lastErr) msg += ` (last error: ${lastErr.message})`
      throw new Error(msg)
    }
    await delay(Math.min(interval, timeoutMs - elapsed))
    interval = Math.min(interval * 2, 50)
  }
}

// Resolves with the promise's value, or with `fallback` if it has not settled within ms.
export async function within (promise, ms, fallback = null) {
  let timer
  try {
    return await Promise.race([promise, new Promise((resolve) => { timer = setTimeout(resolve, ms, fallback) })])
  } finally {
    clearTimeout(timer)
  }
}

// ---------------------------------------------------------------------------------------------
// Randomness (seeded, reproducible: the seed is printed by the tests that use it)

export function seedFromEnv () {
  return process.env.WEFT_TEST_SEED ? Number(process.env.WEFT_TEST_SEED) : crypto.randomInt(1, 2 ** 31)
}

export function rng (seed) { // mulberry32
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  next.int = (n) => Math.floor(next() * n)
  next.pick = (arr) => arr[next.int(arr.length)]
  return next
}

// ---------------------------------------------------------------------------------------------
// Server process

export async function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

// Each WebsocketProvider adds a process 'exit' listener; the tests run more than ten at a time.
process.setMaxListeners(100)

const live = new Set() // every server process still running, killed on exit whatever happens
const expectedUp = new Set() // servers started and not yet told to stop: waitFor fails if one dies
process.on('exit', () => { for (const s of live) { try { process.kill(s.pid, 'SIGKILL') } catch {} } })

export function tmpDir (prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export class Server {
  constructor ({ port, dataDir, staticDir, flags }) {
    this.port = port
    this.dataDir = dataDir
    this.staticDir = staticDir
    this.flags = flags
    this.host = '127.0.0.1'
    this.httpUrl = `http://${this.host}:${port}`
    this.wsBase = `ws://${this.host}:${port}/ws` // + '/<document id>'
    this.dbPath = path.join(dataDir, 'weft.db')
    this._stderr = ''
    this.proc = null
    this.exit = null // {code, signal} once exited
  }

  get pid () { return this.proc?.pid }
  get running () { return this.proc !== null && this.exit === null }

  stderr () { return this._stderr }
  stderrTail (n = 4000) {
    const s = this._stderr
    return s.length > n ? '…' + s.slice(s.length - n) : s
  }

  args () {
    const a = ['serve', '--host', this.host, '--port', String(this.port), '--data-dir', this.dataDir,
      '--static-dir', this.staticDir, '--log-level', LOG_LEVEL]
    for (const [k, v] of Object.entries(this.flags)) a.push(`--${k}`, String(v))
    return a
  }

  _spawn () {
    this.exit = null
    const proc = spawn(WEFT_BIN, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc = proc
    live.add(proc)
    const append = (chunk) => {
      this._stderr += chunk.toString('utf8')
      if (this._stderr.length > STDERR_KEEP * 2) this._stderr = this._stderr.slice(-STDERR_KEEP)
    }
    proc.stdout.on('data', append)
    proc.stderr.on('data', append)
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        live.delete(proc)
        this.exit = { code, signal }
        resolve(this.exit)
      })
      proc.on('error', (err) => {
        live.delete(proc)
        this._stderr += `\n[harness] spawn failed: ${err.message}\n`
        this.exit = { code: null, signal: null, error: err }
        resolve(this.exit)
      })
    })
  }

  // Starts (or restarts, on the same port and data dir) and waits for /readyz (/healthz when the
  // server is not expected to become ready: `this.healthOnly`).
  async start () {
    if (this.running) throw new Error('server already running')
    this._stderr += `\n[harness] starting: ${WEFT_BIN} ${this.args().join(' ')}\n`
    this._spawn()
    const probe = this.healthOnly ? '/healthz' : '/readyz'
    await waitFor(async () => {
      if (this.exit) throw fatal(`${WEFT_BIN} exited during start-up (${JSON.stringify(this.exit)})`)
      const r = await fetch(`${this.httpUrl}${probe}`, { signal: AbortSignal.timeout(1000) })
      await r.arrayBuffer()
      return r.status === 200
    }, READY_MS, `${WEFT_BIN} to answer 200 on ${probe}`)
      .catch((e) => { if (this.running) this.proc.kill('SIGKILL'); throw e })
    expectedUp.add(this)
    await this.signIn()
    return this
  }

  // Calls the JSON API. body: an object (sent as JSON) or a string (sent as is). Returns
  // {status, headers, text, json} (json: the parsed body, or undefined).
  async api (method, p, { body, token = this.token, headers = {} } = {}) {
    const h = { ...headers }
    if (token) h.authorization = `Bearer ${token}`
    let payload
    if (body !== undefined) {
      const raw = typeof body === 'string' || body instanceof Uint8Array
      payload = raw ? body : JSON.stringify(body)
      if (!raw && !h['content-type']) h['content-type'] = 'application/json'
    }
    const r = await fetch(this.httpUrl + p, { method, headers: h, body: payload, signal: AbortSignal.timeout(15000) })
    const text = await r.text()
    let json
    try { json = JSON.parse(text) } catch {}
    return { status: r.status, headers: r.headers, text, json }
  }

  // Registers a user (or signs in when it exists: a restarted server keeps its accounts).
  // Returns {token, user}.
  async account (username, password = `pw-${username}-secret`) {
    let r = await this.api('POST', '/api/auth/register', { body: { username, password }, token: null })
    if (r.status === 409) r = await this.api('POST', '/api/auth/login', { body: { username, password }, token: null })
    if (r.status !== 200 && r.status !== 201) throw new Error(`account ${username}: HTTP ${r.status} ${r.text}`)
    return r.json
  }

  // The harness's own account: the default token of clients and API calls.
  async signIn () {
    const { token, user } = await this.account('harness')
    this.token = token
    this.user = user
  }

  // Creates a document (public unless told otherwise) owned by the harness account; returns its id.
  async newDoc ({ title = 'test.txt', is_public: isPublic = true, token = this.token } = {}) {
    const r = await this.api('POST', '/api/documents', { body: { title, is_public: isPublic }, token })
    if (r.status !== 201) throw new Error(`creating a document: HTTP ${r.status} ${r.text}`)
    return r.json.id
  }

  // SIGTERM, then SIGKILL if it has not exited within timeoutMs. Returns {code, signal, forced}.
  async stop (timeoutMs = 15000) {
    expectedUp.delete(this)
    if (!this.running) return { ...this.exit, forced: false }
    this.proc.kill('SIGTERM')
    let timer
    const r = await Promise.race([this.exited, new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs, null) })])
    clearTimeout(timer)
    if (r) return { ...r, forced: false }
    this._stderr += `\n[harness] no exit ${timeoutMs} ms after SIGTERM: SIGKILL\n`
    this.proc.kill('SIGKILL')
    return { ...(await this.exited), forced: true }
  }

  async kill9 () {
    expectedUp.delete(this)
    if (!this.running) return this.exit
    this.proc.kill('SIGKILL')
    return this.exited
  }

  async get (p) {
    const r = await fetch(this.httpUrl + p, { signal: AbortSignal.timeout(5000) })
    return { status: r.status, headers: r.headers, body: await r.text() }
  }

  // /metrics parsed: { name: summed value over all label sets }. Throws on a non-200.
  async metrics () {
    const r = await this.get('/metrics')
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`)
    return parseMetrics(r.body)
  }

  // What the store holds for a document, read with the sqlite3 CLI (safe while the server runs:
  // read-only statements). text: `weft doc text --name content` over yjs_state then every row of
  // document_updates in id order; content: documents.content; updates: rows in the log.
  storedDocument (docId) {
    const q = (sql) => {
      const r = spawnSync('sqlite3', ['-bail', '-cmd', '.timeout 5000', this.dbPath, sql], { encoding: 'utf8', maxBuffer: 1 << 30 })
      if (r.status !== 0) throw new Error(`sqlite3 ${sql}: ${r.stderr || r.error}`)
      return r.stdout.split('\n').filter((l) => l !== '')
    }
    const id = Number(docId)
    if (!fs.existsSync(this.dbPath)) throw new Error(`no database at ${this.dbPath}`)
    const docRows = q(`SELECT hex(yjs_state), hex(content) FROM documents WHERE id = ${id}`)
    if (docRows.length === 0) return { exists: false, text: '', content: null, updates: 0 }
    const [stateHex, contentHex] = docRows[0].split('|')
    const blobs = []
    if (stateHex) blobs.push(Buffer.from(stateHex, 'hex'))
    const updates = q(`SELECT hex(data) FROM document_updates WHERE document_id = ${id} ORDER BY id`)
    for (const h of updates) if (h) blobs.push(Buffer.from(h, 'hex'))
    return {
      exists: true,
      text: weftDocText(blobs),
      content: Buffer.from(contentHex || '', 'hex').toString('utf8'),
      updates: updates.length
    }
  }
}

// Runs `weft doc text --name content` over the given updates (in order); '' for none.
export function weftDocText (blobs) {
  if (blobs.length === 0) return ''
  const dir = tmpDir('weft-stored-')
  try {
    const files = blobs.map((b, i) => {
      const f = path.join(dir, `${String(i).padStart(6, '0')}.bin`)
      fs.writeFileSync(f, b)
      return f
    })
    const r = spawnSync(WEFT_BIN, ['doc', 'text', '--name', 'content', ...files],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })
    if (r.status !== 0) throw new Error(`weft doc text failed (${r.status}): ${r.stderr}`)
    return r.stdout.toString('utf8')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export function parseMetrics (body) {
  const out = {}
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (!m) continue
    out[m[1]] = (out[m[1]] ?? 0) + Number(m[3])
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Clients

export class Client {
  // token: the JWT sent as ?token= (default: the server's harness account).
  constructor (server, docId, { connect = true, name = 'client', token = server.token } = {}) {
    this.name = name
    this.doc = new Y.Doc()
    this.ytext = this.doc.getText('content')
    this.closes = [] // {code, reason} per connection the server closed (null: closed by us)
    this.provider = new WebsocketProvider(server.wsBase, String(docId), this.doc, {
      WebSocketPolyfill: WebSocket, connect, disableBc: true, params: token ? { token } : {}
    })
    this.provider.on('connection-close', (ev) => {
      this.closes.push(ev ? { code: ev.code, reason: ev.reason } : null)
    })
  }

  get awareness () { return this.provider.awareness }
  get connected () { return this.provider.wsconnected }
  get synced () { return this.provider.synced }
  text () { return this.ytext.toString() }
  serverCloses () { return this.closes.filter((c) => c !== null) }

  async waitSynced (timeoutMs = 10000) {
    await waitFor(() => this.provider.wsconnected && this.provider.synced, timeoutMs,
      `${this.name} to connect and sync`, () => `closes so far: ${JSON.stringify(this.closes)}`)
  }

  destroy () {
    if (this.destroyed) return
    this.destroyed = true
    this.provider.destroy()
    this.doc.destroy()
  }
}

// Opens a raw `ws` WebSocket (no Yjs) to a document. Collects messages; `closed` resolves with
// {code, reason} when the connection closes. token: as for Client (null: none).
export function rawWs (server, docId, token = server.token) {
  const query = token ? `?token=${encodeURIComponent(token)}` : ''
  const ws = new WebSocket(`${server.wsBase}/${docId}${query}`)
  ws.binaryType = 'nodebuffer'
  const messages = []
  ws.on('message', (data, isBinary) => messages.push({ data, isBinary }))
  ws.on('error', () => {}) // a close follows; the tests assert on the close
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)))
    ws.once('close', (code) => reject(new Error(`closed (${code}) before open`)))
  })
  opened.catch(() => {})
  return { ws, messages, closed, opened }
}

// ---------------------------------------------------------------------------------------------
// Scenario: tracks servers and clients of one test, cleans them up whatever happens, and appends
// each server's stderr to a failure.

export async function scenario (t, fn) {
  const servers = []
  const clients = []
  const extra = []
  const s = {
    // staticDir: serve this directory (the browser tests pass web/dist); default: a temporary one
    // holding a stub index.html.
    // healthOnly: wait for /healthz, not /readyz (a server that cannot become ready).
    async server (flags = {}, { dataDir, port, staticDir: givenStaticDir, healthOnly = false } = {}) {
      const staticDir = givenStaticDir ?? tmpDir('weft-static-')
      if (!givenStaticDir) fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>weft test</title>\n')
      if (SERVER_DATABASE === 'postgres' && !('database' in flags)) flags = { ...flags, database: freshPostgresDatabase() }
      const srv = new Server({
        port: port ?? await freePort(),
        dataDir: dataDir ?? tmpDir('weft-data-'),
        staticDir,
        flags
      })
      srv.ownsStaticDir = !givenStaticDir
      srv.healthOnly = healthOnly
      servers.push(srv)
      await srv.start()
      return srv
    },
    client (server, docId, opts = {}) {
      const c = new Client(server, docId, { name: `client${clients.length}`, ...opts })
      clients.push(c)
      return c
    },
    onCleanup (f) { extra.push(f) },
    log (...args) { t.diagnostic(args.join(' ')) }
  }
  let failure = null
  try {
    await fn(s)
  } catch (e) {
    failure = e
  }
  for (const c of clients) { try { c.destroy() } catch {} }
  for (const f of extra.reverse()) { try { await f() } catch {} }
  for (const srv of servers) { try { await srv.stop(5000) } catch {} }
  if (failure) {
    const logs = servers.map((srv, i) => `--- server ${i} (port ${srv.port}, data ${srv.dataDir}) ` +
      `exit ${JSON.stringify(srv.exit)} stderr (tail):\n${srv.stderrTail()}`).join('\n')
    if (failure instanceof Error) failure.message += `\n${logs}`
    throw failure
  }
  for (const srv of servers) {
    fs.rmSync(srv.dataDir, { recursive: true, force: true })
    if (srv.ownsStaticDir) fs.rmSync(srv.staticDir, { recursive: true, force: true })
  }
}

// Deterministic random text for edits: ASCII with some 2- and 3-byte UTF-8 (all single UTF-16
// units, so random positions never split a surrogate pair) and newlines.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;{}()é字\n'
export function randomText (r, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += ALPHABET[r.int(ALPHABET.length)]
  return s
}

export function median (xs) {
  const a = [...xs].sort((x, y) => x - y)
  return a.length === 0 ? NaN : a[Math.floor(a.length / 2)]
}
