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
import * as encoding from 'lib0/encoding'

const bin = process.env.WEFT_BIN || 'build/bin/weft'
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-doc-'))

const weft = (...args) => spawnSync(bin, ['doc', ...args], { encoding: 'buffer', maxBuffer: 256 << 20 })
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

// ---- updates written by hand, as another implementation may write them ----------------------
// yjs writes the JSON inside embeds, format attributes and ContentJSON with JSON.stringify, and on
// reading runs JSON.parse, so what it encodes again is JSON.stringify(JSON.parse(text)). These
// updates carry JSON texts that yjs itself never writes.

// An item with a root parent and no origins (ref: the content kind, 2 JSON, 5 Embed, 6 Format).
const item = (ref, parent, writeContent, length = 1) => ({ ref, parent, writeContent, length })
const embed = json => item(5, 'content', e => encoding.writeVarString(e, json))
const format = (key, json) => item(6, 'content', e => {
  encoding.writeVarString(e, key)
  encoding.writeVarString(e, json)
})
const jsonContent = texts => item(2, 'arr', e => {
  encoding.writeVarUint(e, texts.length)
  texts.forEach(t => encoding.writeVarString(e, t))
}, texts.length)

// items of one client from `clock`, then the delete set [[client, [[clock, len], …]], …].
const craft = (items, { client = 7, clock = 0, ds = [] } = {}) => {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, items.length > 0 ? 1 : 0)
  if (items.length > 0) {
    encoding.writeVarUint(e, items.length)
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, clock)
    for (const it of items) {
      encoding.writeUint8(e, it.ref)
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, it.parent)
      it.writeContent(e)
    }
  }
  encoding.writeVarUint(e, ds.length)
  for (const [c, ranges] of ds) {
    encoding.writeVarUint(e, c)
    encoding.writeVarUint(e, ranges.length)
    for (const [k, len] of ranges) {
      encoding.writeVarUint(e, k)
      encoding.writeVarUint(e, len)
    }
  }
  return encoding.toUint8Array(e)
}

const yjsApply = (...us) => {
  const d = new Y.Doc()
  us.forEach(u => Y.applyUpdate(d, u))
  return d
}

// JSON texts whose JSON.stringify(JSON.parse(x)) differs from x (and a few that do not).
const jsonTexts = [
  '{ "a" : 1.0 }', '-0', '-0.0', ' [ 1E2 , 0.10, 1e+0, -1.5e-3 ] ', '1e21', '1e20', '123456789012345678901',
  '1e-7', '0.000001', '0.0000001234', '5e-324', '2.5e-324', '1.7976931348623157e308', '1e400', '-1e400', '-1e-400',
  '0.1e1', '100e-2', '9007199254740993', '0.30000000000000004', '1.23456789e-10', '4.35e15', '123e18', '1234e18',
  '"\\u0041\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\\u001f\\u007f\\u00e9\\u2028\\u2029"', '"\u00e9\u2028 raw"',
  '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x\\ud800"', '"\\uD83D\\uDE00\\uDBFF"', '"\\u0000"',
  '{"a":1,"b":2,"a":3}', '{"b":1,"2":2,"1":3,"01":4,"4294967295":5,"4294967294":6,"-1":7,"1.5":8,"0":9}',
  '{"__proto__":{"x":1},"constructor":null}', '{"":{"":[]}}', '\t\n\r {}\n', '[[],{},[{}]]',
  'true', 'false', 'null', '"plain"', '{"nested":{"deep":[1,{"k":"v"}]},"z":-0}',
]

