// convergence.test.mjs — many real y-websocket clients edit one document at random, dropping and
// re-opening their connections, and everyone (and the store) ends with the same text.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor, seedFromEnv, rng, randomText, delay, Y } from './harness.mjs'

const CLIENTS = Number(process.env.WEFT_TEST_CLIENTS || 8)
const OPS = Number(process.env.WEFT_TEST_OPS || 80)

test(`${CLIENTS} clients with random edits and reconnects converge, and the store agrees`, { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const seed = seedFromEnv()
  s.log(`seed ${seed} (WEFT_TEST_SEED=${seed} to replay the edit script)`)
  const srv = await s.server({ 'batch-window-ms': 20 })
  const DOC = await srv.newDoc()
  const clients = Array.from({ length: CLIENTS }, (_, i) => s.client(srv, DOC, { name: `client${i}` }))
  await Promise.all(clients.map((c) => c.waitSynced()))

  let reconnects = 0
  const actor = async (c, i) => {
    const r = rng(seed * 31 + i)
    for (let op = 0; op < OPS; op++) {
      const x = r()
      if (x < 0.08) {
        if (c.provider.shouldConnect) c.provider.disconnect()
        else { c.provider.connect(); reconnects++ }
      } else {
        const len = c.ytext.length
        if (len > 0 && x < 0.35) {
          const pos = r.int(len)
          c.ytext.delete(pos, Math.min(1 + r.int(6), len - pos))
        } else if (x < 0.42 && len > 0) {
          // a transaction with several operations
          c.doc.transact(() => {
            c.ytext.insert(r.int(c.ytext.length + 1), randomText(r, 1 + r.int(4)))
            if (c.ytext.length > 2) c.ytext.delete(r.int(c.ytext.length - 1), 1)
          })
        } else {
          c.ytext.insert(r.int(len + 1), randomText(r, 1 + r.int(10)))
        }
      }
      // pacing only, so that edits from different clients interleave with the network traffic
      await delay(r.int(12))
    }
    if (!c.provider.shouldConnect) { c.provider.connect(); reconnects++ }
  }
  await Promise.all(clients.map(actor))
  s.log(`${CLIENTS} clients x ${OPS} ops, ${reconnects} reconnects`)

  // The union of every client's state is what everyone must end with.
  const ref = new Y.Doc()
  for (const c of clients) Y.applyUpdate(ref, Y.encodeStateAsUpdate(c.doc))
  const expected = ref.getText('content').toString()
  const expectedSv = Buffer.from(Y.encodeStateVector(ref)).toString('hex')
  assert.ok(expected.length > 0)

  await waitFor(() => clients.every((c) => c.connected && c.synced &&
      Buffer.from(Y.encodeStateVector(c.doc)).toString('hex') === expectedSv && c.text() === expected),
  30000, 'every client to converge on the union of all edits',
  () => clients.map((c) => `${c.name}: connected=${c.connected} synced=${c.synced} len=${c.text().length}`).join('; ') +
    ` expected len=${expected.length}`)

  for (const c of clients) {
    assert.deepEqual(c.serverCloses(), [], `${c.name}: the server closed no connection while editing`)
  }

  // Graceful stop: exit 0, every connected client told 1012 (service restart), and the store holds the same text.
  const exit = await srv.stop()
  assert.deepEqual(exit, { code: 0, signal: null, forced: false }, 'SIGTERM exits 0')
  await waitFor(() => clients.every((c) => c.serverCloses().length >= 1), 5000, 'every client to see the close',
    () => clients.map((c) => JSON.stringify(c.closes)).join(' '))
  for (const c of clients) assert.equal(c.serverCloses()[0].code, 1012, `${c.name} closed with 1012 on shutdown`)
  for (const c of clients) c.destroy()

  const stored = srv.storedDocument(DOC)
  assert.ok(stored.exists, `documents has a row for ${DOC}`)
  assert.equal(stored.text, expected, 'weft doc text over yjs_state + document_updates')
  assert.equal(stored.content, expected, 'documents.content after the graceful shutdown')
}))
