// slow_consumer.test.mjs — a client that completes the WebSocket handshake and then never reads is
// disconnected once its outgoing queue passes --send-queue-bytes, while the normal clients of the
// same document keep their round-trip latency; and dropping many consumers at once, while writes
// to them are in flight, never takes the server down.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import net from 'node:net'
import { TEST_TIMEOUT, scenario, waitFor, median } from './harness.mjs'

const SEND_QUEUE = 1024 * 1024 // 4x a round's burst, so that only a consumer that stopped reading fills it
const CHUNK = 64 * 1024
const CHUNKS_PER_ROUND = 4
const MAX_ROUNDS = 128 // at most 32 MiB pushed at the slow consumer (it is dropped after ~5 MiB)
const RT_TIMEOUT_MS = 5000

// WebSocket handshake by hand on a raw TCP socket; resolves once the 101 is in, then stops reading.
function slowConsumer (srv, docId) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64')
    const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')
    const sock = net.connect(srv.port, srv.host)
    const state = { sock, closed: false, bytes: 0 }
    sock.on('close', () => { state.closed = true })
    sock.on('error', () => {})
    let head = Buffer.alloc(0)
    const onData = (d) => {
      head = Buffer.concat([head, d])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      sock.off('data', onData)
      sock.pause() // from here on, never read: the kernel buffers fill, then the server's queue
      const lines = head.subarray(0, end).toString('latin1').split('\r\n')
      if (!/^HTTP\/1\.1 101/.test(lines[0])) return reject(new Error(`handshake answered: ${lines[0]}`))
      const got = lines.find((l) => /^sec-websocket-accept:/i.test(l))?.split(':')[1].trim()
      if (got !== accept) return reject(new Error(`bad Sec-WebSocket-Accept ${got}`))
      resolve(state)
    }
    sock.on('data', onData)
    sock.on('connect', () => sock.write(
      `GET /ws/${docId}?token=${encodeURIComponent(srv.token)} HTTP/1.1\r\nHost: ${srv.host}:${srv.port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`))
    setTimeout(() => reject(new Error('handshake timed out')), 5000).unref()
  })
}

// Round trip of an edit: `from` sets ping = i, `to` answers ack = i, `from` sees the ack.
function roundTrip (from, i) {
  return new Promise((resolve, reject) => {
    const map = from.doc.getMap('latency')
    const t0 = performance.now()
    const h = () => {
      if (map.get('ack') === i) {
        clearTimeout(timer)
        map.unobserve(h)
        resolve(performance.now() - t0)
      }
    }
    const timer = setTimeout(() => {
      map.unobserve(h)
      reject(new Error(`edit round trip ${i} not completed within ${RT_TIMEOUT_MS} ms`))
    }, RT_TIMEOUT_MS)
    map.observe(h)
    map.set('ping', i)
  })
}

