// Differential test: the real `yjs` package against Weft's C++ CRDT engine.
//
// Each session builds a small random collaboration in yjs (2–5 Y.Docs with explicit client ids,
// random edits on Y.Text 'content'/'other', Y.Map 'map', Y.Array 'array' and nested types, synced
// at random moments in order, shuffled, duplicated or with updates withheld), records every update,
// and then asks the C++ oracle (build/bin/crdt-oracle, a long-lived child process speaking
// newline-delimited JSON over stdin/stdout) to do the same things yjs does: apply update lists in
// odd orders, encode state (optionally against a target state vector), merge, diff, derive a state
// vector from an update, make local text edits, and survive malformed input. Every answer is checked
// against yjs; content disagreements and byte disagreements of merge/diff/sv_from_update are
// failures, byte disagreements of state encodings and local updates are counted (failures with
// --strict-bytes).
//
// A session is a pure function of its 32-bit seed (own PRNG, never Math.random), so any failure is
// reproduced with `--session SEED`. Requests are pipelined: several sessions are in flight at once
// and the oracle answers in request order.
//
// Usage: node tests/crdt/differential.mjs [--oracle PATH] [--sessions N] [--seed S] [--session SEED]
//        [--strict-bytes] [--verbose] [--max-print N] [--repro-dir DIR] [--timeout SEC] [--inflight N]
// --repro-dir writes the request, the yjs expectation and the answer of every failure (and of
// byte/malformed warnings) as JSON; soak.sh runs this with many sessions and a random seed.
// The oracle defaults to $WEFT_CRDT_ORACLE, then build/bin/crdt-oracle. A PATH ending in .js/.mjs
// is run with node (tests/crdt/yjs-oracle.mjs is yjs behind the same protocol: a self-test of
// this harness, it must agree byte for byte).

import * as Y from 'yjs'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..')

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs (argv) {
  const opts = {
    oracle: process.env.WEFT_CRDT_ORACLE || path.join(repoRoot, 'build', 'bin', 'crdt-oracle'),
    sessions: 1000,
    seed: 1,
    session: null,
    strictBytes: false,
    verbose: false,
    maxPrint: 10,
    reproDir: null,
    timeout: 30,
    inflight: 6
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) usage(`missing value for ${a}`)
      return argv[++i]
    }
    switch (a) {
      case '--oracle': opts.oracle = next(); break
      case '--sessions': opts.sessions = parseInt(next(), 10); break
      case '--seed': opts.seed = parseSeed(next()); break
      case '--session': opts.session = parseSeed(next()); break
      case '--strict-bytes': opts.strictBytes = true; break
      case '--verbose': case '-v': opts.verbose = true; break
      case '--max-print': opts.maxPrint = parseInt(next(), 10); break
      case '--repro-dir': opts.reproDir = next(); break
      case '--timeout': opts.timeout = parseFloat(next()); break
      case '--inflight': opts.inflight = Math.max(1, parseInt(next(), 10)); break
      case '--help': case '-h': usage(null); break
      default: usage(`unknown argument ${a}`)
    }
  }
  if (!Number.isFinite(opts.sessions) || opts.sessions < 0) usage('--sessions must be a number')
  return opts
}

function parseSeed (s) {
  const n = Number(s)
  if (!Number.isInteger(n)) usage(`bad seed ${s}`)
  return n >>> 0
}

function usage (err) {
  if (err) console.error(`differential: ${err}`)
  console.error('usage: node tests/crdt/differential.mjs [--oracle PATH] [--sessions N] [--seed S]\n' +
    '         [--session SEED] [--strict-bytes] [--verbose] [--max-print N] [--repro-dir DIR]\n' +
    '         [--timeout SEC] [--inflight N]')
  process.exit(err ? 2 : 0)
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

function mulberry32 (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function mix32 (x) {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

const sessionSeed = (base, i) => mix32((base >>> 0) ^ mix32(Math.imul(i + 1, 0x9E3779B1) >>> 0))

class Rng {
  constructor (seed) { this.next = mulberry32(seed) }
  float () { return this.next() }
  int (lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)) } // inclusive
  uint32 () { return Math.floor(this.next() * 4294967296) >>> 0 }
  chance (p) { return this.next() < p }
  pick (arr) { return arr[Math.floor(this.next() * arr.length)] }
  shuffle (arr) {
    const a = arr.slice()
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const t = a[i]; a[i] = a[j]; a[j] = t
    }
    return a
  }
  subset (arr, p) { return arr.filter(() => this.next() < p) }
}

// ---------------------------------------------------------------------------------------------
// Values: normalization and comparison

const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64')
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'))
const wellFormed = (s) => (typeof s === 'string' ? s.toWellFormed() : s)

function jsonReplacer (_key, v) {
  if (v instanceof Uint8Array) return Array.from(v)
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string') return v.toWellFormed()
  return v
}

/** yjs value -> what a JSON round trip of it gives (Uint8Array -> numbers, BigInt -> Number, …). */
const normalize = (v) => (v === undefined ? null : JSON.parse(JSON.stringify(v, jsonReplacer)))

function bytesEqual (a, b) {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function show (v, max = 240) {
  let s
  if (v instanceof Uint8Array) s = `<${v.length} bytes> ${Buffer.from(v).toString('hex')}`
  else if (v === undefined) s = 'undefined'
  else s = JSON.stringify(v, jsonReplacer)
  return s.length > max ? s.slice(0, max) + `… (${s.length} chars)` : s
}

function describeStringDiff (a, b) {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const ctx = (s) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 40))
  return `lengths ${a.length}/${b.length}, first difference at index ${i}: yjs ${ctx(a)} oracle ${ctx(b)}`
}

/** Deep, key-order-insensitive comparison; pushes up to `limit` {path, yjs, oracle, note}. */
function diffValues (a, b, p, out, limit = 6) {
  if (out.length >= limit) return
  if (a === b) return
  if (typeof a === 'string' && typeof b === 'string') {
    out.push({ path: p, note: describeStringDiff(a, b) })
    return
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push({ path: `${p}.length`, yjs: a.length, oracle: b.length })
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffValues(a[i], b[i], `${p}[${i}]`, out, limit)
    return
  }
  const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x)
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    for (const k of keys) {
      if (out.length >= limit) return
      if (!(k in b)) out.push({ path: `${p}.${k}`, yjs: a[k], oracle: '<missing>' })
      else if (!(k in a)) out.push({ path: `${p}.${k}`, yjs: '<missing>', oracle: b[k] })
      else diffValues(a[k], b[k], `${p}.${k}`, out, limit)
    }
    return
  }
  out.push({ path: p, yjs: a, oracle: b })
}

