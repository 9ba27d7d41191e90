// weft_doc.test.mjs — `weft doc …` against the real yjs: every subcommand's output must equal
// what yjs computes from the same update files, and malformed files must fail with status 1.
// Run: node --test tests/cli/  (WEFT_BIN points at the weft binary; default build/bin/weft).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'

const bin = process.env.WEFT_BIN || 'build/bin/weft'
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-doc-'))

const weft = (...args) => spawnSync(bin, ['doc', ...args], { encoding: 'buffer' })
const write = (name, bytes) => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, bytes)
  return p
}

// Two clients editing concurrently; updates captured per transaction.
const a = new Y.Doc(); a.clientID = 11
const b = new Y.Doc(); b.clientID = 22
const updates = []
a.on('update', u => updates.push(u))
b.on('update', u => updates.push(u))
a.getText('content').insert(0, 'héllo wörld 😀')
b.getText('content').insert(0, 'B says: ')
b.getText('notes').insert(0, 'second text')
Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
a.getText('content').delete(2, 3)
b.getMap('meta').set('lang', 'cpp')
const files = updates.map((u, i) => write(`u${i}.bin`, u))
const full = new Y.Doc()
updates.forEach(u => Y.applyUpdate(full, u))

test('text prints the Y.Text exactly, without a newline', () => {
  const r = weft('text', ...files)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.equal(r.stdout.toString('utf8'), full.getText('content').toString())
  const n = weft('text', '--name', 'notes', ...files)
  assert.equal(n.stdout.toString('utf8'), full.getText('notes').toString())
})

test('sv prints the state vector as JSON', () => {
  const r = weft('sv', ...files)
  assert.equal(r.status, 0, r.stderr.toString())
  const expected = Object.fromEntries([...Y.decodeStateVector(Y.encodeStateVector(full))].map(([c, k]) => [String(c), k]))
  assert.deepEqual(JSON.parse(r.stdout.toString()), expected)
})

test('merge equals Y.mergeUpdates byte for byte', () => {
  const out = path.join(dir, 'merged.bin')
  const r = weft('merge', ...files, '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), Y.mergeUpdates(updates))
})

test('diff equals Y.diffUpdate', () => {
  const merged = Y.mergeUpdates(updates)
  const half = new Y.Doc()
  updates.slice(0, 2).forEach(u => Y.applyUpdate(half, u))
  const sv = Y.encodeStateVector(half)
  const out = path.join(dir, 'diff.bin')
  const r = weft('diff', write('merged-in.bin', merged), '--sv', write('sv.bin', sv), '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), Y.diffUpdate(merged, sv))
})

test('encode equals Y.encodeStateAsUpdate, with and without --sv', () => {
  const out = path.join(dir, 'state.bin')
  let r = weft('encode', ...files, '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), Y.encodeStateAsUpdate(full))
  const sv = Y.encodeStateVector(a)
  r = weft('encode', ...files, '--sv', write('sv-a.bin', sv), '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), Y.encodeStateAsUpdate(full, sv))
})

test('dump lists structs and the delete set', () => {
  const r = weft('dump', ...files)
  assert.equal(r.status, 0, r.stderr.toString())
  const text = r.stdout.toString()
  assert.match(text, /Item 11:0 .*parent "content" string "héllo wörld 😀"/)
  assert.match(text, /delete set:/)
  assert.match(text, /client 11: \[2,5\)/)
})

test('malformed input exits 1 with a message naming the file', () => {
  const bad = write('bad.bin', Buffer.from([1, 5, 11, 0, 4, 200]))
  for (const args of [['text', bad], ['sv', bad], ['merge', bad, files[0], '-o', path.join(dir, 'x')], ['dump', bad]]) {
    const r = weft(...args)
    assert.equal(r.status, 1, `${args[0]} should fail`)
    assert.match(r.stderr.toString(), /bad\.bin/)
  }
  const missing = weft('text', path.join(dir, 'nope.bin'))
  assert.equal(missing.status, 1)
})
