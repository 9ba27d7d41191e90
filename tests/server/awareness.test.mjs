// awareness.test.mjs — presence through the server: states appear, reach late joiners, and
// disappear when their client leaves, politely (provider.destroy) or not (connection dropped).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { TEST_TIMEOUT, scenario, waitFor, rawWs, Y, WebSocket, WebsocketProvider } from './harness.mjs'

const userOf = (client, id) => client.awareness.getStates().get(id)?.user

test('B sees A\'s awareness appear and disappear when A leaves', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const b = s.client(srv, DOC, { name: 'b' })
  await a.waitSynced()
  await b.waitSynced()
  const aId = a.doc.clientID

  a.awareness.setLocalStateField('user', { name: 'Ada', color: '#ff8800' })
  await waitFor(() => userOf(b, aId)?.name === 'Ada', 5000, 'b to see a\'s user state')
  assert.deepEqual(userOf(b, aId), { name: 'Ada', color: '#ff8800' })

  a.awareness.setLocalStateField('user', { name: 'Ada L.', color: '#ff8800' })
  await waitFor(() => userOf(b, aId)?.name === 'Ada L.', 5000, 'b to see a\'s state change')

  // A client joining now gets the current states from the server on connect (a does not resend).
  const c = s.client(srv, DOC, { name: 'c' })
  await waitFor(() => userOf(c, aId)?.name === 'Ada L.', 5000, 'a late joiner to receive the current awareness')

  a.destroy()
  await waitFor(() => !b.awareness.getStates().has(aId), 5000, 'a\'s state to disappear from b')
  await waitFor(() => !c.awareness.getStates().has(aId), 5000, 'a\'s state to disappear from c')
}))

test('a dropped connection\'s awareness state is removed by the server', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const b = s.client(srv, DOC, { name: 'b' })
  await b.waitSynced()

  // A raw client announces a state and then vanishes without saying goodbye.
  const doc = new Y.Doc()
  const aw = new awarenessProtocol.Awareness(doc)
  aw.setLocalStateField('user', { name: 'Ghost' })
  const raw = rawWs(srv, DOC)
  await raw.opened
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 1) // awareness
  encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(aw, [doc.clientID]))
  raw.ws.send(encoding.toUint8Array(enc))
  await waitFor(() => userOf(b, doc.clientID)?.name === 'Ghost', 5000, 'b to see the raw client\'s state')

  raw.ws.terminate() // TCP close, no WebSocket close frame, no null awareness state
  doc.destroy()
  await waitFor(() => !b.awareness.getStates().has(doc.clientID), 5000,
    'the server to tell b that the dropped client\'s state is gone')
}))

// An awareness message from a raw connection: [clientID, clock, state] entries.
function sendAwareness (raw, entries) {
  const upd = encoding.createEncoder()
  encoding.writeVarUint(upd, entries.length)
  for (const [id, clock, state] of entries) {
    encoding.writeVarUint(upd, id)
    encoding.writeVarUint(upd, clock)
    encoding.writeVarString(upd, JSON.stringify(state))
  }
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 1)
  encoding.writeVarUint8Array(enc, encoding.toUint8Array(upd))
  raw.ws.send(encoding.toUint8Array(enc))
}

// The TCP connection under a provider dies: no close frame, no goodbye. The provider notices
// (ws emits 'close' 1006) and reconnects by itself.
function dropSilently (client) {
  client.provider.ws._socket.destroy()
}

// Two synced providers; a names itself and moves its cursor `moves` times, and b has seen it.
async function twoWithCursor (s, moves) {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const b = s.client(srv, DOC, { name: 'b' })
  await a.waitSynced()
  await b.waitSynced()
  const aId = a.doc.clientID
  a.awareness.setLocalStateField('user', { name: 'Ada' })
  for (let i = 1; i <= moves; i++) a.awareness.setLocalStateField('cursor', i)
  await waitFor(() => b.awareness.getStates().get(aId)?.cursor === moves, 5000, 'b to see a\'s cursor')
  return { srv, DOC, a, b, aId }
}

