// frames.test.mjs — the WebSocket frame layer, byte by byte, from a raw TCP client: fragmented
// messages with control frames between the fragments, headers split across writes, pings, the
// close handshake from either side, and frames the RFC forbids. The server writes and parses
// frames itself (server/ws_frame.hpp), so these are the cases a library used to cover for it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import crypto from 'node:crypto'
import zlib from 'node:zlib'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { TEST_TIMEOUT, scenario, waitFor, within, delay, Y, WebSocket } from './harness.mjs'

const MAX = 65536

// A masked client frame (RFC 6455 §5.2). `opts.mask: false` leaves it unmasked; `opts.rsv` sets
// the reserved bits; `opts.length` announces a length other than the payload's.
function clientFrame (opcode, payload, opts = {}) {
  const data = Buffer.from(payload)
  const fin = opts.fin === false ? 0 : 0x80
  const length = opts.length ?? data.length
  const head = [fin | (opts.rsv ?? 0) | opcode]
  const maskBit = opts.mask === false ? 0 : 0x80
  if (length < 126) {
    head.push(maskBit | length)
  } else if (length <= 0xffff) {
    head.push(maskBit | 126, length >> 8, length & 0xff)
  } else {
    head.push(maskBit | 127)
    const big = Buffer.alloc(8)
    big.writeBigUInt64BE(BigInt(length))
    head.push(...big)
  }
  if (opts.mask === false) return Buffer.concat([Buffer.from(head), data])
  const mask = crypto.randomBytes(4)
  const masked = Buffer.from(data.map((b, i) => b ^ mask[i & 3]))
  return Buffer.concat([Buffer.from(head), mask, masked])
}

// A raw connection: upgrade, then the server's frames parsed as they arrive. `extensions`: the
// Sec-WebSocket-Extensions offer; the answer is in `response`.
async function rawConnect (srv, doc, { extensions = null } = {}) {
  const sock = net.connect(srv.port, srv.host)
  sock.setNoDelay(true)
  const frames = []
  let buf = Buffer.alloc(0)
  let upgraded = false
  let response = ''
  let ended = false
  sock.on('error', () => {})
  sock.on('end', () => { ended = true }) // the server's FIN
  sock.on('close', () => { ended = true })
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk])
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      response = buf.subarray(0, end).toString()
      assert.match(response, /^HTTP\/1\.1 101 /)
      buf = buf.subarray(end + 4)
      upgraded = true
    }
    for (;;) {
      if (buf.length < 2) return
      assert.equal(buf[1] & 0x80, 0, 'server frames are not masked')
      let len = buf[1] & 0x7f
      let off = 2
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4 }
      if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10 }
      if (buf.length < off + len) return
      frames.push({ fin: (buf[0] & 0x80) !== 0, rsv1: (buf[0] & 0x40) !== 0, opcode: buf[0] & 0x0f, payload: buf.subarray(off, off + len) })
      buf = buf.subarray(off + len)
    }
  })
  await new Promise((resolve) => sock.once('connect', resolve))
  sock.write(`GET /ws/${doc}?token=${encodeURIComponent(srv.token)} HTTP/1.1\r\nHost: x\r\n` +
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
    (extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : '') + '\r\n')
  // The server speaks first once the connection is admitted: sync step 1.
  await waitFor(() => frames.some((f) => f.opcode === 2 && f.payload[0] === 0 && f.payload[1] === 0), 5000,
    'sync step 1 from the server')
  const closeFrame = () => frames.find((f) => f.opcode === 8)
  return {
    sock,
    frames,
    response: () => response,
    ended: () => ended,
    closeCode: () => { const f = closeFrame(); return f && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null },
    async closedWith (code, what) {
      await waitFor(() => closeFrame() !== undefined, 5000, `a close frame (${what})`)
      assert.equal(this.closeCode(), code, `close code for: ${what}`)
      await waitFor(() => ended, 5000, `the server to close the TCP connection (${what})`)
    }
  }
}

