// The crdt-oracle protocol answered by yjs itself: a self-test for differential.mjs.
//
// `node tests/crdt/differential.mjs --oracle tests/crdt/yjs-oracle.mjs` must report no failures
// and every byte comparison equal; if it does not, the harness (not the C++ engine) is wrong.
// Protocol: one JSON request per stdin line, one JSON response per stdout line, in order; binary
// data is base64. See differential.mjs for the requests.

import * as Y from 'yjs'
import { createInterface } from 'node:readline'

const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64')
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'))
const replacer = (_k, v) => (v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? Number(v) : v)
const json = (v) => JSON.parse(JSON.stringify(v ?? null, replacer))

function docFrom (updates) {
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, unb64(u))
  return doc
}

const ops = {
  apply (req) {
    const doc = docFrom(req.updates)
    const out = { texts: {}, maps: {}, arrays: {}, sv: {} }
    for (const t of req.texts || []) out.texts[t] = doc.getText(t).toString()
    for (const m of req.maps || []) out.maps[m] = json(doc.getMap(m).toJSON())
    for (const a of req.arrays || []) out.arrays[a] = json(doc.getArray(a).toJSON())
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) out.sv[client] = clock
    out.sv_bin = b64(Y.encodeStateVector(doc))
    out.state = b64(Y.encodeStateAsUpdate(doc))
    if (req.target_sv) out.state_for = b64(Y.encodeStateAsUpdate(doc, unb64(req.target_sv)))
    return out
  },
  merge: (req) => ({ update: b64(Y.mergeUpdates(req.updates.map(unb64))) }),
  diff: (req) => ({ update: b64(Y.diffUpdate(unb64(req.update), unb64(req.sv))) }),
  sv_from_update: (req) => ({ sv: b64(Y.encodeStateVectorFromUpdate(unb64(req.update))) }),
  local (req) {
    const doc = docFrom(req.base)
    doc.clientID = req.client
    const text = doc.getText('content')
    const updates = []
    let last = null
    doc.on('update', (u, origin) => { if (origin === 'local') last = u })
    for (const [kind, pos, arg] of req.ops) {
      last = null
      doc.transact(() => (kind === 'insert' ? text.insert(pos, arg) : text.delete(pos, arg)), 'local')
      updates.push(b64(last || new Uint8Array([0, 0])))
    }
    return { updates, text: text.toString() }
  }
}

createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  let id = null
  let resp
  try {
    const req = JSON.parse(line)
    id = req.id
    if (!ops[req.op]) throw new Error(`unknown op ${req.op}`)
    resp = { id, ok: true, ...ops[req.op](req) }
  } catch (e) {
    resp = { id, ok: false, error: String(e && e.message) }
  }
  process.stdout.write(JSON.stringify(resp) + '\n')
})
