// lone_user.test.mjs — the standard provider's liveness rule against Weft: y-websocket closes and
// reopens its WebSocket after 30 s without any message (WebSocket pings are invisible to it), and
// counts on its own awareness heartbeat (every 15 s) coming back when nobody else is there. Time
// runs on a virtual clock (virtual_clock.mjs) so ten minutes take seconds; the server and the
// network run in real time.
import { advance } from './virtual_clock.mjs' // first: before lib0 reads Date.now
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as decoding from 'lib0/decoding'
import { TEST_TIMEOUT, scenario, waitFor, rawWs } from './harness.mjs'

const MINUTE = 60 * 1000

// Awareness client ids in every awareness message `client` receives from now on.
function watchAwareness (client) {
  const seen = []
  client.provider.ws.addEventListener('message', (ev) => {
    const dec = decoding.createDecoder(new Uint8Array(ev.data))
    if (decoding.readVarUint(dec) !== 1) return
    const upd = decoding.createDecoder(decoding.readVarUint8Array(dec))
    const n = decoding.readVarUint(upd)
    for (let i = 0; i < n; i++) {
      seen.push(decoding.readVarUint(upd))
      decoding.readVarUint(upd) // clock
      decoding.readVarString(upd) // state
    }
  })
  return seen
}

// Moves the virtual clock by `ms` in 1 s steps. After each step, every awareness heartbeat sent
// in it is given up to 5 s of real time to be answered (`answered(client, sentAt)`) before time
// moves on, so the provider's 30 s rule judges what really arrived. Returns the heartbeats that
// were not answered (it stops at the third).
async function idle (clients, ms, answered) {
  const unanswered = []
  for (let t = 0; t < ms && unanswered.length < 3; t += 1000) {
    const sent = []
    const handlers = clients.map((c) => {
      const h = (_change, origin) => { if (origin === 'local') sent.push({ c, at: Date.now() }) }
      c.awareness.on('update', h)
      return h
    })
    advance(1000)
    clients.forEach((c, i) => c.awareness.off('update', handlers[i]))
    for (const { c, at } of sent) {
      try {
        await waitFor(() => answered(c, at), 5000, 'an answer')
      } catch {
        unanswered.push(`${c.name} at virtual ${Math.round(t / 1000)} s`)
      }
    }
  }
  return unanswered
}

function assertStayed (client, ws) {
  assert.deepEqual(client.closes, [], `${client.name}'s provider closed its connection`)
  assert.equal(client.provider.ws, ws, `${client.name}'s provider opened a new WebSocket`)
  assert.ok(client.provider.wsconnected, `${client.name} is connected`)
}

test('a lone idle user stays on one WebSocket for 10 minutes: the server answers its heartbeat', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'alone' })
  a.awareness.setLocalStateField('user', { name: 'Ada', color: '#ff8800' })
  await a.waitSynced()
  const ws = a.provider.ws
  const unanswered = await idle([a], 10 * MINUTE, (c, at) => c.provider.wsLastMessageReceived >= at)
  assertStayed(a, ws)
  assert.deepEqual(unanswered, [], 'heartbeats the server did not answer')
}))

test('a lone idle tab on a project\'s live channel stays on one WebSocket for 10 minutes', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const p = (await srv.api('POST', '/api/projects', { body: { name: 'quiet' } })).json
  const a = s.client(srv, `projects/${p.id}`, { name: 'alone in the project' })
  a.awareness.setLocalStateField('user', { id: 1, name: 'Ada' })
  a.awareness.setLocalStateField('path', 'README.md')
  await a.waitSynced()
  const ws = a.provider.ws
  const unanswered = await idle([a], 10 * MINUTE, (c, at) => c.provider.wsLastMessageReceived >= at)
  assertStayed(a, ws)
  assert.deepEqual(unanswered, [], 'heartbeats the server did not answer')
}))

test('a user whose only company has no presence (a raw client) is answered too', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const raw = rawWs(srv, DOC) // joins the room, never announces a state
  await raw.opened
  s.onCleanup(() => raw.ws.terminate())
  const a = s.client(srv, DOC, { name: 'alone' })
  a.awareness.setLocalStateField('user', { name: 'Ada' })
  await a.waitSynced()
  const ws = a.provider.ws
  const unanswered = await idle([a], 2 * MINUTE, (c, at) => c.provider.wsLastMessageReceived >= at)
  assertStayed(a, ws)
  assert.deepEqual(unanswered, [], 'heartbeats the server did not answer')
}))

test('two idle users stay connected on each other\'s heartbeats, and nobody gets their own state back', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const b = s.client(srv, DOC, { name: 'b' })
  a.awareness.setLocalStateField('user', { name: 'Ada' })
  b.awareness.setLocalStateField('user', { name: 'Bob' })
  await a.waitSynced()
  await b.waitSynced()
  await waitFor(() => a.awareness.getStates().has(b.doc.clientID) && b.awareness.getStates().has(a.doc.clientID),
    5000, 'both to see each other')
  const wsA = a.provider.ws
  const wsB = b.provider.ws
  const seenByA = watchAwareness(a)
  const seenByB = watchAwareness(b)
  const other = (c) => (c === a ? b : a)
  // A heartbeat is answered when the other person holds its clock.
  const unanswered = await idle([a, b], 3 * MINUTE, (c, _at) =>
    other(c).awareness.meta.get(c.doc.clientID)?.clock === c.awareness.meta.get(c.doc.clientID).clock)
  assert.deepEqual(unanswered, [], 'heartbeats that did not reach the other person')
  assertStayed(a, wsA)
  assertStayed(b, wsB)
  assert.ok(seenByA.includes(b.doc.clientID), 'a received b\'s heartbeats')
  assert.ok(!seenByA.includes(a.doc.clientID), 'a was sent its own state back although b is there')
  assert.ok(!seenByB.includes(b.doc.clientID), 'b was sent its own state back although a is there')
}))