function firstByteDiff (a, b) {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const hex = (u, at) => Buffer.from(u.subarray(Math.max(0, at - 8), at + 16)).toString('hex')
  return `lengths yjs ${a.length} / oracle ${b.length}, first difference at byte ${i} ` +
    `(yjs …${hex(a, i)}… oracle …${hex(b, i)}…)`
}

// ---------------------------------------------------------------------------------------------
// Reading yjs docs

const TEXTS = ['content', 'other']
const REMOTE = 'remote'

function svObject (doc) {
  const out = {}
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) out[String(client)] = clock
  return out
}

/** Deleted ranges of the struct store, client -> [[clock, len], …], adjacent ranges merged. */
function deletedRanges (doc) {
  const out = {}
  for (const [client, structs] of doc.store.clients) {
    const ranges = []
    for (const s of structs) {
      if (!s.deleted) continue
      const last = ranges[ranges.length - 1]
      if (last && last[0] + last[1] === s.id.clock) last[1] += s.length
      else ranges.push([s.id.clock, s.length])
    }
    if (ranges.length > 0) out[String(client)] = ranges
  }
  return out
}

/** What we compare of a doc: texts, map/array JSON, state vector (and optionally deletions). */
function contentOf (doc, withDeletes = true) {
  const c = {
    texts: Object.fromEntries(TEXTS.map((t) => [t, wellFormed(doc.getText(t).toString())])),
    map: normalize(doc.getMap('map').toJSON()),
    array: normalize(doc.getArray('array').toJSON()),
    sv: svObject(doc)
  }
  if (withDeletes) c.deleted = deletedRanges(doc)
  return c
}

function oracleContent (resp) {
  const texts = {}
  for (const t of TEXTS) texts[t] = wellFormed(resp.texts?.[t])
  return { texts, map: resp.maps?.map, array: resp.arrays?.array, sv: resp.sv }
}

function docFrom (updates) {
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, u, REMOTE)
  return doc
}

// ---------------------------------------------------------------------------------------------
// The oracle process

class Oracle {
  constructor (opts) {
    this.opts = opts
    this.nextId = 1
    this.queue = [] // requests sent and not answered, in send order
    this.restarts = 0
    this.requests = 0
    this.protocolErrors = []
    this.lastProgress = Date.now()
    this.start()
    this.watchdog = setInterval(() => this.checkHang(), 500)
  }

