// config.test.mjs — `weft serve --help` documents every option with its WEFT_<NAME> variable, an
// option given only through the environment takes effect, secrets can come from files
// (WEFT_JWT_SECRET_FILE), --log-format json writes one JSON object a line without the tokens of
// query strings, and a peer that stops answering pings is dropped after --idle-timeout-ms.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { TEST_TIMEOUT, WEFT_BIN, freePort, scenario, tmpDir, waitFor } from './harness.mjs'

test('--help lists every option with its environment variable', () => {
  const r = spawnSync(WEFT_BIN, ['serve', '--help'], { encoding: 'utf8' })
  assert.equal(r.status, 0)
  for (const opt of ['host', 'port', 'data-dir', 'static-dir', 'database', 'db-pool-size', 'redis', 'jwt-secret', 'log-level',
    'max-message-bytes', 'send-queue-bytes', 'room-grace-ms', 'batch-window-ms', 'idle-timeout-ms', 'tls-cert', 'tls-key',
    'cors-origins', 'instance-id', 'auth-rate-limit', 'ws-rate-limit', 'max-body-bytes', 'history-quiet-ms',
    'history-max-interval-ms', 'history-keep-all-hours', 'history-hourly-days', 'log-format', 'max-project-bytes',
    'jwt-secret-file', 'database-file', 'redis-file']) {
    assert.match(r.stdout, new RegExp(`--${opt}\\b`), `--${opt} in --help`)
    assert.match(r.stdout, new RegExp(`WEFT_${opt.toUpperCase().replaceAll('-', '_')}\\b`), `WEFT_ variable of --${opt}`)
  }
})

test('options can come from WEFT_ environment variables', { timeout: TEST_TIMEOUT }, async () => {
  const port = await freePort()
  const dir = tmpDir('weft-env-')
  const proc = spawn(WEFT_BIN, ['serve'], {
    env: { ...process.env, WEFT_HOST: '127.0.0.1', WEFT_PORT: String(port), WEFT_DATA_DIR: path.join(dir, 'data'), WEFT_STATIC_DIR: dir },
    stdio: 'ignore'
  })
  const exited = new Promise((resolve) => proc.on('exit', resolve))
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 10000, 'server on WEFT_PORT')
  } finally {
    proc.kill('SIGTERM')
    assert.equal(await exited, 0)
  }
})

test('a secret from a file (WEFT_JWT_SECRET_FILE): tokens it signs are accepted, others refused; an unreadable file is an error', { timeout: TEST_TIMEOUT }, async () => {
  const port = await freePort()
  const dir = tmpDir('weft-secret-file-')
  const secret = crypto.randomBytes(32).toString('hex')
  const file = path.join(dir, 'jwt')
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 })
  const proc = spawn(WEFT_BIN, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', path.join(dir, 'data'), '--static-dir', dir],
    { env: { ...process.env, WEFT_JWT_SECRET_FILE: file }, stdio: 'ignore' })
  const exited = new Promise((resolve) => proc.on('exit', resolve))
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 10000, 'server up')
    const reg = await (await fetch(`http://127.0.0.1:${port}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'filesecret', password: 'a-good-password' }) })).json()
    // The token is signed with the file's secret (without its newline): HS256 over header.payload.
    const [h, p, sig] = reg.token.split('.')
    assert.equal(crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url'), sig)
    assert.ok(!fs.existsSync(path.join(dir, 'data', 'jwt-secret')), 'no secret generated into the data dir')
  } finally {
    proc.kill('SIGTERM')
    assert.equal(await exited, 0)
  }
  const bad = spawnSync(WEFT_BIN, ['serve', '--port', '0', '--data-dir', path.join(dir, 'data'), '--jwt-secret-file', path.join(dir, 'missing')], { encoding: 'utf8', timeout: 10000 })
  assert.notEqual(bad.status, 0)
  assert.match(bad.stderr + bad.stdout, /jwt-secret-file/)
})

test('--log-format json: one JSON object a line, tokens of query strings not in it', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'log-format': 'json' })
  const created = await srv.api('POST', '/api/documents', { body: { title: 'quote " and \\ backslash' } })
  assert.equal(created.status, 201, created.text)
  const id = created.json.id
  const c = s.client(srv, id)
  await c.waitSynced()
  c.destroy()
  await fetch(`${srv.httpUrl}/ws/${id}?token=${srv.token}`) // a plain GET on a WebSocket URL
  await waitFor(() => srv.stderr().includes('"message"'), 5000, 'a log line')
  const lines = srv.stderr().split('\n').filter((l) => l !== '' && !l.startsWith('[harness]'))
  assert.ok(lines.length >= 3, lines.join('\n'))
  for (const line of lines) {
    const o = JSON.parse(line) // throws on a line that is not one JSON object
    assert.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.ok(['trace', 'debug', 'info', 'warning', 'error', 'critical'].includes(o.level), o.level)
    assert.equal(typeof o.thread, 'number')
    assert.equal(typeof o.message, 'string')
  }
  assert.ok(!srv.stderr().split('\n').filter((l) => !l.startsWith('[harness]')).join('\n').includes(srv.token), 'no token in the log')
  const bad = spawnSync(WEFT_BIN, ['serve', '--log-format', 'xml'], { encoding: 'utf8', timeout: 10000 })
  assert.notEqual(bad.status, 0)
}))

test('a peer that never answers pings is dropped after the idle timeout', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'idle-timeout-ms': 600 })
  const DOC = await srv.newDoc()
  const sock = net.connect(srv.port, srv.host)
  let closed = false
  sock.on('close', () => { closed = true })
  sock.on('error', () => {})
  sock.on('data', () => {}) // reads everything, answers nothing (no pong)
  const key = crypto.randomBytes(16).toString('base64')
  sock.on('connect', () => sock.write(`GET /ws/${DOC}?token=${encodeURIComponent(srv.token)} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`))
  await waitFor(async () => (await srv.metrics()).weft_connections === 1, 5000, 'the raw peer to be connected')
  const t0 = Date.now()
  await waitFor(() => closed, 10000, 'the server to drop the silent peer')
  s.log(`silent peer dropped after ${Date.now() - t0} ms`)
  await waitFor(async () => (await srv.metrics()).weft_connections === 0, 5000, 'the connection gauge to fall')
}))
