// large.test.mjs — a 1 MB document, built from a thousand edits at random places, syncs to a
// client that joins late, and again from the store after a restart. The times are printed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor, seedFromEnv, rng, randomText } from './harness.mjs'

const SIZE = 1 << 20
const CHUNK = 1024

test('a 1 MB document syncs to a newly joining client', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const seed = seedFromEnv()
  s.log(`seed ${seed}`)
  const srv = await s.server({ 'batch-window-ms': 20 })
  const DOC = await srv.newDoc()
  const writer = s.client(srv, DOC, { name: 'writer' })
  const watcher = s.client(srv, DOC, { name: 'watcher' })
  await writer.waitSynced()
  await watcher.waitSynced()

  const r = rng(seed)
  const t0 = performance.now()
  for (let i = 0; i < SIZE / CHUNK; i++) {
    writer.ytext.insert(r.int(writer.ytext.length + 1), randomText(r, CHUNK)) // one update each
  }
  const expected = writer.text()
  assert.equal(expected.length, SIZE)
  await waitFor(() => watcher.text().length === SIZE, 60000, 'the watcher to receive all 1024 edits',
    () => `watcher has ${watcher.text().length} chars`)
  assert.equal(watcher.text(), expected)
  s.log(`1024 edits of 1 KiB relayed writer -> server -> watcher in ${Math.round(performance.now() - t0)} ms`)

  // A client joining now gets the whole document in the server's sync step 2.
  const t1 = performance.now()
  const late = s.client(srv, DOC, { name: 'late' })
  await waitFor(() => late.text().length === SIZE, 30000, 'the late client to sync 1 MB',
    () => `late has ${late.text().length} chars, connected=${late.connected}, closes=${JSON.stringify(late.closes)}`)
  const joinMs = performance.now() - t1
  assert.equal(late.text(), expected)
  assert.ok(late.synced)
  s.log(`1 MB document synced to a newly joining client in ${Math.round(joinMs)} ms`)

  // And once more from the store, after a graceful restart.
  for (const c of [writer, watcher, late]) c.destroy()
  const exit = await srv.stop()
  assert.equal(exit.code, 0)
  assert.equal(srv.storedDocument(DOC).content, expected)
  await srv.start()
  const t2 = performance.now()
  const fresh = s.client(srv, DOC, { name: 'fresh' })
  await waitFor(() => fresh.text().length === SIZE, 30000, 'a client to sync 1 MB loaded from the store',
    () => `fresh has ${fresh.text().length} chars`)
  const restartMs = performance.now() - t2
  assert.equal(fresh.text(), expected)
  s.log(`1 MB document loaded from the store and synced in ${Math.round(restartMs)} ms`)
}))

// A join storm (wave 2 · 5): many clients opening one large document at once get the same sync
// step 2 — encoded once per document state and state vector, then reused
// (weft_sync_step2_reused_total) — and an edit in between makes the next joiner get a fresh one
// that has it.
test('a join storm on a large document encodes it once per state; a joiner after an edit gets the edit', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'batch-window-ms': 20 })
  const DOC = await srv.newDoc()
  const body = randomText(rng(7), 512 * 1024)
  assert.equal((await srv.api('PUT', `/api/documents/${DOC}/content`, { body })).status, 204)
  const holder = s.client(srv, DOC, { name: 'holder' }) // keeps the room loaded
  await holder.waitSynced()
  const before = (await srv.metrics()).weft_sync_step2_reused_total
  const N = 30
  const storm = Array.from({ length: N }, (_, i) => s.client(srv, DOC, { name: `joiner ${i}` }))
  await Promise.all(storm.map((c) => c.waitSynced(30000)))
  for (const c of storm) assert.equal(c.text(), body)
  const reused = (await srv.metrics()).weft_sync_step2_reused_total - before
  // Each fresh joiner sends the same empty state vector; only the first is encoded.
  assert.ok(reused >= N - 1, `${reused} of ${N} joiners got the shared answer`)

  holder.ytext.insert(0, 'edited: ')
  await waitFor(() => storm.every((c) => c.text().startsWith('edited: ')), 10000, 'the edit to reach the joiners')
  const late = s.client(srv, DOC, { name: 'late joiner' })
  await late.waitSynced()
  assert.equal(late.text(), 'edited: ' + body, 'the answer after an edit is not the cached one')
  for (const c of storm) c.destroy()
}))
