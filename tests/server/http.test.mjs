// http.test.mjs — /healthz, /readyz and /metrics, and the connection and message counters moving
// as real y-websocket clients connect, edit and leave.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { TEST_TIMEOUT, scenario, waitFor, tmpDir } from './harness.mjs'

test('/healthz, /readyz and /metrics answer', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()

  const health = await srv.get('/healthz')
  assert.equal(health.status, 200)
  assert.equal(health.body.trim(), 'ok')

  const ready = await srv.get('/readyz')
  assert.equal(ready.status, 200)

  const m = await srv.get('/metrics')
  assert.equal(m.status, 200)
  assert.match(m.headers.get('content-type') || '', /^text\/plain/, 'Prometheus text format')
  for (const name of ['weft_connections', 'weft_documents', 'weft_messages_received_total']) {
    assert.match(m.body, new RegExp(`^${name}(\\{[^}]*\\})? [0-9.eE+-]+$`, 'm'), `${name} sample line in:\n${m.body}`)
  }
}))

test('metrics follow connections and messages', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'room-grace-ms': 200 })
  const before = await srv.metrics()
  assert.equal(before.weft_connections, 0, 'no connections before any client')

  const a = s.client(srv, await srv.newDoc())
  const b = s.client(srv, await srv.newDoc())
  await a.waitSynced()
  await b.waitSynced()
  a.ytext.insert(0, 'counting')

  const during = await waitFor(async () => {
    const m = await srv.metrics()
    return m.weft_connections === 2 && m.weft_messages_received_total > before.weft_messages_received_total && m
  }, 5000, 'weft_connections 2 and weft_messages_received_total to grow', () => 'see /metrics')
  assert.ok(during.weft_documents >= 2, `weft_documents ${during.weft_documents} with two documents open`)

  a.destroy()
  b.destroy()
  await waitFor(async () => (await srv.metrics()).weft_connections === 0, 5000,
    'weft_connections to return to 0 after both clients left')
}))

test('a request body over --max-body-bytes gets a 413 that fetch, curl and a raw socket all read', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const LIMIT = 64 * 1024
  const srv = await s.server({ 'max-body-bytes': LIMIT })
  const DOC = await srv.newDoc()
  const big = 'x'.repeat(4 * 1024 * 1024) // well past the limit and the socket buffers
  const url = `${srv.httpUrl}/api/documents/${DOC}/content`

  // Node's fetch (undici), three times, so a lucky ordering cannot pass it.
  for (let i = 0; i < 3; i++) {
    const r = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${srv.token}` }, body: big })
    assert.equal(r.status, 413, 'fetch reads the 413')
    assert.equal((await r.json()).error.code, 'payload_too_large')
  }

  // curl, with and without Expect: 100-continue.
  const dir = tmpDir('weft-413-')
  s.onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'big.txt')
  fs.writeFileSync(file, big)
  for (const expect of [[], ['-H', 'Expect:']]) {
    const r = spawnSync('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'PUT', '-H', `Authorization: Bearer ${srv.token}`,
      ...expect, '--data-binary', `@${file}`, url], { encoding: 'utf8' })
    assert.equal(r.status, 0, `curl ${expect.join(' ')} failed: ${r.stderr}`)
    const lines = r.stdout.trim().split('\n')
    assert.equal(lines.at(-1), '413', `curl ${expect.join(' ')}: ${r.stdout}`)
    assert.match(r.stdout, /payload_too_large/)
  }

  // A raw client that writes the whole request before reading anything.
  const sock = net.connect(srv.port, srv.host)
  sock.on('error', () => {})
  let reply = ''
  sock.on('data', (d) => { reply += d.toString('latin1') })
  const ended = new Promise((resolve) => sock.on('close', resolve))
  await new Promise((resolve) => sock.once('connect', resolve))
  sock.write(`PUT /api/documents/${DOC}/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
    `Content-Length: ${big.length}\r\n\r\n`)
  sock.write(big)
  await ended
  assert.match(reply, /^HTTP\/1\.1 413 /, `the raw client read: ${JSON.stringify(reply.slice(0, 80))}`)

  // Nothing was applied, and the server still serves.
  assert.equal((await srv.api('GET', `/api/documents/${DOC}/content`)).text, '')
  assert.equal((await srv.get('/healthz')).status, 200)
}))