test('after a silent drop the provider reconnects by itself and its next cursor move reaches the others', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const { a, b, aId } = await twoWithCursor(s, 5)

  dropSilently(a)
  await waitFor(() => a.closes.length === 1 && a.connected && a.synced, 10000, 'a to reconnect by itself')
  a.awareness.setLocalStateField('cursor', 42)
  await waitFor(() => b.awareness.getStates().get(aId)?.cursor === 42, 5000,
    'b to see the cursor move a made after reconnecting',
    () => `b has ${JSON.stringify(b.awareness.getStates().get(aId))} at clock ${b.awareness.meta.get(aId)?.clock}, ` +
      `a is at clock ${a.awareness.meta.get(aId).clock}`)
  assert.equal(b.awareness.getStates().get(aId).user.name, 'Ada')
}))

test('a new provider reusing the Y.Doc (same clientID) right after a silent drop is seen at once', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const { srv, DOC, a, b, aId } = await twoWithCursor(s, 8)

  // The page's provider dies with its connection; the app makes a new one for the same Y.Doc,
  // whose awareness starts again at clock 0.
  dropSilently(a)
  a.provider.destroy()
  await waitFor(() => !b.awareness.getStates().has(aId), 5000, 'the server to remove a\'s state')
  const again = new WebsocketProvider(srv.wsBase, String(DOC), a.doc,
    { WebSocketPolyfill: WebSocket, disableBc: true, params: { token: srv.token } })
  s.onCleanup(() => again.destroy())
  again.awareness.setLocalStateField('user', { name: 'Ada again' })
  await waitFor(() => b.awareness.getStates().get(aId)?.user?.name === 'Ada again', 5000,
    'b to see the new provider\'s state',
    () => `b: ${JSON.stringify(b.awareness.getStates().get(aId))} clock ${b.awareness.meta.get(aId)?.clock}; ` +
      `new provider at clock ${again.awareness.meta.get(aId).clock}`)
  again.awareness.setLocalStateField('cursor', 100)
  await waitFor(() => b.awareness.getStates().get(aId)?.cursor === 100, 5000, 'b to see the new provider\'s cursor move')
}))

test('a state re-announced after its removal belongs to the connection that announced it: no ghosts', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const b = s.client(srv, DOC, { name: 'b' })
  await b.waitSynced()
  b.awareness.setLocalStateField('user', { name: 'Bob' })
  const X = 123456

  // Connection 1 announces X and removes it; connection 2 announces X again, then vanishes.
  const one = rawWs(srv, DOC)
  await one.opened
  sendAwareness(one, [[X, 1, { user: { name: 'Ghost' } }]])
  await waitFor(() => userOf(b, X)?.name === 'Ghost', 5000, 'b to see X')
  sendAwareness(one, [[X, 2, null]])
  await waitFor(() => !b.awareness.getStates().has(X), 5000, 'b to see X removed')
  const two = rawWs(srv, DOC)
  await two.opened
  sendAwareness(two, [[X, 3, { user: { name: 'Ghost 2' } }]])
  await waitFor(() => userOf(b, X)?.name === 'Ghost 2', 5000, 'b to see X re-announced')
  two.ws.terminate()
  await waitFor(() => !b.awareness.getStates().has(X), 5000,
    'the server to remove X when the connection that re-announced it closed')
  const late = s.client(srv, DOC, { name: 'late' })
  await late.waitSynced()
  await waitFor(() => userOf(late, b.doc.clientID)?.name === 'Bob', 5000, 'the late joiner to receive the room\'s states')
  assert.ok(!late.awareness.getStates().has(X), 'a later joiner received the closed connection\'s state')

  // A state taken over by another connection stays while that one is open, and goes with it.
  sendAwareness(one, [[X, 4, { user: { name: 'Moved' } }]])
  await waitFor(() => userOf(b, X)?.name === 'Moved', 5000, 'b to see X from connection 1')
  const three = rawWs(srv, DOC)
  await three.opened
  sendAwareness(three, [[X, 5, { user: { name: 'Moved on' } }]])
  await waitFor(() => userOf(b, X)?.name === 'Moved on', 5000, 'b to see X from connection 3')
  one.ws.close()
  await one.closed
  const later = s.client(srv, DOC, { name: 'later' })
  await waitFor(() => userOf(later, X)?.name === 'Moved on', 5000,
    'X (now connection 3\'s) to survive connection 1 closing')
  three.ws.terminate()
  await waitFor(() => !b.awareness.getStates().has(X) && !later.awareness.getStates().has(X), 5000,
    'X to go with connection 3')
}))