// y-websocket sync update message inserting `text` at the start of Y.Text content.
function syncUpdateInserting (text) {
  const d = new Y.Doc()
  let update
  d.on('update', (u) => { update = u })
  d.getText('content').insert(0, text)
  d.destroy()
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 0)
  encoding.writeVarUint(enc, 2)
  encoding.writeVarUint8Array(enc, update)
  return Buffer.from(encoding.toUint8Array(enc))
}

test('fragments, interleaved pings and split headers make one message; pings are answered', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const watcher = s.client(srv, DOC, { name: 'watcher' })
  await watcher.waitSynced()
  const raw = await rawConnect(srv, DOC)

  // One update in three fragments, a ping between the first two.
  const msg = syncUpdateInserting('fragmented;')
  const a = msg.subarray(0, 5)
  const b = msg.subarray(5, 12)
  const c = msg.subarray(12)
  raw.sock.write(clientFrame(2, a, { fin: false }))
  raw.sock.write(clientFrame(9, 'are you there'))
  await waitFor(() => raw.frames.some((f) => f.opcode === 10), 5000, 'the pong')
  const pong = raw.frames.find((f) => f.opcode === 10)
  assert.equal(pong.payload.toString(), 'are you there', 'the pong carries the ping\'s payload')
  raw.sock.write(clientFrame(0, b, { fin: false }))
  raw.sock.write(clientFrame(0, c))
  await waitFor(() => watcher.text() === 'fragmented;', 5000, 'the fragmented update to arrive',
    () => JSON.stringify(watcher.text()))

  // A frame dribbled one byte per write (header split everywhere) is still one message.
  const slow = clientFrame(2, syncUpdateInserting('slow;'))
  for (const byte of slow) {
    raw.sock.write(Buffer.from([byte]))
    await delay(2)
  }
  await waitFor(() => watcher.text().includes('slow;'), 5000, 'the dribbled update to arrive')
  // A 16-bit length frame (≥ 126 bytes) also arrives whole.
  raw.sock.write(clientFrame(2, syncUpdateInserting('x'.repeat(300) + ';')))
  await waitFor(() => watcher.text().includes('x'.repeat(300)), 5000, 'the 300-byte update to arrive')
  assert.equal(raw.ended(), false, 'the raw client is still connected')

  // The client closes with 4000: the server answers with 4000 and closes the TCP connection.
  raw.sock.write(clientFrame(8, Buffer.from([0x0f, 0xa0, ...Buffer.from('bye')])))
  await raw.closedWith(4000, 'the echo of a client close')
  await waitFor(async () => (await srv.metrics()).weft_connections === 1, 5000, 'only the watcher left')
}))

test('frames the RFC forbids close the connection with 1002, a too-large announcement with 4413', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'max-message-bytes': MAX })
  const DOC = await srv.newDoc()
  const watcher = s.client(srv, DOC, { name: 'watcher' })
  await watcher.waitSynced()
  watcher.ytext.insert(0, 'intact')
  const update = syncUpdateInserting('EVIL')
  const cases = [
    { name: 'unmasked frame', bytes: clientFrame(2, update, { mask: false }), code: 1002 },
    { name: 'reserved bit set (no extension)', bytes: clientFrame(2, update, { rsv: 0x40 }), code: 1002 },
    { name: 'reserved opcode', bytes: clientFrame(3, update), code: 1002 },
    { name: 'continuation without a first fragment', bytes: clientFrame(0, update), code: 1002 },
    { name: 'new message inside a fragmented one', bytes: Buffer.concat([clientFrame(2, update.subarray(0, 3), { fin: false }), clientFrame(2, update)]), code: 1002 },
    { name: 'fragmented ping', bytes: clientFrame(9, 'x', { fin: false }), code: 1002 },
    { name: 'ping longer than 125 bytes', bytes: clientFrame(9, 'x'.repeat(126)), code: 1002 },
    { name: 'close with a one-byte payload', bytes: clientFrame(8, Buffer.from([3])), code: 1002 },
    { name: 'close with code 1005 (reserved)', bytes: clientFrame(8, Buffer.from([0x03, 0xed])), code: 1002 },
    { name: 'text frame', bytes: clientFrame(1, 'hello'), code: 1003 },
    // Only the header: the server refuses as soon as it announces too much.
    { name: 'header announcing more than --max-message-bytes', bytes: clientFrame(2, Buffer.alloc(0), { length: 10 * MAX }), code: 4413 },
    { name: 'fragments adding up to more than --max-message-bytes', bytes: Buffer.concat([clientFrame(2, Buffer.alloc(MAX - 10), { fin: false }), clientFrame(0, Buffer.alloc(0), { length: 100 })]), code: 4413 }
  ]
  for (const c of cases) {
    await t.test(c.name, async () => {
      const raw = await rawConnect(srv, DOC)
      raw.sock.write(c.bytes)
      await raw.closedWith(c.code, c.name)
    })
  }
  assert.equal(watcher.text(), 'intact', 'no bad frame changed the document')
  assert.deepEqual(watcher.serverCloses(), [], 'the watcher was never disconnected')
  assert.equal(srv.running, true, 'the server is still running')
  const m = await srv.metrics()
  assert.ok(m.weft_rejected_messages_total >= 2, 'the oversized messages are counted')
}))

