// make_seeds.mjs — writes the seed corpora of fuzz/ (kept in the repo under fuzz/corpus/<target>):
// real y-websocket messages made by y-protocols (sync steps, updates, awareness, query) alone and
// inside masked client WebSocket frames (also fragmented and with control frames between),
// archives made by tests/server/archives.mjs (ordinary, hostile: traversal, links, duplicates,
// binaries, a bomb's start), bus envelopes with every part kind, the same frames as fuzz_ws_frames
// reads them (a split seed first; fragments, pings between, text, close, a huge announced length),
// awareness scripts of three y-protocols clients for fuzz_awareness (fuzz_awareness.cpp's format),
// and an HTTP request of every API route for fuzz_http ("$ALICE" and "$BOB" stand for tokens).
// Usage: node fuzz/make_seeds.mjs [OUTDIR] [TARGET…]  (default fuzz/corpus, every target)
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import { zip, tarGz } from '../tests/server/archives.mjs'

const out = process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'corpus')
const only = process.argv.slice(3)
const write = (target, bytes) => {
  if (only.length > 0 && !only.includes(target)) return
  const dir = path.join(out, target)
  fs.mkdirSync(dir, { recursive: true })
  const buf = Buffer.from(bytes)
  fs.writeFileSync(path.join(dir, crypto.createHash('sha1').update(buf).digest('hex')), buf)
}

// ---- protocol ----
const messages = []
const doc = new Y.Doc(); doc.clientID = 11
const text = doc.getText('content')
doc.on('update', (u) => {
  const e = encoding.createEncoder(); encoding.writeVarUint(e, 0); syncProtocol.writeUpdate(e, u); messages.push(encoding.toUint8Array(e))
})
text.insert(0, 'hello wörld 😀'); text.delete(2, 3); text.insert(4, 'more')
{
  const e = encoding.createEncoder(); encoding.writeVarUint(e, 0); syncProtocol.writeSyncStep1(e, doc); messages.push(encoding.toUint8Array(e))
}
{
  const e = encoding.createEncoder(); encoding.writeVarUint(e, 0); syncProtocol.writeSyncStep2(e, doc); messages.push(encoding.toUint8Array(e))
}
const awareness = new awarenessProtocol.Awareness(doc)
awareness.setLocalState({ user: { name: 'ada', color: '#e91e63' }, selection: { anchor: { type: null, tname: 'content', item: { client: 11, clock: 3 }, assoc: 0 } } })
{
  const e = encoding.createEncoder(); encoding.writeVarUint(e, 1)
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])); messages.push(encoding.toUint8Array(e))
}
awareness.setLocalState(null)
{
  const e = encoding.createEncoder(); encoding.writeVarUint(e, 1)
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])); messages.push(encoding.toUint8Array(e))
}
messages.push(Uint8Array.from([3]))

// A masked client frame (RFC 6455 §5.2).
function frame (opcode, payload, fin = true) {
  const mask = crypto.randomBytes(4)
  const n = payload.length
  const head = n < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | n])
    : n < 65536 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, n >> 8, n & 0xff])
      : (() => { const b = Buffer.alloc(10); b[0] = (fin ? 0x80 : 0) | opcode; b[1] = 0x80 | 127; b.writeBigUInt64BE(BigInt(n), 2); return b })()
  const body = Buffer.from(payload).map((b, i) => b ^ mask[i % 4])
  return Buffer.concat([head, mask, body])
}
for (const m of messages) {
  write('protocol', m)
  write('protocol', frame(2, m))
}
write('protocol', Buffer.concat(messages.map((m) => frame(2, m))))
const big = messages[messages.length - 4]
write('protocol', Buffer.concat([frame(2, big.subarray(0, 3), false), frame(9, Buffer.from('ping')), frame(0, big.subarray(3))]))
write('protocol', Buffer.concat([frame(2, Buffer.alloc(300, 7)), frame(8, Buffer.from([3, 232, 0x62, 0x79, 0x65]))]))

