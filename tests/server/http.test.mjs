// http.test.mjs — /healthz, /readyz and /metrics, and the connection and message counters moving
// as real y-websocket clients connect, edit and leave.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor } from './harness.mjs'

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