test('a peer that never answers the server\'s close is dropped', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'idle-timeout-ms': 400 })
  const DOC = await srv.newDoc()
  const raw = await rawConnect(srv, DOC)
  // Deleting the document closes its connections with 4404, waiting for the peer's close …
  assert.equal((await srv.api('DELETE', `/api/documents/${DOC}`)).status, 204)
  await waitFor(() => raw.closeCode() === 4404, 5000, 'the 4404 close frame')
  // … which never comes: after two ticks of half the idle timeout the server drops us.
  await waitFor(() => raw.ended(), 5000, 'the server to drop the silent peer')
  await waitFor(async () => (await srv.metrics()).weft_connections === 0, 5000, 'the connection gauge to fall')
  const late = await within(new Promise((resolve) => raw.sock.once('data', resolve)), 200)
  assert.equal(late, null, 'nothing after the drop')
}))

test('a silent peer is dropped --idle-timeout-ms after the last thing it sent, not up to half as long again', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const IDLE = 1200
  const srv = await s.server({ 'idle-timeout-ms': IDLE })
  const DOC = await srv.newDoc()
  // Three rounds: each answers the server's first ping at once (the moment just after the
  // server's own timer looked), then goes silent: no pong to the next ping, no close.
  for (let round = 0; round < 3; round++) {
    const raw = await rawConnect(srv, DOC)
    await waitFor(() => raw.frames.some((f) => f.opcode === 9), 3 * IDLE, 'the server\'s first ping')
    raw.sock.write(clientFrame(10, ''))
    const t0 = performance.now()
    await waitFor(() => raw.ended(), 3 * IDLE, 'the server to drop the silent peer')
    const silentFor = performance.now() - t0
    s.log(`round ${round}: dropped ${Math.round(silentFor)} ms after the last pong (--idle-timeout-ms ${IDLE})`)
    assert.ok(silentFor >= IDLE * 0.9, `dropped after ${Math.round(silentFor)} ms of silence, before --idle-timeout-ms ${IDLE}`)
    assert.ok(silentFor <= IDLE * 1.2, `dropped after ${Math.round(silentFor)} ms of silence, well past --idle-timeout-ms ${IDLE}`)
    raw.sock.destroy()
  }
}))