  start () {
    const p = this.opts.oracle
    const isJs = /\.(m?js|cjs)$/.test(p)
    const proc = spawn(isJs ? process.execPath : p, isJs ? [p] : [], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.proc = proc
    this.stderrTail = ''
    proc.stderr.on('data', (d) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000)
      if (this.opts.verbose) process.stderr.write(`[oracle stderr] ${d}`)
    })
    proc.stdin.on('error', () => {}) // EPIPE when it dies; handled by 'exit'
    proc.on('error', (e) => {
      console.error(`differential: cannot run oracle ${p}: ${e.message}`)
      process.exit(2)
    })
    createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (line) => {
      if (proc === this.proc) this.onLine(line)
    })
    // 'close' (not 'exit'): every answer it wrote has been read by then
    proc.on('close', (code, signal) => {
      if (proc === this.proc && !this.closing) this.onDeath(`oracle died (exit code ${code}, signal ${signal})`)
    })
    for (const r of this.queue) proc.stdin.write(r.line) // resend what the previous process lost
    this.lastProgress = Date.now()
  }

  request (obj) {
    const id = this.nextId++
    const line = JSON.stringify({ id, ...obj }) + '\n'
    this.requests++
    return new Promise((resolve) => {
      if (this.queue.length === 0) this.lastProgress = Date.now()
      this.queue.push({ id, line, resolve })
      this.proc.stdin.write(line)
    })
  }

  onLine (line) {
    this.lastProgress = Date.now()
    let msg
    try {
      msg = JSON.parse(line)
    } catch (e) {
      const r = this.queue.shift()
      if (r) r.resolve({ ok: false, transport: `unparseable response line: ${line.slice(0, 200)}` })
      return
    }
    const head = this.queue[0]
    if (!head) {
      this.protocolErrors.push(`response with no request outstanding: ${line.slice(0, 200)}`)
      return
    }
    if (msg.id !== head.id) {
      // answers come in request order, so the requests before this one will never be answered
      const i = this.queue.findIndex((r) => r.id === msg.id)
      this.protocolErrors.push(i < 0
        ? `response with unknown id ${show(msg.id)} while ${head.id} was expected: ${line.slice(0, 200)}`
        : `response id ${msg.id} while ${head.id} was expected (requests skipped or answered out of order)`)
      if (i < 0) return
      for (const r of this.queue.splice(0, i)) r.resolve({ ok: false, transport: `no answer (the oracle answered request ${msg.id} instead)` })
    }
    this.queue.shift().resolve(msg)
  }

  // The oracle reads requests one by one, so the oldest unanswered request is the culprit; the
  // others are resent to a fresh process.
  onDeath (why) {
    const culprit = this.queue.shift()
    const tail = this.stderrTail.trim().split('\n').slice(-5).join(' | ')
    if (++this.restarts > 100) {
      console.error(`differential: oracle restarted more than 100 times; giving up (${why}; stderr: ${tail})`)
      process.exit(1)
    }
    if (culprit) culprit.resolve({ ok: false, transport: `${why}; stderr: ${tail}` })
    this.start()
  }

  checkHang () {
    if (this.queue.length === 0) return
    if (Date.now() - this.lastProgress > this.opts.timeout * 1000) {
      const old = this.proc
      this.proc = null // ignore its exit
      old.kill('SIGKILL')
      this.onDeath(`oracle did not answer within ${this.opts.timeout}s (hang)`)
    }
  }

  async close () {
    clearInterval(this.watchdog)
    this.closing = true
    const proc = this.proc
    await new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
      const t = setTimeout(() => { proc.kill('SIGKILL') }, 5000)
      proc.on('exit', () => { clearTimeout(t); resolve() })
      proc.stdin.end()
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Random content

const ASCII = 'abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789 \n\t{}();=.,"\'\\/'
const MULTI = ['é', '€', 'ü', 'ß', '中', '文', 'Ω', 'ñ', 'ё', '𝄞', '漢字']
const EMOJI = ['😀', '👍🏽', '👨‍👩‍👧', '🎉', '🇩🇪', '❤️', '🙈', '🧑🏿‍💻']
const RARE = ['\u0000', '\u001f', '\u007f', '\u2028', '\ufeff', '\ufffd']

function genText (R, allowLong = true) {
  const r = R.float()
  if (allowLong && r < 0.02) return genChars(R, R.int(100, 2000), true)
  if (r < 0.45) return genChars(R, R.int(1, 8), false)
  if (r < 0.6) {
    let s = ''
    for (let i = R.int(1, 3); i > 0; i--) s += R.pick(MULTI)
    return s
  }
  if (r < 0.75) {
    let s = ''
    for (let i = R.int(1, 3); i > 0; i--) s += R.pick(EMOJI)
    return s
  }
  return genChars(R, R.int(1, 12), true)
}

function genChars (R, n, mixed) {
  let s = ''
  while (s.length < n) {
    const r = R.float()
    if (!mixed || r < 0.7) s += ASCII[R.int(0, ASCII.length - 1)]
    else if (r < 0.85) s += R.pick(MULTI)
    else if (r < 0.99) s += R.pick(EMOJI)
    else s += R.pick(RARE)
  }
  return s
}

const NUMBERS = [0, -0, 1, -1, 42, -100, 127, 128, 255, 256, 65535, 2 ** 31 - 1, -(2 ** 31 - 1), 2 ** 31,
  -(2 ** 31), 2 ** 32, 2 ** 32 - 1, 2 ** 40, -(2 ** 40), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1.5,
  -2.75, 0.1, 1 / 3, Math.PI, 1e-7, 5e-324, 1.7976931348623157e308, 3.4028234663852886e38, 16777217,
  123456789.125, -0.5, 1e100, 0.30000000000000004]
const BIGINTS = [0n, 1n, -1n, 2n ** 40n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n]
const KEYS = ['a', 'b', 'c', 'key', 'x', 'ключ', '😀', 'é', '', '1', '10', '2', 'long key with spaces']

function genNumber (R) {
  const r = R.float()
  if (r < 0.4) return R.int(-1000, 1000)
  if (r < 0.7) return R.pick(NUMBERS)
  if (r < 0.85) return (R.float() - 0.5) * 10 ** R.int(-5, 15)
  return R.int(-(2 ** 31), 2 ** 31) * (R.chance(0.5) ? 1 : 2 ** R.int(1, 22))
}

function genBinary (R) {
  const a = new Uint8Array(R.int(0, 20))
  for (let i = 0; i < a.length; i++) a[i] = R.int(0, 255)
  return a
}

/** A JSON-ish value. `inAny` allows undefined and BigInt (fine inside ContentAny objects/maps). */
function genValue (R, depth, inAny) {
  const r = R.float()
  if (r < 0.3) return genNumber(R)
  if (r < 0.5) return genText(R, false)
  if (r < 0.58) return R.chance(0.5)
  if (r < 0.63) return null
  if (r < 0.7) return genBinary(R)
  if (r < 0.73 && inAny) return R.chance(0.5) ? undefined : R.pick(BIGINTS)
  if (r < 0.87 && depth < 3) {
    const o = {}
    for (let i = R.int(0, 4); i > 0; i--) o[R.pick(KEYS)] = genValue(R, depth + 1, true)
    return o
  }
  if (depth < 3) {
    const a = []
    for (let i = R.int(0, 4); i > 0; i--) a.push(genValue(R, depth + 1, false))
    return a
  }
  return R.int(-5, 5)
}

/** A fresh shared type, sometimes with preliminary content (edited before it is integrated). */
function genType (R) {
  const k = R.int(0, 2)
  if (k === 0) {
    const t = new Y.Text()
    if (R.chance(0.3)) t.insert(0, genText(R, false))
    return t
  }
  if (k === 1) {
    const m = new Y.Map()
    if (R.chance(0.3)) m.set(R.pick(KEYS), genValue(R, 2, true))
    return m
  }
  const a = new Y.Array()
  if (R.chance(0.3)) a.insert(0, [genValue(R, 2, false)])
  return a
}

/** Live shared types reachable from the roots, with their nesting depth. */
function collectTypes (doc, useOther) {
  const out = [
    { t: doc.getText('content'), kind: 'text', depth: 0, w: 6 },
    { t: doc.getMap('map'), kind: 'map', depth: 0, w: 3 },
    { t: doc.getArray('array'), kind: 'array', depth: 0, w: 3 }
  ]
  if (useOther) out.push({ t: doc.getText('other'), kind: 'text', depth: 0, w: 1 })
  const walk = (v, depth) => {
    if (v instanceof Y.Text) out.push({ t: v, kind: 'text', depth, w: 1 })
    else if (v instanceof Y.Map) { out.push({ t: v, kind: 'map', depth, w: 1 }); for (const x of v.values()) walk(x, depth + 1) } else if (v instanceof Y.Array) { out.push({ t: v, kind: 'array', depth, w: 1 }); for (const x of v.toArray()) walk(x, depth + 1) }
  }
  for (const x of doc.getMap('map').values()) walk(x, 1)
  for (const x of doc.getArray('array').toArray()) walk(x, 1)
  return out
}

function pickWeighted (R, items) {
  let total = 0
  for (const it of items) total += it.w
  let x = R.float() * total
  for (const it of items) { x -= it.w; if (x < 0) return it }
  return items[items.length - 1]
}

/** A UTF-16 position in `s`; mostly on code point boundaries, rarely inside a surrogate pair. */
function textPos (R, s, lo, hi) {
  let p = R.int(lo, hi)
  if (R.chance(0.95) && p > lo && p < s.length) {
    const c = s.charCodeAt(p)
    if (c >= 0xdc00 && c <= 0xdfff) p--
  }
  return p
}

/** One random text op against the string `s`: ['insert', pos, str] or ['delete', pos, len]. */
function genTextOp (R, s, allowLong = true) {
  if (s.length === 0 || R.chance(0.6)) return ['insert', textPos(R, s, 0, s.length), genText(R, allowLong)]
  const pos = textPos(R, s, 0, s.length - 1)
  const room = s.length - pos
  let len = R.chance(0.1) ? R.int(1, room) : R.int(1, Math.min(8, room))
  if (R.chance(0.95) && pos + len < s.length) {
    const c = s.charCodeAt(pos + len)
    if (c >= 0xdc00 && c <= 0xdfff) len++
  }
  return ['delete', pos, len]
}

function applyTextOp (text, op) {
  if (op[0] === 'insert') text.insert(op[1], op[2])
  else text.delete(op[1], op[2])
}

function randomOp (R, doc, useOther) {
  const target = pickWeighted(R, collectTypes(doc, useOther))
  const t = target.t
  const canNest = target.depth < 3
  if (target.kind === 'text') {
    applyTextOp(t, genTextOp(R, t.toString()))
  } else if (target.kind === 'map') {
    const r = R.float()
    const keys = [...t.keys()]
    if (r < 0.55) t.set(R.pick(KEYS), genValue(R, 0, true))
    else if (r < 0.7 && canNest) t.set(R.pick(KEYS), genType(R))
    else if (r < 0.9 && keys.length > 0) t.delete(R.pick(keys))
    else t.set(R.pick(KEYS), genBinary(R))
  } else {
    const r = R.float()
    const len = t.length
    if (r < 0.35) {
      const vals = []
      for (let i = R.int(1, 3); i > 0; i--) vals.push(genValue(R, 0, false))
      t.insert(R.int(0, len), vals)
    } else if (r < 0.5) {
      t.push([genValue(R, 0, false)])
    } else if (r < 0.65 && canNest) {
      const vals = [genType(R)]
      if (R.chance(0.3)) vals.push(genValue(R, 0, false))
      t.insert(R.int(0, len), vals)
    } else if (len > 0) {
      const pos = R.int(0, len - 1)
      t.delete(pos, R.chance(0.2) ? R.int(1, len - pos) : R.int(1, Math.min(3, len - pos)))
    } else {
      t.insert(0, [genValue(R, 0, false)])
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A session: the yjs side of the collaboration

function genClientIds (R, n) {
  const ids = new Set()
  while (ids.size < n) {
    const r = R.float()
    if (r < 0.35) ids.add(R.int(0, 20))
    else if (r < 0.55) ids.add(R.pick([2 ** 32 - 1, 2 ** 32 - 2, 2 ** 31, 2 ** 31 - 1, 2 ** 30, 65535, 65536]))
    else ids.add(R.uint32())
  }
  return [...ids]
}

function buildSession (seed) {
  const R = new Rng(seed)
  const n = R.int(2, 5)
  const ids = genClientIds(R, n)
  const useOther = R.chance(0.3)
  const docs = ids.map((id) => {
    const d = new Y.Doc()
    d.clientID = id
    return d
  })
  const log = [] // { author, u } — every local update, in the order they were made
  const extra = [] // updates made by syncing (state diffs, merged batches)
  const snapshots = [] // { client, state, sv } — a client's doc at some moment
  const history = docs.map(() => []) // every update each doc applied or made, in order
  docs.forEach((d, i) => d.on('update', (u, origin) => { if (origin !== REMOTE) { log.push({ author: i, u }); history[i].push(u) } }))
  const receive = (r, u) => {
    history[r].push(u)
    Y.applyUpdate(docs[r], u, REMOTE)
  }
  const received = docs.map(() => new Set())

  const deliver = (r, idxs) => {
    for (const k of idxs) {
      receive(r, log[k].u)
      received[r].add(k)
    }
  }
  const missingFor = (r) => log.map((_, k) => k).filter((k) => log[k].author !== r && !received[r].has(k))
  const snapshot = (c) => snapshots.push({ client: c, state: Y.encodeStateAsUpdate(docs[c]), sv: Y.encodeStateVector(docs[c]) })

  const schedule = []
  ids.forEach((_, i) => { for (let k = R.int(1, 30); k > 0; k--) schedule.push(i) })
  for (const c of R.shuffle(schedule)) {
    docs[c].transact(() => { for (let k = R.int(1, 4); k > 0; k--) randomOp(R, docs[c], useOther) })
    if (R.chance(0.2)) {
      const r = R.int(0, n - 1)
      const kind = R.float()
      if (kind < 0.6) {
        // push updates the receiver lacks: in order, shuffled, a subset (others withheld), duplicates
        let idxs = missingFor(r)
        const mode = R.int(0, 3)
        if (mode === 1) idxs = R.shuffle(idxs)
        if (mode === 2) idxs = R.shuffle(R.subset(idxs, 0.5))
        if (mode === 3) idxs = R.shuffle([...idxs, ...R.subset([...received[r]], 0.3), ...R.subset(idxs, 0.3)])
        deliver(r, idxs)
      } else if (kind < 0.85) {
        // sync step 2 from another client: its state minus what the receiver has
        const s = (r + R.int(1, n - 1)) % n
        const u = Y.encodeStateAsUpdate(docs[s], Y.encodeStateVector(docs[r]))
        extra.push(u)
        receive(r, u)
      } else {
        // a merged batch of some missing updates, like a server relaying a compacted log
        const idxs = R.subset(missingFor(r), 0.6)
        if (idxs.length > 0) {
          const u = Y.mergeUpdates(idxs.map((k) => log[k].u))
          extra.push(u)
          receive(r, u)
          idxs.forEach((k) => received[r].add(k))
        }
      }
    }
    if (R.chance(0.06)) snapshot(R.int(0, n - 1))
  }
  snapshot(R.int(0, n - 1))

  // Deliver everything to everyone; the yjs docs must converge (a sanity check of this harness).
  for (let r = 0; r < n; r++) {
    deliver(r, R.shuffle(missingFor(r)))
    // yjs only retries pending structs when a state vector entry passes the recorded `missing`
    // clock, so a doc can stay stuck with everything delivered (the oracle reproduces this);
    // delivering the log once more unsticks it.
    for (let round = 0; round < 3 && docs[r].store.pendingStructs; round++) {
      deliver(r, R.shuffle(log.map((_, k) => k).filter((k) => log[k].author !== r)))
    }
  }
  const finalSnapshots = docs.map((d) => ({ state: Y.encodeStateAsUpdate(d), sv: Y.encodeStateVector(d) }))
  const harnessErrors = []
  const final = contentOf(docs[0])
  for (let r = 0; r < n; r++) {
    if (docs[r].store.pendingStructs || docs[r].store.pendingDs) harnessErrors.push(`yjs doc ${r} still has pending updates`)
    const d = []
    diffValues(final, contentOf(docs[r]), 'doc', d)
    if (d.length) harnessErrors.push(`yjs docs 0 and ${r} differ: ${d.map((x) => fmtDiff(x)).join('; ')}`)
  }
  const updates = log.map((e) => e.u)
  return { seed, R, ids, docs, history, useOther, updates, extra, snapshots, finalSnapshots, final, allMerged: Y.mergeUpdates(updates), harnessErrors }
}

// ---------------------------------------------------------------------------------------------
// Checks: each plans requests (computing the yjs expectation now) and judges the answer later

class Stats {
  constructor () {
    this.sessions = 0
    this.checks = 0
    this.failures = []
    this.failureCount = 0
    this.warnings = {}
    this.warningExamples = {} // kind -> first message
    this.bytes = {} // kind -> [equal, total]
    this.malformed = { sent: 0, yjsRejected: 0, oracleRejected: 0 }
  }

  byteResult (kind, equal) {
    this.checks++
    const b = this.bytes[kind] || (this.bytes[kind] = [0, 0])
    b[1]++
    if (equal) b[0]++
  }

  warn (kind, msg, opts) {
    this.warnings[kind] = (this.warnings[kind] || 0) + 1
    if (!this.warningExamples[kind]) this.warningExamples[kind] = msg
    if (opts.verbose) console.log(`warning [${kind}] ${msg}`)
  }
}

function fmtDiff (d, a = 'yjs', b = 'oracle') {
  if (d.note) return `${d.path}: ${a === 'yjs' ? d.note : d.note.replace(/\byjs\b/g, a).replace(/\boracle\b/g, b)}`
  return `${d.path}: ${a} ${show(d.yjs)} ${b} ${show(d.oracle)}`
}

class SessionRun {
  constructor (sess, oracle, stats, opts) {
    this.sess = sess
    this.oracle = oracle
    this.stats = stats
    this.opts = opts
    this.pending = []
    this.step = 0
  }

  fail (step, what, details, repro) {
    const s = this.stats
    s.failureCount++
    const f = { seed: this.sess.seed, step, what, details: details || [] }
    if (s.failures.length < this.opts.maxPrint) s.failures.push(f)
    if (this.opts.verbose) printFailure(f)
    if (this.opts.reproDir && repro) this.writeRepro('fail', step, what, f.details, repro)
  }

  /** Counts a warning; with --repro-dir also writes what reproduces it. */
  warn (kind, step, msg, repro) {
    this.stats.warn(kind, `seed ${this.sess.seed} ${step}: ${msg}`, this.opts)
    if (this.opts.reproDir && repro) this.writeRepro(`warning-${kind}`, step, msg, [], repro)
  }

  writeRepro (prefix, step, what, details, repro) {
    fs.mkdirSync(this.opts.reproDir, { recursive: true })
    const file = path.join(this.opts.reproDir, `${prefix}-${this.sess.seed}-${step.replace(/[^a-z0-9#_-]+/gi, '_')}.json`)
    fs.writeFileSync(file, JSON.stringify({ seed: this.sess.seed, step, what, details: details.map((x) => fmtDiff(x)), ...repro }, jsonReplacer, 2))
  }

  /** Sends a request; `judge(resp)` runs when it is answered. Transport trouble is a failure. */
  ask (label, req, judge) {
    const step = `${label}#${++this.step}`
    const p = this.oracle.request(req).then((resp) => {
      if (resp.transport) return this.fail(step, `oracle transport failure: ${resp.transport}`, [], { request: req })
      try {
        judge(resp, step)
      } catch (e) {
        this.fail(step, `harness exception while judging: ${e.stack}`, [])
      }
    })
    this.pending.push(p)
  }

  /** Compares a yjs content object with another one; returns false (after reporting) on mismatch. */
  compare (step, what, expected, actual, repro) {
    this.stats.checks++
    const d = []
    diffValues(expected, actual, 'doc', d)
    if (d.length === 0) return true
    this.fail(step, what, d, repro)
    return false
  }

  okOrFail (step, resp, req) {
    if (resp.ok === true) return true
    this.fail(step, `oracle answered an error for valid input: ${show(resp.error)}`, [], { request: req })
    return false
  }

  // 1. apply a list in some order; compare content, sv, state and state_for
  checkApply (variant, list) {
    const { sess } = this
    const R = sess.R
    const ydoc = docFrom(list)
    const expected = contentOf(ydoc, false)
    const yState = Y.encodeStateAsUpdate(ydoc)
    const ySvBin = Y.encodeStateVector(ydoc)
    // the receiver of state_for: another client's doc at some moment, at the end, or an empty doc
    const r = R.float()
    const target = r < 0.6
      ? R.pick(sess.snapshots)
      : r < 0.75
        ? sess.finalSnapshots[R.int(0, sess.finalSnapshots.length - 1)]
        : { state: null, sv: r < 0.85 ? new Uint8Array([0]) : sess.randomSv() }
    const targetBase = target.state ? [target.state] : []
    const yStateFor = Y.encodeStateAsUpdate(ydoc, target.sv)
    const req = { op: 'apply', updates: list.map(b64), texts: TEXTS, maps: ['map'], arrays: ['array'], target_sv: b64(target.sv) }
    // reference docs, built now so the judge only touches what the oracle returned
    const refFromState = contentOf(docFrom([yState]))
    // not simply sess.final: pieces cut inside a surrogate pair leave U+FFFD that completion keeps
    const refCompleted = contentOf(docFrom([yState, sess.allMerged]))
    const refStateFor = contentOf(docFrom([...targetBase, yStateFor]))
    const label = `apply[${variant}, ${list.length} updates]`
    this.ask(label, req, (resp, step) => {
      if (!this.okOrFail(step, resp, req)) return
      const repro = { request: req, expected: { ...expected, state: b64(yState) }, oracle: resp }
      this.compare(step, 'apply: oracle content differs from yjs after applying the same updates', expected, oracleContent(resp), repro)
      const state = unb64(resp.state || '')
      const svBin = unb64(resp.sv_bin || '')
      let svDecoded = null
      try { svDecoded = Object.fromEntries([...Y.decodeStateVector(svBin)].map(([k, v]) => [String(k), v])) } catch (e) { svDecoded = `undecodable: ${e.message}` }
      this.compare(step, 'apply: sv_bin does not decode to the yjs state vector', expected.sv, svDecoded, repro)
      this.judgeBytes(step, 'sv_bin', svBin, ySvBin, repro)
      this.judgeState(step, 'state', state, yState, [], refFromState, repro, refCompleted)
      this.judgeState(step, 'state_for', unb64(resp.state_for || ''), yStateFor, targetBase, refStateFor, repro)
    })
  }

  /** Counts a byte comparison that is only a warning unless --strict-bytes. */
  judgeBytes (step, kind, bytes, yBytes, repro, what = '') {
    const equal = bytesEqual(bytes, yBytes)
    this.stats.byteResult(kind, equal)
    if (equal) return
    const msg = `oracle ${kind}${what} bytes differ from yjs (${firstByteDiff(yBytes, bytes)})`
    if (this.opts.strictBytes) this.fail(step, msg, [], repro)
    else this.warn(`${kind}-bytes`, step, msg, repro)
  }

  /** Applies an oracle state encoding to yjs (after `base`) and compares with yjs's own encoding. */
  judgeState (step, kind, bytes, yBytes, base, reference, repro, completed = null) {
    this.judgeBytes(step, kind, bytes, yBytes, repro)
    let doc
    try {
      doc = docFrom([...base, bytes])
    } catch (e) {
      return this.fail(step, `yjs cannot apply the oracle's ${kind}: ${e.message}`, [], repro)
    }
    if (!this.compare(step, `yjs doc built from the oracle's ${kind} differs from one built from yjs's ${kind}`, reference, contentOf(doc), repro)) return
    // whatever the oracle kept pending must still be there: completing the doc reaches the end state
    if (completed) {
      Y.applyUpdate(doc, this.sess.allMerged, REMOTE)
      this.compare(step, `oracle ${kind} + all updates differs from yjs ${kind} + all updates (lost pending updates?)`, completed, contentOf(doc), repro)
    }
  }

  // 2. merge
  checkMerge (variant, list) {
    const yMerged = Y.mergeUpdates(list)
    // yjs's own sequential and merged application can differ when dependencies are missing (its
    // pending-struct retry is coarser than merging); then the merged application is the reference.
    let reference = contentOf(docFrom(list))
    const fromYMerged = contentOf(docFrom([yMerged]))
    const quirk = []
    diffValues(reference, fromYMerged, 'doc', quirk)
    if (quirk.length) {
      this.warn('yjs-merge-vs-sequential', 'merge', `yjs applying Y.mergeUpdates differs from applying the list (${quirk.map((d) => fmtDiff(d, 'sequential', 'merged')).join('; ')}); the oracle merge is compared with the merged one`)
      reference = fromYMerged
    }
    const req = { op: 'merge', updates: list.map(b64) }
    this.ask(`merge[${variant}, ${list.length} updates]`, req, (resp, step) => {
      if (!this.okOrFail(step, resp, req)) return
      const got = unb64(resp.update || '')
      const repro = { request: req, expected: { update: b64(yMerged) }, oracle: resp }
      const equal = bytesEqual(got, yMerged)
      this.stats.byteResult('merge', equal)
      if (!equal) this.fail(step, `merge bytes differ from Y.mergeUpdates (${firstByteDiff(yMerged, got)})`, [], repro)
      let doc
      try { doc = docFrom([got]) } catch (e) { return this.fail(step, `yjs cannot apply the oracle's merge: ${e.message}`, [], repro) }
      this.compare(step, 'applying the oracle merge gives other content than applying the list', reference, contentOf(doc), repro)
    })
  }

  // 3. diff
  checkDiff (variant, update, sv) {
    const yDiff = Y.diffUpdate(update, sv)
    const req = { op: 'diff', update: b64(update), sv: b64(sv) }
    this.ask(`diff[${variant}]`, req, (resp, step) => {
      if (!this.okOrFail(step, resp, req)) return
      const got = unb64(resp.update || '')
      const equal = bytesEqual(got, yDiff)
      this.stats.byteResult('diff', equal)
      if (!equal) this.fail(step, `diff bytes differ from Y.diffUpdate (${firstByteDiff(yDiff, got)})`, [], { request: req, expected: { update: b64(yDiff) }, oracle: resp })
    })
  }

  // 4. sv_from_update
  checkSvFromUpdate (variant, update) {
    const ySv = Y.encodeStateVectorFromUpdate(update)
    const req = { op: 'sv_from_update', update: b64(update) }
    this.ask(`sv_from_update[${variant}]`, req, (resp, step) => {
      if (!this.okOrFail(step, resp, req)) return
      const got = unb64(resp.sv || '')
      const equal = bytesEqual(got, ySv)
      this.stats.byteResult('sv_from_update', equal)
      if (!equal) this.fail(step, `sv_from_update bytes differ from Y.encodeStateVectorFromUpdate (${firstByteDiff(ySv, got)})`, [], { request: req, expected: { sv: b64(ySv) }, oracle: resp })
    })
  }

  // 5. local text edits
  checkLocal (variant, base) {
    const { sess } = this
    const R = sess.R
    let client
    do { client = R.chance(0.5) ? R.int(0, 40) : R.uint32() } while (sess.ids.includes(client))
    const ydoc = docFrom(base)
    ydoc.clientID = client
    const text = ydoc.getText('content')
    let captured = null
    ydoc.on('update', (u, origin) => { if (origin !== REMOTE) captured = u })
    const ops = []
    const texts = []
    const yUpdates = []
    for (let k = R.int(1, 12); k > 0; k--) {
      const op = genTextOp(R, text.toString(), R.chance(0.3))
      captured = null
      ydoc.transact(() => applyTextOp(text, op))
      ops.push(op)
      texts.push(wellFormed(text.toString()))
      yUpdates.push(captured)
    }
    const finalContent = contentOf(ydoc)
    const req = { op: 'local', client, base: base.map(b64), ops }
    this.ask(`local[${variant}, client ${client}, ${ops.length} ops]`, req, (resp, step) => {
      if (!this.okOrFail(step, resp, req)) return
      const repro = { request: req, expected: { texts, updates: yUpdates.map((u) => u && b64(u)) }, oracle: resp }
      if (!Array.isArray(resp.updates) || resp.updates.length !== ops.length) {
        return this.fail(step, `local: expected ${ops.length} updates, got ${show(resp.updates)}`, [], repro)
      }
      this.compare(step, 'local: final text differs', texts[texts.length - 1], wellFormed(resp.text), repro)
      const doc = docFrom(base)
      for (let k = 0; k < ops.length; k++) {
        const u = unb64(resp.updates[k] || '')
        if (yUpdates[k]) this.judgeBytes(step, 'local', u, yUpdates[k], repro, ` update of op ${k} ${show(ops[k])}`)
        try { Y.applyUpdate(doc, u, REMOTE) } catch (e) {
          return this.fail(step, `local: yjs cannot apply the oracle's update for op ${k} ${show(ops[k])}: ${e.message}`, [], repro)
        }
        if (!this.compare(step, `local: text after applying the oracle's updates for ops 0..${k} (last ${show(ops[k])}) differs`, texts[k], wellFormed(doc.getText('content').toString()), repro)) return
      }
      this.compare(step, 'local: doc built from the oracle updates differs from the yjs doc that made the edits', finalContent, contentOf(doc), repro)
    })
  }

  // 6. malformed input: the oracle must answer (not crash or hang); errors should match yjs's
  checkMalformed (op, bad, how) {
    let yjsError = null
    let yContent = null
    try {
      if (op === 'apply') yContent = contentOf(docFrom([bad]), false)
      else if (op === 'merge') Y.mergeUpdates([bad, this.sess.updates[0]])
      else if (op === 'diff') Y.diffUpdate(bad, new Uint8Array([0]))
      else Y.encodeStateVectorFromUpdate(bad)
    } catch (e) {
      yjsError = e.message || String(e)
    }
    let req
    if (op === 'apply') req = { op, updates: [b64(bad)], texts: TEXTS, maps: ['map'], arrays: ['array'] }
    else if (op === 'merge') req = { op, updates: [b64(bad), b64(this.sess.updates[0])] }
    else if (op === 'diff') req = { op, update: b64(bad), sv: b64(new Uint8Array([0])) }
    else req = { op, update: b64(bad) }
    this.ask(`malformed[${op}, ${how}]`, req, (resp, step) => {
      const s = this.stats
      if (resp.ok !== true && resp.ok !== false) return this.fail(step, `malformed input: response is neither ok nor error: ${show(resp)}`, [], { request: req })
      if (resp.ok === false && typeof resp.error !== 'string') return this.fail(step, 'malformed input: error response without an error message', [], { request: req })
      const repro = { request: req, yjs: yjsError === null ? { ok: true, content: yContent } : { ok: false, error: yjsError }, oracle: resp }
      s.malformed.sent++
      if (yjsError !== null) s.malformed.yjsRejected++
      if (!resp.ok) s.malformed.oracleRejected++
      if (yjsError !== null && resp.ok) this.warn('malformed-accepted', step, `yjs throws (${yjsError}) but the oracle accepted it`, repro)
      else if (yjsError === null && !resp.ok) this.warn('malformed-rejected-stricter', step, `yjs accepts but the oracle says ${resp.error}`)
      else if (yjsError === null && resp.ok && op === 'apply') {
        const d = []
        diffValues(yContent, oracleContent(resp), 'doc', d)
        if (d.length) this.warn('malformed-content', step, `both accept, content differs: ${d.map((x) => fmtDiff(x)).join('; ')}`, repro)
      }
    })
  }

  /** Plans every check of the session; returns when all answers are judged. */
  run () {
    const { sess } = this
    const R = sess.R
    for (const e of sess.harnessErrors) this.fail('converge', `harness sanity: ${e}`, [])
    const L = sess.updates
    const X = sess.extra
    // a state vector at arbitrary clocks (cutting structs in the middle), and an update cut by one
    const randomSv = () => {
      const m = new Map()
      for (const [c, clock] of Object.entries(sess.final.sv)) if (R.chance(0.8)) m.set(Number(c), R.int(0, clock))
      return Y.encodeStateVector(m)
    }
    const cut = (u) => Y.diffUpdate(u, randomSv())
    sess.randomSv = randomSv

    // 1. apply: a fixed set of orders plus random ones
    const lateDeps = () => {
      const late = new Set(R.subset(L.map((_, i) => i), 0.3))
      return [...L.filter((_, i) => !late.has(i)), ...R.shuffle(L.filter((_, i) => late.has(i)))]
    }
    const variants = {
      'in-order': () => L,
      shuffled: () => R.shuffle(L),
      reversed: () => L.slice().reverse(),
      prefix: () => L.slice(0, R.int(1, L.length)),
      'shuffled-prefix': () => R.shuffle(L.slice(0, R.int(1, L.length))),
      withheld: () => R.shuffle(R.subset(L, 0.6)),
      dups: () => R.shuffle([...L, ...R.subset(L, 0.3), ...R.subset(X, 0.5)]),
      'late-deps': lateDeps,
      'sync-diffs': () => R.shuffle([...X, ...R.subset(L, 0.3)]),
      'client-history': () => sess.history[R.int(0, sess.history.length - 1)],
      'merged-batches': () => R.shuffle([Y.mergeUpdates(R.subset(L, 0.5)), ...R.subset(L, 0.5)]),
      'cut-pieces': () => R.shuffle([cut(sess.allMerged), cut(sess.allMerged), ...R.subset(L, 0.5).map(cut), ...R.subset(L, 0.3)])
    }
    const names = Object.keys(variants)
    const chosen = [R.pick(['in-order', 'shuffled']), R.pick(['late-deps', 'reversed', 'withheld', 'shuffled-prefix']), R.pick(names), R.pick(names)]
    for (const v of chosen) {
      const list = variants[v]()
      if (list.length > 0) this.checkApply(v, list)
    }

    // 2. merge
    const pool = [...L, ...X]
    const mergeVariants = {
      all: () => L,
      shuffled: () => R.shuffle(L),
      subset: () => R.shuffle(R.subset(pool, 0.4)),
      dups: () => R.shuffle([...R.subset(pool, 0.4), ...R.subset(L, 0.2)]),
      single: () => [R.pick(pool)],
      nested: () => R.shuffle([Y.mergeUpdates(R.subset(L, 0.5)), Y.mergeUpdates(R.subset(L, 0.5)), ...R.subset(X, 0.3)]),
      'one-client': () => { const c = R.int(0, sess.ids.length - 1); return L.filter((u) => Y.parseUpdateMeta(u).from.has(sess.ids[c])) },
      'cut-pieces': () => R.shuffle([cut(sess.allMerged), cut(sess.allMerged), ...R.subset(pool, 0.3).map(cut), ...R.subset(L, 0.2)])
    }
    for (let k = R.int(2, 3); k > 0; k--) {
      const v = R.pick(Object.keys(mergeVariants))
      const list = mergeVariants[v]()
      if (list.length > 0) this.checkMerge(v, list)
    }

    // 3. diff against state vectors of other clients' docs, an empty one, and of partial updates
    const svs = [...sess.snapshots.map((s) => ['snapshot', s.sv]), ['empty', new Uint8Array([0])],
      ['final', Y.encodeStateVector(sess.docs[R.int(0, sess.docs.length - 1)])],
      ['of-prefix', Y.encodeStateVectorFromUpdate(Y.mergeUpdates(L.slice(0, R.int(1, L.length))))],
      ['random', randomSv()], ['random', randomSv()]]
    const diffSources = () => {
      const r = R.int(0, 3)
      if (r === 0) return ['all-merged', sess.allMerged]
      if (r === 1) return ['single', R.pick(L)]
      if (r === 2 && X.length > 0) return ['sync-diff', R.pick(X)]
      if (r === 3 && R.chance(0.5)) return ['cut', cut(R.chance(0.5) ? sess.allMerged : R.pick(pool))]
      return ['merged-subset', Y.mergeUpdates(R.shuffle(R.subset(pool, 0.5)))]
    }
    for (let k = R.int(2, 3); k > 0; k--) {
      const [uName, u] = diffSources()
      const [svName, sv] = R.pick(svs)
      this.checkDiff(`${uName} vs ${svName} sv`, u, sv)
    }

    // 4. sv_from_update
    for (let k = 2; k > 0; k--) {
      const [uName, u] = diffSources()
      this.checkSvFromUpdate(uName, u)
    }

    // 5. local edits on top of some base
    for (let k = R.int(1, 2); k > 0; k--) {
      const r = R.int(0, 4)
      if (r === 0) this.checkLocal('empty base', [])
      else if (r === 1) this.checkLocal('all updates', L)
      else if (r === 2) this.checkLocal('snapshot', [R.pick(sess.snapshots).state])
      else if (r === 3) this.checkLocal('shuffled prefix', R.shuffle(L.slice(0, R.int(1, L.length))))
      else this.checkLocal('merged', [sess.allMerged])
    }

    // 6. malformed
    for (let k = R.int(2, 3); k > 0; k--) {
      const src = R.chance(0.5) ? sess.allMerged : R.pick(pool)
      let bad
      let how
      const r = R.float()
      if (r < 0.45) {
        const at = R.int(0, Math.max(0, src.length - 1))
        bad = src.slice(0, at)
        how = `truncated at ${at}/${src.length}`
      } else if (r < 0.8) {
        bad = src.slice()
        const flips = []
        for (let i = R.int(1, 3); i > 0; i--) {
          const at = R.int(0, bad.length - 1)
          bad[at] ^= R.int(1, 255)
          flips.push(at)
        }
        how = `bytes flipped at ${flips.join(',')}`
      } else if (r < 0.9) {
        // a huge varuint (a length, count or clock) spliced in
        const at = R.int(0, src.length)
        const huge = R.pick([[0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]])
        bad = new Uint8Array([...src.subarray(0, at), ...huge, ...src.subarray(R.chance(0.5) ? at : Math.min(src.length, at + 1))])
        how = `huge varuint at ${at}`
      } else {
        bad = genBinary(R)
        how = 'random bytes'
      }
      this.checkMalformed(R.pick(['apply', 'apply', 'merge', 'diff', 'sv_from_update']), bad, how)
    }
    return Promise.all(this.pending)
  }
}

function printFailure (f) {
  console.log(`FAIL seed ${f.seed} (rerun: --session ${f.seed}) step ${f.step}: ${f.what}`)
  for (const d of f.details) console.log(`    ${fmtDiff(d)}`)
}

// ---------------------------------------------------------------------------------------------
// Main

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  if (!fs.existsSync(opts.oracle)) {
    console.error(`differential: oracle not found at ${opts.oracle} (build it, or pass --oracle PATH / WEFT_CRDT_ORACLE)`)
    process.exit(2)
  }
  const seeds = opts.session !== null
    ? [opts.session]
    : Array.from({ length: opts.sessions }, (_, i) => sessionSeed(opts.seed, i))
  const oracle = new Oracle(opts)
  const stats = new Stats()
  const t0 = performance.now()
  const active = new Set()
  let lastReport = t0
  for (const seed of seeds) {
    while (active.size >= opts.inflight) await Promise.race(active)
    let sess
    try {
      sess = buildSession(seed)
    } catch (e) {
      stats.failureCount++
      const f = { seed, step: 'build', what: `harness exception while building the session: ${e.stack}`, details: [] }
      if (stats.failures.length < opts.maxPrint) stats.failures.push(f)
      continue
    }
    const run = new SessionRun(sess, oracle, stats, opts)
    const p = run.run().then(() => { stats.sessions++; active.delete(p) })
    active.add(p)
    if (opts.verbose && performance.now() - lastReport > 5000) {
      lastReport = performance.now()
      console.log(`… ${stats.sessions} sessions, ${oracle.requests} requests, ${stats.failureCount} failures`)
    }
  }
  await Promise.all(active)
  await oracle.close()
  const secs = (performance.now() - t0) / 1000

  if (!opts.verbose) for (const f of stats.failures) printFailure(f)
  if (stats.failureCount > stats.failures.length) console.log(`… and ${stats.failureCount - stats.failures.length} more failures`)
  for (const e of oracle.protocolErrors.slice(0, 5)) console.log(`FAIL oracle protocol: ${e}`)
  if (!opts.verbose) {
    for (const [kind, msg] of Object.entries(stats.warningExamples)) console.log(`first warning [${kind}]: ${msg.length > 600 ? msg.slice(0, 600) + '…' : msg}`)
  }
  stats.failureCount += oracle.protocolErrors.length
  const bytes = Object.entries(stats.bytes).map(([k, [eq, n]]) => `${k} ${eq}/${n}`).join(', ')
  const warnings = Object.entries(stats.warnings).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'
  console.log(`differential: ${stats.sessions} sessions (seed ${opts.session !== null ? `session ${opts.session}` : opts.seed}), ` +
    `${oracle.requests} requests, ${stats.checks} checks, ${stats.failureCount} failures, ` +
    `oracle restarts ${oracle.restarts}; byte-equal: ${bytes}; malformed inputs ${stats.malformed.sent} ` +
    `(rejected by yjs ${stats.malformed.yjsRejected}, by oracle ${stats.malformed.oracleRejected}); ` +
    `warnings: ${warnings}; ${secs.toFixed(1)}s`)
  process.exit(stats.failureCount === 0 ? 0 : 1)
}

// Run when invoked; importing the module (e.g. to debug one session with buildSession) runs nothing.
export { buildSession, contentOf, docFrom }
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
