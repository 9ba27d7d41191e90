// awareness.test.mjs — presence through the server: states appear, reach late joiners, and
// disappear when their client leaves, politely (provider.destroy) or not (connection dropped).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import { TEST_TIMEOUT, scenario, waitFor, rawWs, Y } from './harness.mjs'

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