test('a connection sending messages or pings faster than --ws-rate-limit is closed with 4429; one within it is not', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'ws-rate-limit': 5 }) // 5 messages/s, bursts of 50
  const DOC = await srv.newDoc()
  const calm = await rawConnect(srv, DOC)
  const flood = await rawConnect(srv, DOC)
  // query-awareness (message type 3): valid, answered, and changes nothing
  const query = clientFrame(2, Buffer.from([3]))
  // The calm one sends 40 messages, well inside the burst, spread over a second.
  for (let i = 0; i < 40; i++) {
    calm.sock.write(query)
    await delay(25)
  }
  // The flood sends 200 at once.
  flood.sock.write(Buffer.concat(Array.from({ length: 200 }, () => query)))
  await flood.closedWith(4429, 'the flood')
  // Pings count too: 200 of them at once are a flood as well.
  const pinger = await rawConnect(srv, DOC)
  pinger.sock.write(Buffer.concat(Array.from({ length: 200 }, () => clientFrame(9, 'p'))))
  await pinger.closedWith(4429, 'the ping flood')
  const m = await srv.metrics()
  assert.equal(m.weft_rate_limited_disconnects_total, 2, 'two connections closed for their rate')
  // The calm one got its answers and is still connected.
  await waitFor(() => calm.frames.filter((f) => f.opcode === 2 && f.payload[0] === 1).length >= 40, 5000,
    'an awareness answer to each query')
  assert.equal(calm.ended(), false, 'the calm connection stays open')
  assert.equal(calm.closeCode(), null)
}))

// permessage-deflate as RFC 7692 §7.2 has it: raw deflate, sync flush, the 00 00 FF FF tail
// removed by the sender and put back by the receiver.
const deflateMessage = (data) => {
  const z = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
  assert.deepEqual([...z.subarray(z.length - 4)], [0, 0, 0xff, 0xff])
  return z.subarray(0, z.length - 4)
}
const inflateMessage = (data) => zlib.inflateRawSync(Buffer.concat([data, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH })

test('permessage-deflate with a raw client: the answer, compressed updates in and out, and what is refused (1002, 1007, 4413)', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'max-message-bytes': MAX })
  const DOC = await srv.newDoc()
  const watcher = s.client(srv, DOC, { name: 'watcher' })
  await watcher.waitSynced()
  const raw = await rawConnect(srv, DOC, { extensions: 'permessage-deflate; client_max_window_bits' })
  assert.match(raw.response(), /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover(\r\n|$)/i)

  // A compressed update, in two fragments (RSV1 on the first only), reaches the others.
  const text = 'compressed; '.repeat(40)
  const z = deflateMessage(syncUpdateInserting(text))
  raw.sock.write(clientFrame(2, z.subarray(0, 7), { fin: false, rsv: 0x40 }))
  raw.sock.write(clientFrame(2 & 0, z.subarray(7)))
  await waitFor(() => watcher.text() === text, 5000, 'the compressed update to arrive', () => JSON.stringify(watcher.text()))

  // What the server sends: the watcher's large update comes compressed and inflates to a message
  // that holds it; a small one comes as it is.
  const before = raw.frames.length
  const big = 'x'.repeat(2000)
  const base = Y.encodeStateAsUpdate(watcher.doc)
  watcher.ytext.insert(0, big)
  await waitFor(() => raw.frames.slice(before).some((f) => f.opcode === 2), 5000, 'the big update')
  const bigFrame = raw.frames.slice(before).find((f) => f.opcode === 2)
  assert.equal(bigFrame.rsv1, true, 'a 2 KB update is sent compressed')
  assert.ok(bigFrame.payload.length < 500, `compressed to ${bigFrame.payload.length} bytes`)
  const dec = decoding.createDecoder(inflateMessage(bigFrame.payload))
  assert.equal(decoding.readVarUint(dec), 0, 'a sync message')
  assert.equal(decoding.readVarUint(dec), 2, 'an update')
  const doc = new Y.Doc()
  Y.applyUpdate(doc, base)
  Y.applyUpdate(doc, decoding.readVarUint8Array(dec))
  assert.equal(doc.getText('content').toString(), watcher.text(), 'the inflated update is the insert')
  const small = raw.frames.length
  watcher.ytext.insert(0, 'a')
  await waitFor(() => raw.frames.slice(small).some((f) => f.opcode === 2), 5000, 'the small update')
  assert.equal(raw.frames.slice(small).find((f) => f.opcode === 2).rsv1, false, 'a small update is sent as it is')
  const m = await srv.metrics()
  assert.ok(m.weft_ws_inflated_messages_total >= 1, 'the inflated message is counted')
  assert.ok(m.weft_ws_deflated_messages_total >= 1, 'the compressed message is counted')

  // Not deflate data: 1007. A bomb beyond --max-message-bytes once inflated: 4413.
  const bad = await rawConnect(srv, DOC, { extensions: 'permessage-deflate' })
  bad.sock.write(clientFrame(2, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), { rsv: 0x40 }))
  await bad.closedWith(1007, 'a compressed message that does not inflate')
  const bomb = await rawConnect(srv, DOC, { extensions: 'permessage-deflate' })
  const zeros = deflateMessage(Buffer.alloc(MAX * 16))
  assert.ok(zeros.length < MAX)
  bomb.sock.write(clientFrame(2, zeros, { rsv: 0x40 }))
  await bomb.closedWith(4413, 'a message that inflates beyond the limit')
  // Without the extension negotiated RSV1 is a protocol error.
  const plain = await rawConnect(srv, DOC)
  assert.doesNotMatch(plain.response(), /Sec-WebSocket-Extensions/i, 'nothing offered, nothing answered')
  plain.sock.write(clientFrame(2, z, { rsv: 0x40 }))
  await plain.closedWith(1002, 'RSV1 without permessage-deflate')
  // A continuation with RSV1 is one too, negotiated or not.
  const cont = await rawConnect(srv, DOC, { extensions: 'permessage-deflate' })
  cont.sock.write(clientFrame(2, z.subarray(0, 3), { fin: false, rsv: 0x40 }))
  cont.sock.write(clientFrame(0, z.subarray(3), { rsv: 0x40 }))
  await cont.closedWith(1002, 'RSV1 on a continuation')
  assert.equal(watcher.text().endsWith(text), true, 'the document is as it was')
}))

