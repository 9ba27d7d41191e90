// room_budget.test.mjs — the loaded rooms' budget (wave 2 · 6): --max-loaded-rooms and
// --rooms-memory-mb. Beyond either, the rooms idle longest (nobody connected, still within their
// --room-grace-ms) are stored and unloaded at once; a WebSocket join that would load one more
// while every loaded room is in use is closed with 1013 (try again later), and nobody else
// notices. Counted on /metrics (weft_rooms_evicted_total, weft_rooms_refused_total,
// weft_rooms_memory_bytes).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor, rawWs } from './harness.mjs'

// Opens a raw connection and waits until it is admitted (the server sends sync step 1 once the
// room has it) or closed.
async function connect (srv, id) {
  const raw = rawWs(srv, id)
  await raw.opened
  const outcome = await Promise.race([
    raw.closed.then((c) => ({ closed: c })),
    waitFor(() => raw.messages.length > 0, 5000, 'a first message').then(() => ({ admitted: true }))
  ])
  return { raw, ...outcome }
}

// One client writes `text` into document `id` and leaves: the room stays loaded (idle) for the
// long grace of these tests.
async function writeAndLeave (s, srv, id, text) {
  const c = s.client(srv, id, { name: `writer of ${id}` })
  await c.waitSynced()
  c.ytext.insert(0, text)
  c.destroy()
  await waitFor(async () => (await srv.metrics()).weft_connections === 0, 5000, 'the writer to be gone')
}

async function textOf (s, srv, id) {
  const c = s.client(srv, id, { name: `reader of ${id}` })
  await c.waitSynced()
  return { client: c, text: c.text() }
}

test('--max-loaded-rooms: the room idle longest is stored and unloaded first, a join with every room in use gets 1013, others unaffected',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server({ 'max-loaded-rooms': 2, 'room-grace-ms': 600000, 'batch-window-ms': 20 })
    const [a, b, c, d] = [await srv.newDoc(), await srv.newDoc(), await srv.newDoc(), await srv.newDoc()]
    await writeAndLeave(s, srv, a, 'alpha\n')
    await writeAndLeave(s, srv, b, 'beta\n')
    let m = await srv.metrics()
    assert.equal(m.weft_documents, 2, 'a and b stay loaded within their grace')
    assert.equal(m.weft_rooms_evicted_total, 0)

    // c needs a place: a, idle longest, goes; b stays.
    const inC = s.client(srv, c, { name: 'in c' })
    await inC.waitSynced()
    await waitFor(async () => (await srv.metrics()).weft_rooms_evicted_total === 1, 5000, 'one room evicted')
    await waitFor(async () => (await srv.metrics()).weft_documents === 2, 5000, 'two rooms loaded')
    // b is still loaded: joining it evicts nothing more.
    const inB = s.client(srv, b, { name: 'in b' })
    await inB.waitSynced()
    assert.equal(inB.text(), 'beta\n')
    m = await srv.metrics()
    assert.equal(m.weft_rooms_evicted_total, 1, 'b was not the one evicted: a, idle longer, was')
    assert.equal(m.weft_documents, 2)

    // b and c are in use: d cannot be loaded.
    const refused = await connect(srv, d)
    assert.equal(refused.closed?.code, 1013, 'a join beyond the budget with every room in use')
    assert.match(refused.closed.reason, /too many documents are open on this server; try again later/)
    assert.equal((await srv.metrics()).weft_rooms_refused_total, 1)
    // Nobody else noticed.
    inB.ytext.insert(0, '# ')
    const again = s.client(srv, b, { name: 'b again' })
    await again.waitSynced()
    await waitFor(() => again.text() === '# beta\n', 5000, 'b\'s edit to reach another client')
    assert.ok(inB.connected && inC.connected, 'the clients of b and c stay connected')
    assert.equal(inB.serverCloses().length + inC.serverCloses().length, 0)
    again.destroy()

    // a's text survived its early unload: once c is idle, a comes back in its place.
    inC.destroy()
    await waitFor(async () => (await srv.metrics()).weft_connections === 1, 5000, 'c\'s client to be gone')
    const back = await textOf(s, srv, a)
    assert.equal(back.text, 'alpha\n', 'a, unloaded for the budget, was stored first')
    await waitFor(async () => (await srv.metrics()).weft_rooms_evicted_total === 2, 5000, 'c evicted for a')
    assert.equal((await srv.metrics()).weft_documents, 2)
    back.client.destroy()
    inB.destroy()
  }))

test('--rooms-memory-mb: a document grown past the budget makes the room idle longest unload once it is idle; its text is kept',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server({ 'rooms-memory-mb': 1, 'max-loaded-rooms': 0, 'room-grace-ms': 600000 })
    const big = await srv.newDoc({ title: 'big.txt' })
    const small = await srv.newDoc({ title: 'small.txt' })
    const other = await srv.newDoc({ title: 'other.txt' })
    // About 0.6 MiB estimated: two bytes per UTF-16 unit of text.
    const text = 'let x = 1 // line\n'.repeat(300000 / 18)
    assert.equal((await srv.api('PUT', `/api/documents/${big}/content`, { body: text })).status, 204)
    let m = await srv.metrics()
    assert.ok(m.weft_rooms_memory_bytes >= 2 * text.length, `estimate ${m.weft_rooms_memory_bytes} for ${text.length} units`)
    assert.ok(m.weft_rooms_memory_bytes < 1 << 20, 'within the budget')
    await writeAndLeave(s, srv, small, 'small\n')
    assert.equal((await srv.metrics()).weft_documents, 2, 'within the budget nothing is unloaded')

    // A second large document goes beyond the budget: when its PUT lets go, the room idle longest
    // (big) is unloaded; small, idle for less time, is enough to keep.
    assert.equal((await srv.api('PUT', `/api/documents/${other}/content`, { body: text })).status, 204)
    await waitFor(async () => (await srv.metrics()).weft_rooms_evicted_total === 1, 5000, 'one room evicted')
    m = await srv.metrics()
    assert.ok(m.weft_rooms_memory_bytes <= 1 << 20, `back within the budget: ${m.weft_rooms_memory_bytes}`)
    assert.equal(m.weft_documents, 2)
    const back = await textOf(s, srv, big)
    assert.equal(back.text, text, 'the evicted document\'s text was stored')
    back.client.destroy()
  }))