// ---- archive ----
const ok = [{ name: 'src/' }, { name: 'src/main.py', data: 'print("héllo")\n' }, { name: 'README.md', data: '# x\n' }, { name: 'empty.txt', data: '' }]
write('archive', zip(ok))
write('archive', zip(ok, { deflate: false }))
write('archive', tarGz(ok))
write('archive', zip([...ok, { name: '../evil', data: 'x' }]))
write('archive', zip([...ok, { name: 'link', data: '/etc/passwd', mode: 0o120777 }]))
write('archive', tarGz([...ok, { name: 'link', type: '2', link: '/etc/passwd' }, { name: 'hard', type: '1', link: 'README.md' }]))
write('archive', zip([...ok, { name: 'img.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]) }, { name: '__MACOSX/._x', data: 'm' }]))
write('archive', zip([{ name: 'dup', data: '1' }, { name: 'dup', data: '2' }, { name: 'ünï 字/a.md', data: 'u' }]))
write('archive', tarGz([{ name: 'bomb.txt', data: 'a'.repeat(64 * 1024) }]))
// ---- envelope (server/envelope.hpp: instance, then parts of kind and bytes) ----
function envelope (instance, parts) {
  const e = encoding.createEncoder()
  encoding.writeVarString(e, instance)
  encoding.writeVarUint(e, parts.length)
  for (const [kind, data] of parts) { encoding.writeVarUint(e, kind); encoding.writeVarUint8Array(e, data) }
  return encoding.toUint8Array(e)
}
const access = (user, role) => { const e = encoding.createEncoder(); encoding.writeVarUint(e, user); encoding.writeVarUint(e, role); return encoding.toUint8Array(e) }
awareness.setLocalState({ user: { name: 'ada' } })
write('envelope', envelope('weft-a', [[0, Y.encodeStateAsUpdate(doc)], [1, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])]]))
write('envelope', envelope('weft-b', [[2, Y.encodeStateVector(doc)], [3, Y.encodeStateVector(doc)]]))
write('envelope', envelope('weft-c', [[5, access(42, 1)], [5, access(7, 0)], [4, new Uint8Array()]]))
write('envelope', envelope('weft-ü', [[6, new Uint8Array()], [7, new Uint8Array()], [8, new Uint8Array()], [9, new Uint8Array()], [99, Uint8Array.from([1, 2, 3])]]))

// ---- ws_frames (byte 0: the split seed; then the client's stream) ----
const wsFrames = (seed, ...frames) => write('ws_frames', Buffer.concat([Buffer.from([seed]), ...frames]))
for (const [i, m] of messages.entries()) wsFrames(i * 37, frame(2, m))
wsFrames(1, ...messages.map((m) => frame(2, m)))
wsFrames(2, frame(2, big.subarray(0, 3), false), frame(9, Buffer.from('ping')), frame(0, big.subarray(3, 5), false), frame(10, Buffer.alloc(0)), frame(0, big.subarray(5)))
wsFrames(3, frame(2, Buffer.alloc(200, 1), false), frame(0, Buffer.alloc(200, 2)))  // 400 bytes: over 256
wsFrames(4, frame(1, Buffer.from('text is refused')))
wsFrames(5, frame(0, Buffer.from([1, 2, 3])))  // a continuation with nothing to continue
wsFrames(6, frame(2, Buffer.from([0]), false), frame(2, Buffer.from([0])))  // unfinished, then new
wsFrames(7, frame(8, Buffer.from([3, 232, 0x62, 0x79, 0x65])), frame(2, messages[0]), frame(8, Buffer.alloc(0)))
wsFrames(8, Buffer.from([0x82, 0xff, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 1, 2, 3, 4]))  // 2^44 bytes announced
wsFrames(9, frame(2, Buffer.alloc(70000, 5)).subarray(0, 300))  // a 64-bit length, the payload cut short
wsFrames(10, frame(2, Buffer.alloc(0)), frame(9, Buffer.alloc(125, 9)))
// permessage-deflate (byte 0's top bit set): compressed messages (RSV1; raw deflate, the sync
// flush's 00 00 FF FF removed), one in two fragments, one inflating past both limits, RSV1 on a
// continuation.
const rsv1 = (f) => { f[0] |= 0x40; return f }
const deflated = (m) => { const z = zlib.deflateRawSync(m, { finishFlush: zlib.constants.Z_SYNC_FLUSH }); return z.subarray(0, z.length - 4) }
wsFrames(0x80, rsv1(frame(2, deflated(big))), frame(2, messages[0]))
wsFrames(0x81, rsv1(frame(2, deflated(big).subarray(0, 4), false)), frame(0, deflated(big).subarray(4)))
wsFrames(0x82, rsv1(frame(2, deflated(Buffer.alloc(100000)))))
wsFrames(0x83, frame(2, messages[0], false), rsv1(frame(0, messages[1])))

// ---- awareness (steps [op][length, 2 bytes LE][payload]: op & 3 = 0 update, 1 message,
// 2 query, 3 leave; (op >> 2) % 3 = the connection) ----
const step = (op, conn, payload = new Uint8Array()) => {
  const b = Buffer.alloc(3); b[0] = op | (conn << 2); b.writeUInt16LE(payload.length, 1)
  return Buffer.concat([b, Buffer.from(payload)])
}
const peers = [1, 2, 3].map((id) => {
  const d = new Y.Doc(); d.clientID = 100 + id
  return { doc: d, aw: new awarenessProtocol.Awareness(d) }
})
const upd = (p) => awarenessProtocol.encodeAwarenessUpdate(p.aw, [p.doc.clientID])
const msg = (u) => { const e = encoding.createEncoder(); encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, u); return encoding.toUint8Array(e) }
const [pa, pb, pc] = peers
pa.aw.setLocalState({ user: { name: 'ada', color: '#e91e63' }, cursor: null })
const a1 = upd(pa)
pa.aw.setLocalState({ user: { name: 'ada', color: '#e91e63' }, cursor: { anchor: 3, head: 7 } })
const a2 = upd(pa)
pb.aw.setLocalState({ user: { name: 'bob', color: '#2196f3' } })
const b1 = upd(pb)
pc.aw.setLocalState({ user: { name: 'cy' }, note: 'x'.repeat(300) })  // over the 256-byte limit
const c1 = upd(pc)
pb.aw.setLocalState(null)
const b2 = upd(pb)
const both = awarenessProtocol.encodeAwarenessUpdate(pa.aw, [pa.doc.clientID])
write('awareness', step(0, 0, a1))
write('awareness', Buffer.concat([step(0, 0, a1), step(0, 0, a2), step(0, 1, b1), step(2, 2), step(0, 1, b2), step(3, 0)]))
write('awareness', Buffer.concat([step(0, 0, a1), step(3, 0), step(0, 1, a1), step(0, 1, a2)]))  // behind a removal
write('awareness', Buffer.concat([step(0, 2, c1), step(0, 0, a1)]))
write('awareness', Buffer.concat([step(1, 0, msg(a1)), step(1, 1, Uint8Array.from([3])), step(0, 1, b1), step(0, 0, both)]))
write('awareness', Buffer.concat([step(0, 0, Uint8Array.from([1, 9, 1, 3, 0x7b, 0x7d, 0x7d]))]))  // "{}}" is not JSON
for (const p of peers) p.aw.destroy()

// ---- http (requests as a client sends them; fuzz_http's database: alice, bob, document 1 shared
// with bob, its version 1, project 1 with src/a.js = document 2) ----
const request = (method, target, { token = '$ALICE', body, type = 'application/json', headers = [] } = {}) => {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: localhost:8080', 'User-Agent: weft-seeds']
  if (token) lines.push(`Authorization: Bearer ${token}`)
  lines.push(...headers)
  const data = body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body))
  if (body !== undefined) lines.push(`Content-Type: ${type}`, `Content-Length: ${data.length}`)
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), data])
}
const http = (...reqs) => write('http', Buffer.concat(reqs))
http(request('POST', '/api/auth/register', { token: null, body: { username: 'carol', email: 'carol@example.com', password: 'hunter2hunter2' } }))
http(request('POST', '/api/auth/login', { token: null, body: { username: 'alice', password: 'correct horse' } }))
http(request('POST', '/api/auth/login', { token: null, body: { email: 'alice@example.com', password: 'wrong' } }))
http(request('GET', '/api/me'))
http(request('DELETE', '/api/me', { body: { password: 'correct horse' } }))
http(request('POST', '/api/me/password', { body: { old_password: 'correct horse', new_password: 'new password 1' } }))
http(request('GET', '/api/me/sessions'), request('DELETE', '/api/me/sessions/1'), request('GET', '/api/me'))
http(request('POST', '/api/auth/logout-all'))
http(request('GET', '/api/documents'))
http(request('POST', '/api/documents', { body: { title: 'notes.md', language: 'markdown', is_public: true, content: '# hi\n' } }))
http(request('GET', '/api/documents/1'), request('GET', '/api/documents/1', { token: '$BOB' }))
http(request('PATCH', '/api/documents/1', { body: { title: 'renamed.py', language: 'python', is_public: true } }))
http(request('DELETE', '/api/documents/1', { token: '$BOB' }), request('DELETE', '/api/documents/1'))
http(request('GET', '/api/documents/1/content'))
http(request('PUT', '/api/documents/1/content', { body: 'print("hello")\nprint("wörld")\n', type: 'text/plain; charset=utf-8' }), request('GET', '/api/documents/1/content'))
http(request('GET', '/api/documents/1/members'), request('GET', '/api/documents/1/sessions'))
http(request('PUT', '/api/documents/1/members/bob', { body: { role: 'viewer' } }))
http(request('DELETE', '/api/documents/1/members/bob'))
http(request('GET', '/api/documents/1/versions?limit=10'), request('POST', '/api/documents/1/versions', { body: { name: 'second' } }))
http(request('GET', '/api/documents/1/versions/1'), request('PATCH', '/api/documents/1/versions/1', { body: { name: 'renamed' } }))
http(request('GET', '/api/documents/1/versions/1/content'), request('GET', '/api/documents/1/versions/1/diff?against=current'))
http(request('POST', '/api/documents/1/versions/1/restore'), request('DELETE', '/api/documents/1/versions/1'))
http(request('GET', '/api/documents/1/blame'), request('GET', '/api/documents/1/activity?limit=5'))
http(request('GET', '/api/projects'), request('POST', '/api/projects', { body: { name: 'p2', is_public: false } }))
http(request('GET', '/api/projects/1'), request('PATCH', '/api/projects/1', { body: { name: 'demo2', is_public: true } }))
http(request('DELETE', '/api/projects/1'))
http(request('GET', '/api/projects/1/members'), request('PUT', '/api/projects/1/members/bob', { body: { role: 'editor' } }), request('DELETE', '/api/projects/1/members/bob'))
http(request('GET', '/api/projects/1/tree'), request('POST', '/api/projects/1/files', { body: { path: 'src/b.py', content: 'x = 1\n' } }))
http(request('PATCH', '/api/projects/1/files/2', { body: { path: 'lib/a.js' } }), request('DELETE', '/api/projects/1/files/2'))
http(request('POST', '/api/projects/1/folders', { body: { path: 'docs' } }), request('PATCH', '/api/projects/1/folders', { body: { from: 'src', to: 'lib' } }))
http(request('DELETE', '/api/projects/1/folders', { body: { path: 'src' } }))
http(request('POST', '/api/projects/1/import?path=vendor', { body: zip(ok), type: 'application/zip' }))
http(request('GET', '/api/projects/1/search?q=let%20a&regex=false'), request('GET', '/api/projects/1/export'))
http(request('GET', '/api/documents', { token: null }), request('GET', '/api/documents', { token: 'not.a.token' }))
http(request('POST', '/api/documents', { body: '{"title":"x","bogus":1}' }), request('POST', '/api/documents', { body: '{"title":' }))
http(request('OPTIONS', '/api/documents', { token: null, headers: ['Origin: https://example.com', 'Access-Control-Request-Method: POST'] }))
http(Buffer.from('POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $ALICE\r\nTransfer-Encoding: chunked\r\n\r\n' +
  'b\r\n{"title":"c\r\n5\r\nhunk\"\r\n1\r\n}\r\n0\r\n\r\n'))
http(request('GET', '/', { token: null }), request('GET', '/assets/index-abc123.js', { token: null, headers: ['If-None-Match: W/"x"'] }))
http(request('GET', '/doc/42', { token: null }), request('GET', '/../etc/passwd', { token: null }), request('GET', '/healthz', { token: null }))
http(request('GET', '/ws/1?token=$ALICE', { token: null, headers: ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='] }))
http(Buffer.from('GET /api/me HTTP/1.0\r\nAuthorization: Bearer $ALICE\r\n\r\n'))

awareness.destroy()
doc.destroy()
console.log(`seeds written to ${out}`)
