// malformed.test.mjs — bad frames from a raw WebSocket client: each one closes that connection with
// the code of the contract, while the server keeps serving, other clients stay connected and the
// document's text is untouched.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as encoding from 'lib0/encoding'
import { TEST_TIMEOUT, scenario, waitFor, rawWs, within, Y } from './harness.mjs'

const MAX = 65536
const TEXT = 'fn main() {\n  println!("intact");\n}\n'

const frame = (...parts) => {
  const enc = encoding.createEncoder()
  for (const p of parts) {
    if (typeof p === 'number') encoding.writeVarUint(enc, p)
    else encoding.writeVarUint8Array(enc, p) // length-prefixed payload
  }
  return Buffer.from(encoding.toUint8Array(enc))
}

// A valid update inserting `text` (from a fresh client) into Y.Text content.
const updateInserting = (text) => {
  const d = new Y.Doc()
  let u
  d.on('update', (x) => { u = x })
  d.getText('content').insert(0, text)
  d.destroy()
  return u
}

const evil = updateInserting('EVIL-EVIL-EVIL')
const truncatedUpdate = evil.slice(0, Buffer.from(evil).indexOf('EVIL') + 4) // string cut short
const unknownContentRef = Uint8Array.from([1, 1, 77, 0, 0x1f, 1, 7, ...Buffer.from('content'), 0, 0])

const cases = [
  { name: 'truncated varint (message type)', send: Buffer.from([0x80]), code: 1002 },
  { name: 'truncated varint (payload length)', send: Buffer.from([0, 2, 0x85]), code: 1002 },
  { name: 'payload length beyond the frame', send: Buffer.from([0, 2, 10, 1, 2, 3]), code: 1002 },
  { name: 'empty binary frame', send: Buffer.alloc(0), code: 1002 },
  { name: 'unknown message type', send: Buffer.from([7, 0]), code: 1003 },
  { name: 'text frame', send: 'hello', code: 1003 },
  { name: 'invalid update bytes in sync update (truncated)', send: frame(0, 2, truncatedUpdate), code: 1002 },
  { name: 'invalid update bytes in sync update (unknown content)', send: frame(0, 2, unknownContentRef), code: 1002 },
  { name: 'invalid update bytes in sync step 2', send: frame(0, 1, truncatedUpdate), code: 1002 },
  { name: `frame larger than --max-message-bytes ${MAX}`, send: frame(0, 2, updateInserting('x'.repeat(MAX + 100))), code: 4413 }
]

test('malformed frames close the connection with the contract\'s code; the server keeps serving', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'max-message-bytes': MAX })
  const DOC = await srv.newDoc()
  const owner = s.client(srv, DOC, { name: 'owner' })
  await owner.waitSynced()
  owner.ytext.insert(0, TEXT)
  const bystander = s.client(srv, DOC, { name: 'bystander' })
  await bystander.waitSynced()
  await waitFor(() => bystander.text() === TEXT, 5000, 'the bystander to get the text')

  const runCase = async (c) => {
    const raw = rawWs(srv, DOC)
    await raw.opened
    // The server speaks first: sync step 1 (message 0, sub-type 0).
    await waitFor(() => raw.messages.some((m) => m.isBinary && m.data[0] === 0 && m.data[1] === 0), 5000,
      'sync step 1 from the server')
    raw.ws.send(c.send)
    const closed = await within(raw.closed, 5000)
    if (!closed) raw.ws.terminate()
    assert.ok(closed, 'the server closes the connection within 5 s')
    assert.equal(closed.code, c.code, `close code for: ${c.name} (reason ${JSON.stringify(closed.reason)})`)

    // The server keeps serving: a new client syncs and the text is intact everywhere.
    const probe = s.client(srv, DOC, { name: `probe after ${c.name}` })
    await probe.waitSynced()
    await waitFor(() => probe.text() === TEXT, 5000, 'a new client to get the intact text',
      () => JSON.stringify(probe.text()))
    probe.destroy()
    assert.equal(bystander.text(), TEXT, 'the bystander\'s text is untouched')
    assert.ok(bystander.connected, 'the bystander is still connected')
  }
  const failures = []
  for (const c of cases) {
    await t.test(c.name, async () => {
      try {
        await runCase(c)
      } catch (e) {
        failures.push(`${c.name}: ${e.message.split('\n')[0]}`)
        throw e
      }
    })
  }
  assert.deepEqual(owner.serverCloses(), [], 'the owner was never disconnected')
  assert.deepEqual(bystander.serverCloses(), [], 'the bystander was never disconnected')

  // Edits still flow both ways after all of that.
  bystander.ytext.insert(bystander.ytext.length, '// still editable\n')
  await waitFor(() => owner.text() === TEXT + '// still editable\n', 5000, 'an edit to reach the owner')
  assert.equal(srv.running, true, 'the server is still running')
  assert.deepEqual(failures, [], 'malformed-frame cases that failed')
}))

test('a non-numeric document id is closed with 4404', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  for (const id of ['abc', 'notes.txt', '12x']) {
    const raw = rawWs(srv, id)
    const closed = await within(Promise.race([
      raw.closed,
      raw.opened.then(() => raw.closed, (e) => ({ code: null, reason: e.message }))
    ]), 5000)
    if (!closed) raw.ws.terminate()
    assert.ok(closed, `/ws/${id}: closed within 5 s`)
    assert.equal(closed.code, 4404, `/ws/${id}: close code (reason ${JSON.stringify(closed.reason)})`)
  }
  const c = s.client(srv, await srv.newDoc(), { name: 'after' })
  await c.waitSynced()
}))