test('a project\'s live channel after a silent drop: the provider reconnects, its file is seen again, and tree changes are heard', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const p = (await srv.api('POST', '/api/projects', { body: { name: 'dropped' } })).json
  const a = s.client(srv, `projects/${p.id}`, { name: 'a' })
  const b = s.client(srv, `projects/${p.id}`, { name: 'b' })
  await Promise.all([a.waitSynced(), b.waitSynced()])
  const aId = a.doc.clientID
  a.awareness.setLocalStateField('user', { id: 1, name: 'Ada' })
  a.awareness.setLocalStateField('path', 'src/a.py')
  await waitFor(() => b.awareness.getStates().get(aId)?.path === 'src/a.py', 5000, 'b to see a\'s file')
  let changes = 0
  a.doc.getText('tree').observe(() => { changes++ })

  dropSilently(a)
  await waitFor(() => a.closes.length === 1 && a.connected && a.synced, 10000, 'a to reconnect by itself')
  a.awareness.setLocalStateField('path', 'src/b.py')
  await waitFor(() => b.awareness.getStates().get(aId)?.path === 'src/b.py', 5000, 'b to see a\'s next file after the reconnect')
  const before = changes
  assert.equal((await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'new.txt' } })).status, 201)
  await waitFor(() => changes > before, 5000, 'a, reconnected, to hear the tree change')
}))

// Presence storms (issue #15, point 3): changes that follow one another within the server's
// presence tick (50 ms) reach the others as one merged message with each client's latest state,
// not one message per change; the first change after a quiet tick is not held back.
test('a burst of cursor moves reaches the others merged, ending at the latest state', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const c = s.client(srv, DOC, { name: 'c' })
  await a.waitSynced()
  await c.waitSynced()
  const raw = rawWs(srv, DOC)
  await raw.opened
  const aId = a.doc.clientID
  const cId = c.doc.clientID
  // What the raw client hears of a and c: one entry per (message, client id).
  const heard = () => {
    const out = []
    for (const [i, { data }] of raw.messages.entries()) {
      const dec = decoding.createDecoder(new Uint8Array(data))
      if (decoding.readVarUint(dec) !== 1) continue
      const upd = decoding.createDecoder(decoding.readVarUint8Array(dec))
      for (let n = decoding.readVarUint(upd); n > 0; n--) {
        const id = decoding.readVarUint(upd)
        decoding.readVarUint(upd)
        const state = JSON.parse(decoding.readVarString(upd))
        if (id === aId || id === cId) out.push({ message: i, id, pos: state?.cursor?.pos })
      }
    }
    return out
  }
  const m0 = await srv.metrics()
  // 40 changes from two clients in one synchronous burst: the provider sends each at once.
  for (let pos = 1; pos <= 20; pos++) {
    a.awareness.setLocalStateField('cursor', { pos })
    c.awareness.setLocalStateField('cursor', { pos: 100 + pos })
  }
  await waitFor(() => heard().some((h) => h.id === aId && h.pos === 20) && heard().some((h) => h.id === cId && h.pos === 120),
    5000, 'the latest states', () => JSON.stringify(heard()))
  await new Promise((resolve) => setTimeout(resolve, 300)) // two more ticks: nothing else may come
  const h = heard()
  const messages = new Set(h.map((x) => x.message)).size
  assert.ok(messages <= 6, `${messages} awareness messages for 40 changes: ${JSON.stringify(h)}`)
  assert.equal(h.filter((x) => x.id === aId).at(-1).pos, 20, 'a\'s last state heard is its latest')
  assert.equal(h.filter((x) => x.id === cId).at(-1).pos, 120, 'c\'s last state heard is its latest')
  await waitFor(() => a.awareness.getStates().get(cId)?.cursor?.pos === 120, 5000, 'a to hold c\'s latest state')
  await waitFor(() => c.awareness.getStates().get(aId)?.cursor?.pos === 20, 5000, 'c to hold a\'s latest state')
  const m1 = await srv.metrics()
  assert.ok(m1.weft_awareness_coalesced_total - m0.weft_awareness_coalesced_total >= 30, `merged: ${m1.weft_awareness_coalesced_total}`)

  // After a quiet tick, one move goes out on its own, at once.
  const before = raw.messages.length
  a.awareness.setLocalStateField('cursor', { pos: 99 })
  await waitFor(() => heard().some((x) => x.id === aId && x.pos === 99), 5000, 'the single move')
  assert.equal(raw.messages.length, before + 1, 'one message for one move')
}))
