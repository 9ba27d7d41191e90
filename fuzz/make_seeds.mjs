// make_seeds.mjs — writes the seed corpora of fuzz/ (kept in the repo under fuzz/corpus/<target>):
// real y-websocket messages made by y-protocols (sync steps, updates, awareness, query) alone and
// inside masked client WebSocket frames (also fragmented and with control frames between),
// archives made by tests/server/archives.mjs (ordinary, hostile: traversal, links, duplicates,
// binaries, a bomb's start), and bus envelopes with every part kind. Usage: node fuzz/make_seeds.mjs [OUTDIR]  (default fuzz/corpus)
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import { zip, tarGz } from '../tests/server/archives.mjs'

const out = process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'corpus')
const write = (target, bytes) => {
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
awareness.destroy()
doc.destroy()
console.log(`seeds written to ${out}`)