test('a consumer that never reads is dropped; the others keep low latency', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({
    'send-queue-bytes': SEND_QUEUE,
    'max-message-bytes': 4 * 1024 * 1024,
    'idle-timeout-ms': 600000 // so that only the queue limit can drop the slow one
  })
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  const b = s.client(srv, DOC, { name: 'b' })
  const w = s.client(srv, DOC, { name: 'bulk writer' })
  await Promise.all([a, b, w].map((c) => c.waitSynced()))
  // b answers every ping
  const bMap = b.doc.getMap('latency')
  bMap.observe(() => {
    const p = bMap.get('ping')
    if (p !== undefined && bMap.get('ack') !== p) bMap.set('ack', p)
  })

  let seq = 0
  const baseline = []
  for (let i = 0; i < 20; i++) baseline.push(await roundTrip(a, ++seq))

  const slow = await slowConsumer(srv, DOC)
  s.onCleanup(() => slow.sock.destroy())
  const before = await srv.metrics()
  assert.equal(before.weft_connections, 4, 'a, b, the writer and the slow consumer are connected')

  const bulkW = w.doc.getText('bulk')
  const bulkA = a.doc.getText('bulk')
  const bulkB = b.doc.getText('bulk')
  const during = []
  let pushed = 0
  let dropped = false
  const t0 = performance.now()
  for (let round = 0; round < MAX_ROUNDS && !dropped && performance.now() - t0 < 45000; round++) {
    for (let k = 0; k < CHUNKS_PER_ROUND; k++) {
      bulkW.insert(bulkW.length, String.fromCharCode(97 + (round + k) % 26).repeat(CHUNK))
      pushed += CHUNK
    }
    // the normal clients get the bulk promptly ...
    await waitFor(() => bulkA.length === bulkW.length && bulkB.length === bulkW.length, 10000,
      'a and b to receive the bulk edits', () => `a has ${bulkA.length}, b ${bulkB.length} of ${bulkW.length}`)
    // ... and an edit's round trip stays fast while the slow consumer's queue fills up
    during.push(await roundTrip(a, ++seq))
    dropped = (await srv.metrics()).weft_slow_consumer_disconnects_total > 0
  }
  const elapsed = performance.now() - t0
  s.log(`pushed ${(pushed / 1048576).toFixed(1)} MiB in ${Math.round(elapsed)} ms before the slow consumer was dropped: ${dropped}`)
  s.log(`edit round trip a->b->a: baseline median ${median(baseline).toFixed(2)} ms max ${Math.max(...baseline).toFixed(2)} ms; ` +
    `with the slow consumer median ${median(during).toFixed(2)} ms max ${Math.max(...during).toFixed(2)} ms (${during.length} samples)`)
  assert.ok(dropped, `weft_slow_consumer_disconnects_total > 0 after pushing ${pushed} bytes with --send-queue-bytes ${SEND_QUEUE}`)

  // The slow consumer's connection was really closed: reading now drains what was buffered and ends.
  slow.sock.on('data', (d) => { slow.bytes += d.length })
  slow.sock.resume()
  await waitFor(() => slow.closed, 10000, 'the slow consumer\'s TCP connection to be closed by the server',
    () => `read ${slow.bytes} bytes so far`)
  await waitFor(async () => (await srv.metrics()).weft_connections === 3, 5000, 'weft_connections to drop to 3')

  for (const c of [a, b, w]) assert.deepEqual(c.serverCloses(), [], `${c.name} was not disconnected`)
  const after = []
  for (let i = 0; i < 10; i++) after.push(await roundTrip(a, ++seq))
  s.log(`after the drop: median ${median(after).toFixed(2)} ms`)

  const limit = Math.max(100, 10 * median(baseline))
  assert.ok(median(during) < limit, `median round trip with a stalled consumer ${median(during).toFixed(1)} ms < ${limit.toFixed(1)} ms`)
  assert.ok(Math.max(...during) < 1000, `every round trip with a stalled consumer < 1000 ms (max ${Math.max(...during).toFixed(1)} ms)`)
}))

test('a storm of slow-consumer drops with writes in flight does not crash the server', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  // A document four times --send-queue-bytes: the whole-document sync step 2 that a joining client
  // gets overflows the queue while its first frames are being written, and the providers reconnect
  // at once, over and over. Whether the server drops them or lets the sync through, it must live.
  const srv = await s.server({ 'send-queue-bytes': 65536, 'idle-timeout-ms': 600000 })
  const DOC = await srv.newDoc()
  const w = s.client(srv, DOC, { name: 'writer' })
  await w.waitSynced()
  for (let i = 0; i < 16; i++) w.ytext.insert(w.ytext.length, String.fromCharCode(97 + i).repeat(16384))
  const joiners = Array.from({ length: 6 }, (_, i) => s.client(srv, DOC, { name: `joiner${i}` }))
  const end = await waitFor(async () => {
    const m = await srv.metrics()
    if (m.weft_slow_consumer_disconnects_total >= 60) return `${m.weft_slow_consumer_disconnects_total} drops`
    if (joiners.every((c) => c.synced && c.text() === w.text())) return `no drops: all joiners synced (${m.weft_slow_consumer_disconnects_total} drops)`
    return false
  }, 20000, '60 slow-consumer drops or every joiner synced')
  s.log(end)
  for (const c of joiners) c.destroy()

  // still alive and serving
  assert.equal(srv.running, true, 'the server is still running')
  assert.equal((await srv.get('/healthz')).status, 200)
  const PROBE_DOC = await srv.newDoc()
  const probe = s.client(srv, PROBE_DOC, { name: 'probe' })
  await probe.waitSynced()
  probe.ytext.insert(0, 'alive')
  const other = s.client(srv, PROBE_DOC, { name: 'other' })
  await waitFor(() => other.text() === 'alive', 5000, 'an edit to reach another client after the storm')
  assert.deepEqual(w.serverCloses().filter((c) => c.code !== 1006), [], 'the writer was not closed with a code')
}))

test('a client that never answers the close handshake does not keep the server from a clean exit', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  // At shutdown the server closes every connection with 1012 and stops its loop after at most 3 s;
  // a session still waiting for its peer's close then is still a member of its room. The server
  // must still free everything: the ASan build fails the exit status on a leak.
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const ghost = await slowConsumer(srv, DOC)
  await waitFor(async () => (await srv.metrics()).weft_connections === 1, 5000, 'the silent client to be connected')
  const exit = await srv.stop(20000)
  assert.deepEqual({ code: exit.code, forced: exit.forced }, { code: 0, forced: false }, 'a clean exit, no leak')
  ghost.sock.destroy()
}))
