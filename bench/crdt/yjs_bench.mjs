// Yjs side of the CRDT benchmark. Replays one sequential editing trace
// (/work/shared/data/editing-traces/*.json.gz: {startContent, endContent, txns: [{patches:
// [[pos, deleteCount, insertText], ...]}]}) into the Y.Text 'content' of a fresh Y.Doc (gc on,
// the default), one doc.transact per txn, and times the usual figures: local apply (with and
// without keeping the per-txn updates), encodeStateAsUpdate, loading the encoded doc, merging
// the per-txn updates, replaying them, diffUpdate against a half-way state vector, and the heap
// held by a loaded doc. Every figure is run N times (--runs, default 5) and the median is
// reported; every result is checked against endContent outside the timed region, and the script
// aborts loudly on a mismatch. A readable table goes to stderr; the last line of stdout is one
// JSON object with the medians.
//
//   node --expose-gc bench/crdt/yjs_bench.mjs TRACE.json.gz [--runs N]

import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { performance } from 'node:perf_hooks'
import { createRequire } from 'node:module'
import * as Y from 'yjs'

const usage = 'usage: node --expose-gc bench/crdt/yjs_bench.mjs TRACE.json.gz [--runs N]'
const args = process.argv.slice(2)
let tracePath = null
let runs = 5
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i])
  else if (tracePath === null) tracePath = args[i]
  else fail(`unexpected argument ${args[i]}\n${usage}`)
}
if (tracePath === null || !Number.isInteger(runs) || runs < 1) fail(usage)
if (typeof globalThis.gc !== 'function') fail(`heap figure needs --expose-gc\n${usage}`)

function fail (msg) {
  console.error(`yjs_bench: ${msg}`)
  process.exit(1)
}

const trace = JSON.parse(gunzipSync(readFileSync(tracePath)).toString('utf8'))
const { endContent, txns } = trace
if (trace.startContent !== '' || typeof endContent !== 'string' || !Array.isArray(txns)) {
  fail(`${tracePath}: not a sequential trace with empty startContent`)
}
// Trace positions are code points, Y.Text positions are UTF-16 units: equal only without
// astral characters, so refuse traces that have any.
const astral = /[\uD800-\uDFFF]/
if (astral.test(endContent) || txns.some(t => t.patches.some(p => astral.test(p[2])))) {
  fail(`${tracePath}: has characters outside the BMP; positions would need converting`)
}

function check (what, got) {
  if (got !== endContent) {
    fail(`${what}: content mismatch (got ${got.length} chars, want ${endContent.length})`)
  }
}

// Times fn() `runs` times; fn returns nothing or a value the caller may reuse (the last one).
function bench (fn) {
  const times = []
  let last
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    last = fn()
    times.push(performance.now() - t0)
  }
  return { times, last }
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// Local editing: one transaction per txn; delete then insert per patch.
function applyLocal (keepUpdates) {
  const doc = new Y.Doc()
  const text = doc.getText('content')
  const updates = []
  if (keepUpdates) doc.on('update', u => { updates.push(u) })
  const t0 = performance.now()
  for (const txn of txns) {
    doc.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        if (del > 0) text.delete(pos, del)
        if (ins !== '') text.insert(pos, ins)
      }
    })
  }
  const ms = performance.now() - t0
  check(keepUpdates ? 'apply_local_keep_updates' : 'apply_local', text.toString())
  return { ms, doc, updates }
}

function load (update) {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

// Tree merge in pairwise rounds: each round merges adjacent pairs (0+1, 2+3, ...; an odd last
// update is carried over unchanged) until one update remains, so every update takes part in
// about log2(n) merges instead of the whole history being re-merged n times.
function mergeTree (updates) {
  let level = updates
  if (level.length === 0) return Y.mergeUpdates([])
  while (level.length > 1) {
    const next = []
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? Y.mergeUpdates([level[i], level[i + 1]]) : level[i])
    }
    level = next
  }
  return level[0]
}

const samples = {}

// apply_local_ms, apply_local_keep_updates_ms (own timer: excludes the content check)
samples.apply_local_ms = []
for (let i = 0; i < runs; i++) samples.apply_local_ms.push(applyLocal(false).ms)
samples.apply_local_keep_updates_ms = []
let final
for (let i = 0; i < runs; i++) {
  final = applyLocal(true)
  samples.apply_local_keep_updates_ms.push(final.ms)
}
const { doc: finalDoc, updates } = final

// encode_state_ms, encoded_bytes
let r = bench(() => Y.encodeStateAsUpdate(finalDoc))
samples.encode_state_ms = r.times
const encoded = r.last

// load_ms
r = bench(() => load(encoded).getText('content').toString())
samples.load_ms = r.times
check('load', r.last)

// merge_updates_ms
r = bench(() => mergeTree(updates))
samples.merge_updates_ms = r.times
check('merge_updates', load(r.last).getText('content').toString())

// replay_updates_ms
r = bench(() => {
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, u)
  return doc.getText('content').toString()
})
samples.replay_updates_ms = r.times
check('replay_updates', r.last)

// diff_update_ms: what a peer holding the first half of the updates is missing
const halfDoc = new Y.Doc()
for (const u of updates.slice(0, updates.length >> 1)) Y.applyUpdate(halfDoc, u)
const halfSV = Y.encodeStateVector(halfDoc)
r = bench(() => Y.diffUpdate(encoded, halfSV))
samples.diff_update_ms = r.times
Y.applyUpdate(halfDoc, r.last)
check('diff_update', halfDoc.getText('content').toString())

// heap_after_load_bytes: heap retained by one loaded doc
samples.heap_after_load_bytes = []
for (let i = 0; i < runs; i++) {
  gc(); gc()
  const before = process.memoryUsage().heapUsed
  let doc = load(encoded)
  doc.getText('content')
  gc(); gc()
  samples.heap_after_load_bytes.push(process.memoryUsage().heapUsed - before)
  if (doc.getText('content').length !== endContent.length) fail('heap_after_load: wrong length')
  doc = null
}

const figures = {}
for (const [k, xs] of Object.entries(samples)) {
  figures[k] = k.endsWith('_ms') ? Number(median(xs).toFixed(3)) : Math.round(median(xs))
  if (k === 'encode_state_ms') figures.encoded_bytes = encoded.length
}

const traceName = basename(tracePath).replace(/\.json(\.gz)?$/, '')
const yjsVersion = createRequire(import.meta.url)('yjs/package.json').version

// Readable table on stderr.
const fmt = (k, x) => k.endsWith('_ms') ? x.toFixed(1) : String(Math.round(x))
const rows = Object.entries(samples).map(([k, xs]) =>
  [k, fmt(k, median(xs)), fmt(k, Math.min(...xs)), fmt(k, Math.max(...xs))])
rows.splice(3, 0, ['encoded_bytes', String(encoded.length), '', ''])
const head = ['figure', 'median', 'min', 'max']
const w = head.map((h, c) => Math.max(h.length, ...rows.map(row => row[c].length)))
const line = row => row.map((cell, c) => c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c])).join('  ')
console.error(`yjs ${yjsVersion}, node ${process.version}, ${traceName}: ${txns.length} txns, ` +
  `${updates.length} updates, ${endContent.length} chars, ${runs} run(s)`)
console.error(line(head))
for (const row of rows) console.error(line(row))

console.log(JSON.stringify({
  trace: traceName,
  runs,
  yjs_version: yjsVersion,
  node_version: process.version,
  figures
}))
