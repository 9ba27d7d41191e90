// persistence.test.mjs — documents survive a graceful restart and a kill -9: what the server
// relayed is in the store within the batch window, and clients that kept editing while the server
// was down bring their edits back when their providers reconnect by themselves.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor, seedFromEnv, rng, delay, Y, rawWs } from './harness.mjs'

const FLAGS = { 'batch-window-ms': 20, 'room-grace-ms': 200 }

test('a graceful restart keeps the text; 1012 on shutdown; old and new clients agree', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server(FLAGS)
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const b = s.client(srv, DOC, { name: 'b' })
  await a.waitSynced()
  await b.waitSynced()
  a.ytext.insert(0, 'hello persistent wörld\n')
  a.ytext.insert(6, 'very ')
  b.ytext.insert(0, '// b was here\n')
  await waitFor(() => a.text() === b.text() && a.text().includes('very') && a.text().includes('b was'), 5000,
    'a and b to see each other\'s edits')
  const expected = a.text()

  const exit = await srv.stop()
  assert.deepEqual(exit, { code: 0, signal: null, forced: false }, 'SIGTERM exits 0')
  await waitFor(() => a.serverCloses().length >= 1 && b.serverCloses().length >= 1, 5000, 'clients to see the close')
  assert.equal(a.serverCloses()[0].code, 1012)
  assert.equal(b.serverCloses()[0].code, 1012)
  assert.equal(srv.storedDocument(DOC).content, expected, 'documents.content after shutdown')

  await srv.start() // same port, same data dir
  const c = s.client(srv, DOC, { name: 'c' })
  await c.waitSynced()
  await waitFor(() => c.text() === expected, 5000, 'a new client to get the text after the restart',
    () => JSON.stringify(c.text()))
  // a and b reconnect on their own and nothing is duplicated
  await waitFor(() => a.connected && b.connected && a.synced && b.synced, 15000, 'a and b to reconnect')
  await waitFor(() => a.text() === expected && b.text() === expected && c.text() === expected, 5000,
    'all three to agree', () => JSON.stringify([a.text(), b.text(), c.text()]))
}))

test('SIGTERM drains: /readyz and new upgrades 503 during --drain-delay-ms while connected clients keep editing, then 1012 and exit 0', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ ...FLAGS, 'drain-delay-ms': 1500 })
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  await a.waitSynced()
  a.ytext.insert(0, 'before the drain\n')
  assert.equal((await srv.get('/readyz')).status, 200)
  const stopping = srv.stop()
  await waitFor(async () => (await srv.get('/readyz')).status === 503, 1000, '/readyz to turn 503 at SIGTERM')
  assert.equal((await srv.get('/readyz')).body, 'draining\n')
  const late = rawWs(srv, DOC)
  await assert.rejects(late.opened, /upgrade refused: HTTP 503/, 'a new WebSocket is refused while draining')
  // The connected client is still served: its edit reaches the document.
  a.ytext.insert(a.ytext.length, 'during the drain\n')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${DOC}/content`)).text === 'before the drain\nduring the drain\n',
    1000, 'an edit made during the drain to be applied')
  assert.deepEqual(a.serverCloses(), [], 'not closed before the delay is over')
  const exit = await stopping
  assert.deepEqual(exit, { code: 0, signal: null, forced: false }, 'exit 0 after the drain')
  await waitFor(() => a.serverCloses().length >= 1, 5000, 'a to see the close')
  assert.equal(a.serverCloses()[0].code, 1012, 'closed with 1012 (service restart)')
  assert.equal(srv.storedDocument(DOC).content, 'before the drain\nduring the drain\n')
}))

test('kill -9 loses nothing the server relayed once the batch window has passed', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server(FLAGS)
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const b = s.client(srv, DOC, { name: 'b' })
  await a.waitSynced()
  await b.waitSynced()
  const tokens = []
  for (let i = 0; i < 50; i++) {
    const tok = `<a${i}>`
    tokens.push(tok)
    a.ytext.insert(a.ytext.length, tok)
  }
  await waitFor(() => b.text() === a.text(), 5000, 'b to receive a\'s edits through the server')
  const expected = a.text()
  // Without a shutdown, the update log must catch up on its own within the batch window.
  await waitFor(() => srv.storedDocument(DOC).text === expected, 5000,
    'the store (yjs_state + document_updates) to hold every relayed edit', () => JSON.stringify(srv.storedDocument(DOC)))
  // No client that still holds the edits is left to bring them back.
  a.destroy()
  b.destroy()

  const exit = await srv.kill9()
  assert.equal(exit.signal, 'SIGKILL')
  await srv.start()
  const c = s.client(srv, DOC, { name: 'c' })
  await c.waitSynced()
  await waitFor(() => c.text() === expected, 5000, 'the text after kill -9 and restart',
    () => `got ${JSON.stringify(c.text())}`)
}))

test('kill -9 mid-editing: providers reconnect by themselves and every edit survives', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const seed = seedFromEnv()
  s.log(`seed ${seed}`)
  const srv = await s.server(FLAGS)
  const DOC = await srv.newDoc()
  const clients = ['p', 'q', 'r'].map((name) => s.client(srv, DOC, { name }))
  await Promise.all(clients.map((c) => c.waitSynced()))

  const tokens = []
  let phase = 'up' // up -> down -> restarted
  const seq = {}
  // Insert tokens only at the end or the start, so no token is ever cut in two by another.
  const editor = async (c, i, n) => {
    const r = rng(seed + i)
    for (let k = 0; k < n; k++) {
      const tok = `<${c.name}.${seq[c.name] = (seq[c.name] ?? 0) + 1}:${phase}>`
      tokens.push(tok)
      c.ytext.insert(r() < 0.5 ? 0 : c.ytext.length, tok)
      await delay(r.int(8))
    }
  }
  const running = clients.map((c, i) => editor(c, i, 60))
  // kill the server while they are editing
  await waitFor(() => tokens.length >= 60, 10000, 'editing to get going')
  const killed = await srv.kill9()
  assert.equal(killed.signal, 'SIGKILL')
  phase = 'down'
  await Promise.all(running)
  await waitFor(() => clients.every((c) => !c.connected), 5000, 'providers to notice the server is gone')
  // edits while the server is down
  await Promise.all(clients.map((c, i) => editor(c, i + 10, 10)))

  phase = 'restarted'
  await srv.start() // same port and data dir: the providers reconnect on their own
  await waitFor(() => clients.every((c) => c.connected && c.synced), 20000, 'providers to reconnect by themselves',
    () => clients.map((c) => `${c.name} connected=${c.connected} synced=${c.synced}`).join(', '))
  await Promise.all(clients.map((c, i) => editor(c, i + 20, 10)))

  const ref = new Y.Doc()
  for (const c of clients) Y.applyUpdate(ref, Y.encodeStateAsUpdate(c.doc))
  const expected = ref.getText('content').toString()
  await waitFor(() => clients.every((c) => c.text() === expected), 10000, 'all clients to converge',
    () => clients.map((c) => `${c.name} len=${c.text().length}`).join(', ') + ` expected len=${expected.length}`)
  for (const tok of tokens) {
    assert.equal(expected.split(tok).length - 1, 1, `edit ${tok} is in the final text exactly once`)
  }
  assert.equal(expected.length, tokens.join('').length, 'the text is exactly the edits')

  const exit = await srv.stop()
  assert.equal(exit.code, 0)
  for (const c of clients) c.destroy()
  const stored = srv.storedDocument(DOC)
  assert.equal(stored.text, expected, 'the store after kill -9, restart and a graceful stop')
  assert.equal(stored.content, expected)
}))