test('ws clients (y-websocket) negotiate permessage-deflate and sync a large document through it; --ws-deflate false declines', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const DOC = await srv.newDoc()
  const a = s.client(srv, DOC, { name: 'a' })
  await a.waitSynced()
  // ws names the extension; the parameters it accepted are its PerMessageDeflate's.
  assert.equal(a.provider.ws.extensions, 'permessage-deflate')
  const accepted = a.provider.ws._extensions['permessage-deflate'].params
  assert.equal(accepted.server_no_context_takeover, true)
  assert.equal(accepted.client_no_context_takeover, true)
  // ws compresses what it sends from 1 KiB on; 200 KB of code one way, a join the other way.
  const code = Array.from({ length: 4000 }, (_, i) => `  const line${i} = compute(items[${i}]);`).join('\n')
  a.ytext.insert(0, code)
  const b = s.client(srv, DOC, { name: 'b' })
  await b.waitSynced()
  await waitFor(() => b.text() === code, 10000, 'b to hold the whole text')
  const m = await srv.metrics()
  assert.ok(m.weft_ws_inflated_messages_total >= 1, `a's update arrived compressed (${m.weft_ws_inflated_messages_total})`)
  assert.ok(m.weft_ws_deflate_in_bytes_total > code.length, 'b\'s sync went compressed')
  assert.ok(m.weft_ws_deflate_out_bytes_total * 4 < m.weft_ws_deflate_in_bytes_total,
    `compressed ${m.weft_ws_deflate_in_bytes_total} → ${m.weft_ws_deflate_out_bytes_total} bytes`)
  assert.equal((await srv.api('GET', `/api/documents/${DOC}/content`)).text, code)

  const off = await s.server({ 'ws-deflate': 'false' })
  const DOC2 = await off.newDoc()
  const c = s.client(off, DOC2, { name: 'c' })
  await c.waitSynced()
  assert.equal(c.provider.ws.extensions, '', 'declined: no extension')
  c.ytext.insert(0, code)
  const d = s.client(off, DOC2, { name: 'd' })
  await waitFor(() => d.text() === code, 10000, 'd to hold the whole text without compression')
  assert.equal((await off.metrics()).weft_ws_deflated_messages_total, 0)
}))
