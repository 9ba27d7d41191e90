// config.test.mjs — `weft serve --help` documents every option with its WEFT_<NAME> variable, an
// option given only through the environment takes effect, and a peer that stops answering
// pings is dropped after --idle-timeout-ms.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import net from 'node:net'
import path from 'node:path'
import { TEST_TIMEOUT, WEFT_BIN, freePort, scenario, tmpDir, waitFor } from './harness.mjs'

test('--help lists every option with its environment variable', () => {
  const r = spawnSync(WEFT_BIN, ['serve', '--help'], { encoding: 'utf8' })
  assert.equal(r.status, 0)
  for (const opt of ['host', 'port', 'data-dir', 'static-dir', 'database', 'db-pool-size', 'redis', 'jwt-secret', 'log-level',
    'max-message-bytes', 'send-queue-bytes', 'room-grace-ms', 'batch-window-ms', 'idle-timeout-ms', 'tls-cert', 'tls-key',
    'cors-origins', 'instance-id', 'auth-rate-limit', 'ws-rate-limit', 'max-body-bytes', 'history-quiet-ms',
    'history-max-interval-ms', 'history-keep-all-hours', 'history-hourly-days']) {
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