test('encode re-encodes the JSON of embeds, formats and ContentJSON exactly as yjs does', () => {
  const u = craft([
    ...jsonTexts.map(embed),
    ...jsonTexts.map((t, i) => format(`k${i}`, t)),
    jsonContent([...jsonTexts, 'undefined']),
  ])
  const expected = Y.encodeStateAsUpdate(yjsApply(u))
  const out = path.join(dir, 'json-state.bin')
  const r = weft('encode', write('json.bin', u), '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), expected)
})

test('merge and diff re-encode the JSON as Y.mergeUpdates and Y.diffUpdate do', () => {
  const u1 = craft(jsonTexts.map(embed))
  const u2 = craft(jsonTexts.map((t, i) => format(`k${i}`, t)), { clock: jsonTexts.length })
  const f1 = write('json1.bin', u1)
  const f2 = write('json2.bin', u2)
  const out = path.join(dir, 'json-merged.bin')
  let r = weft('merge', f1, f2, '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), Y.mergeUpdates([u1, u2]))
  const sv = write('sv-empty-doc.bin', Y.encodeStateVector(new Y.Doc()))
  r = weft('diff', f1, '--sv', sv, '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), Y.diffUpdate(u1, Y.encodeStateVector(new Y.Doc())))
})

test('a zero-length delete range that yjs cannot apply is refused as malformed', () => {
  const unknown = craft([], { ds: [[99, [[5, 0]]]] })
  assert.throws(() => yjsApply(unknown))
  const f = write('zero-unknown.bin', unknown)
  for (const args of [['text', f], ['sv', f], ['encode', f, '-o', path.join(dir, 'x')]]) {
    const r = weft(...args)
    assert.equal(r.status, 1, `${args[0]} should fail`)
    assert.match(r.stderr.toString(), /zero-unknown\.bin: malformed update/)
  }
  // Beyond a known client's state: yjs cannot apply it either.
  const known = craft([embed('1')], { client: 99 })
  const beyond = craft([], { ds: [[99, [[1, 0]]]] })
  assert.throws(() => yjsApply(known, beyond))
  const r = weft('encode', write('zero-known.bin', known), write('zero-beyond.bin', beyond), '-o', path.join(dir, 'x'))
  assert.equal(r.status, 1)
  assert.match(r.stderr.toString(), /zero-beyond\.bin: malformed update/)
  // Inside a known client's state it deletes nothing, in yjs as in weft.
  const inside = craft([], { ds: [[99, [[0, 0]]]] })
  const expected = Y.encodeStateAsUpdate(yjsApply(known, inside))
  const out = path.join(dir, 'zero-inside-state.bin')
  const ok = weft('encode', write('zero-known2.bin', known), write('zero-inside.bin', inside), '-o', out)
  assert.equal(ok.status, 0, ok.stderr.toString())
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), expected)
})

test('a bad or empty --sv file is named in the message', () => {
  const update = write('sv-test-update.bin', Y.encodeStateAsUpdate(full))
  const bad = write('bad-sv.bin', Buffer.from([0xff]))
  const empty = write('empty-sv.bin', Buffer.alloc(0))
  assert.throws(() => Y.encodeStateAsUpdate(full, new Uint8Array(0)))
  assert.throws(() => Y.diffUpdate(Y.encodeStateAsUpdate(full), new Uint8Array(0)))
  for (const sv of [bad, empty]) {
    for (const cmd of ['diff', 'encode']) {
      const r = weft(cmd, update, '--sv', sv, '-o', path.join(dir, 'x'))
      assert.equal(r.status, 1, `${cmd} --sv ${path.basename(sv)} should fail`)
      const msg = r.stderr.toString()
      assert.match(msg, new RegExp(`${path.basename(sv)}: malformed state vector`), `${cmd}: ${msg}`)
      assert.doesNotMatch(msg, /sv-test-update\.bin/, `${cmd}: ${msg}`)
    }
  }
})

test('a directory or an unreadable path gets a plain message', () => {
  const sub = path.join(dir, 'a-directory')
  fs.mkdirSync(sub, { recursive: true })
  const unreadable = path.join(files[0], 'inside-a-file')  // ENOTDIR, whoever runs the test
  const update = files[0]
  const cases = [
    [['text', sub], `${sub}: is a directory`],
    [['dump', sub], `${sub}: is a directory`],
    [['merge', sub, update, '-o', path.join(dir, 'x')], `${sub}: is a directory`],
    [['diff', update, '--sv', sub, '-o', path.join(dir, 'x')], `${sub}: is a directory`],
    [['encode', update, '--sv', sub, '-o', path.join(dir, 'x')], `${sub}: is a directory`],
    [['encode', update, '-o', sub], `${sub}: is a directory`],
    [['text', unreadable], `${unreadable}: cannot read`],
    [['sv', path.join(dir, 'no-such-file.bin')], `${path.join(dir, 'no-such-file.bin')}: cannot read`],
    [['diff', update, '--sv', unreadable, '-o', path.join(dir, 'x')], `${unreadable}: cannot read`],
  ]
  if (process.getuid && process.getuid() !== 0) {
    const locked = write('locked.bin', Buffer.from([0, 0]))
    fs.chmodSync(locked, 0)
    cases.push([['text', locked], `${locked}: cannot read`])
  }
  for (const [args, message] of cases) {
    const r = weft(...args)
    assert.equal(r.status, 1, `${args.join(' ')} should fail`)
    assert.ok(r.stderr.toString().startsWith(`weft doc: ${message}`), `${args.join(' ')}: ${r.stderr}`)
  }
})

// Seeded generator of JSON texts in the many spellings JSON.parse accepts (mulberry32).
const generateJsonTexts = (seed, count) => {
  let s = seed >>> 0
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = n => Math.floor(rand() * n)
  const pick = xs => xs[int(xs.length)]
  const digits = n => Array.from({ length: n }, () => int(10)).join('')
  const randomDouble = () => {
    const view = new DataView(new ArrayBuffer(8))
    view.setUint32(0, int(2 ** 32))
    view.setUint32(4, int(2 ** 32))
    const d = view.getFloat64(0)
    return Number.isFinite(d) ? d : 1.5
  }
  const number = () => {
    switch (int(9)) {
      case 0: return String(randomDouble())
      case 1: return randomDouble().toExponential(int(21)).replace('e', pick(['e', 'E']))
      case 2: return (rand() * 10 ** (int(40) - 20)).toPrecision(1 + int(21))
      case 3: return (int(2) ? '-' : '') + (int(9) + 1) + digits(int(40))
      case 4: return `${int(2) ? '-' : ''}0.${'0'.repeat(int(12))}${int(9) + 1}${digits(int(20))}`
      case 5: return `${int(9) + 1}${int(2) ? '.' + digits(1 + int(20)) : ''}e${pick(['', '+', '-'])}${int(340)}`
      case 6: return String(int(2 ** 31) * pick([1, -1])) + pick(['', '.0', '.000', 'e0', 'E+00'])
      case 7: return pick(['-0', '0', '-0.0', '0e5', '5e-324', '2.4e-324', '1e308', '1.8e308', '4.9e-324', '1e21', '1e-7', '999999999999999999999'])
      default: return String(int(1000) / pick([1, 10, 100, 1000, 3, 7]))
    }
  }
  const stringText = () => {
    let out = '"'
    for (let n = int(8); n > 0; n--) {
      switch (int(6)) {
        case 0: out += '\\u' + int(0x10000).toString(16).padStart(4, '0').replace(/[a-f]/g, c => int(2) ? c : c.toUpperCase()); break
        case 1: out += '\\u' + (0xd800 + int(0x800)).toString(16); break
        case 2: out += pick(['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t']); break
        case 3: out += pick(['a', 'Z', ' ', '~', '\x7f', 'é', '\u2028', '😀', '中', "'"]); break
        case 4: out += '\\u00' + int(0x20).toString(16).padStart(2, '0'); break
        default: out += String.fromCharCode(0x20 + int(0x5f)).replace(/["\\]/, 'x')
      }
    }
    return out + '"'
  }
  const keys = ['"a"', '"b"', '"\\u0061"', '"0"', '"1"', '"10"', '"01"', '"-1"', '"4294967294"', '"4294967295"', '"1.5"', '""', '"__proto__"']
  const ws = () => pick(['', '', ' ', '\n', '\t', ' \r\n '])
  const value = depth => {
    const r = int(depth > 3 ? 5 : 8)
    if (r < 2) return number()
    if (r < 4) return stringText()
    if (r === 4) return pick(['true', 'false', 'null'])
    if (r === 5) return `[${ws()}${Array.from({ length: int(4) }, () => ws() + value(depth + 1) + ws()).join(',')}]`
    return `{${ws()}${Array.from({ length: int(5) }, () => `${ws()}${int(2) ? pick(keys) : stringText()}${ws()}:${ws()}${value(depth + 1)}${ws()}`).join(',')}}`
  }
  const texts = []
  while (texts.length < count) {
    const t = ws() + value(0) + ws()
    JSON.parse(t)  // every generated text is valid JSON
    texts.push(t)
  }
  return texts
}

test('canonical JSON equals JSON.stringify(JSON.parse(x)) over generated texts, bytes equal yjs', () => {
  // WEFT_JSON_SEED / WEFT_JSON_COUNT: try other texts (the default run is seed 12, 3000 texts).
  const texts = generateJsonTexts(Number(process.env.WEFT_JSON_SEED || 12), Number(process.env.WEFT_JSON_COUNT || 3000))
  const u = craft([...texts.map(embed), jsonContent(texts)])
  const f = write('generated-json.bin', u)
  const dumped = weft('dump', f)
  assert.equal(dumped.status, 0, dumped.stderr.toString())
  const embeds = dumped.stdout.toString('utf8').split('\n').filter(l => / embed /.test(l)).map(l => l.slice(l.indexOf(' embed ') + 7))
  assert.equal(embeds.length, texts.length)
  texts.forEach((t, i) => assert.equal(embeds[i], JSON.stringify(JSON.parse(t)), `text ${JSON.stringify(t)}`))
  const out = path.join(dir, 'generated-state.bin')
  const r = weft('encode', f, '-o', out)
  assert.equal(r.status, 0, r.stderr.toString())
  assert.ok(Buffer.from(fs.readFileSync(out)).equals(Buffer.from(Y.encodeStateAsUpdate(yjsApply(u)))), 'encode differs from yjs')
})
