// deflate_bench.mjs — permessage-deflate's effect (wave 2 · 5 point 4, docs/BENCHMARKS.md
// "Compression"): bytes on the wire and server CPU, with --ws-deflate true and false, against a
// real `weft serve` (SQLite in a temp dir) on loopback, with y-websocket providers on `ws` (which
// offer the extension, as browsers do):
//   join    --joiners clients join a document holding ~2 MB of real source code (files from
//           node_modules, put in through PUT …/content), one after another: the bytes they read
//           (sync step 2 and the rest), the server's CPU over the joins, the time to synced;
//   typing  one writer types --rate characters a second with its cursor in awareness for
//           --seconds, --readers clients read: the bytes they read, the server's CPU.
// Bytes are counted on each client's TCP socket (what crossed the wire, headers included); CPU is
// the server's utime + stime from /proc over the phase. Prints a Markdown table and one JSON line.
//
//   node bench/deflate/deflate_bench.mjs [--weft build/bin/weft] [--joiners 20] [--readers 50]
//                                        [--seconds 20] [--rate 10] [--mb 2]
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { REPO, freePort, opt, until } from '../common.mjs'


const WEFT = path.resolve(REPO, opt('weft', 'build/bin/weft'))
const JOINERS = Number(opt('joiners', 20))
const READERS = Number(opt('readers', 50))
const SECONDS = Number(opt('seconds', 20))
const RATE = Number(opt('rate', 10))
const MB = Number(opt('mb', 2))

// ~MB of real source text: JavaScript and TypeScript files shipped in node_modules.
function sourceText () {
  const parts = []
  let size = 0
  const walk = (dir) => {
    if (size >= MB * 1e6) return
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (size >= MB * 1e6) return
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.(js|ts|mjs)$/.test(e.name) && !/\.min\./.test(e.name)) {
        const t = fs.readFileSync(p, 'utf8')
        if (t.length > 200000) continue
        parts.push(`// ${path.relative(REPO, p)}\n${t}`)
        size += t.length
      }
    }
  }
  walk(path.join(REPO, 'web/node_modules/monaco-editor/esm/vs/editor'))
  walk(path.join(REPO, 'node_modules'))
  return parts.join('\n').slice(0, MB * 1e6)
}

const cpuSeconds = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / 100 // utime + stime, in clock ticks of 1/100 s
}

async function run (deflate, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-deflate-bench-'))
  const port = await freePort()
  const srv = spawn(WEFT, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir, '--log-level', 'warn',
    '--ws-deflate', String(deflate), '--api-rate-limit', '0', '--max-connections-per-ip', '0', '--max-connections-per-user', '0',
    '--ws-rate-limit', '0', '--auth-rate-limit', '0'], { stdio: ['ignore', 'inherit', 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  const clients = []
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${url}/readyz`)).ok) break } catch {}
      if (i > 400) throw new Error('weft did not start')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const reg = await (await fetch(`${url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) })).json()
    const auth = { authorization: `Bearer ${reg.token}` }
    const doc = await (await fetch(`${url}/api/documents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'big.js' }) })).json()
    const put = await fetch(`${url}/api/documents/${doc.id}/content`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/plain' }, body: text })
    if (!put.ok) throw new Error(`PUT content: ${put.status}`)
    const connect = (id) => {
      const ydoc = new Y.Doc()
      const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/ws`, String(id), ydoc, { WebSocketPolyfill: WebSocket, disableBc: true, params: { token: reg.token } })
      const c = { ydoc, provider, text: ydoc.getText('content'), bytes: () => provider.ws?._socket?.bytesRead ?? 0 }
      clients.push(c)
      return c
    }

    // Join: one after another, each until synced with the whole text.
    const joinTimes = []
    let joinBytes = 0
    const cpu0 = cpuSeconds(srv.pid)
    for (let i = 0; i < JOINERS; i++) {
      const t0 = performance.now()
      const c = connect(doc.id)
      await until(() => c.provider.synced && c.text.length === text.length, 60000, 'a joiner to sync')
      joinTimes.push(performance.now() - t0)
      joinBytes += c.bytes()
      c.provider.destroy()
      c.ydoc.destroy()
    }
    const joinCpu = cpuSeconds(srv.pid) - cpu0

    // Typing: a small document, READERS readers, one writer with a cursor.
    const small = await (await fetch(`${url}/api/documents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'main.py' }) })).json()
    const readers = Array.from({ length: READERS }, () => connect(small.id))
    const writer = connect(small.id)
    await until(() => [...readers, writer].every((c) => c.provider.synced), 30000, 'readers to sync')
    writer.provider.awareness.setLocalStateField('user', { name: 'writer', color: '#e91e63', colorLight: '#e91e6333' })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const bytes0 = readers.reduce((s, c) => s + c.bytes(), 0)
    const cpu1 = cpuSeconds(srv.pid)
    const line = 'def compute(items, depth):\n    return [x * depth for x in items]\n'
    const total = SECONDS * RATE
    const started = performance.now()
    for (let i = 0; i < total; i++) {
      const at = writer.text.length
      writer.text.insert(at, line[i % line.length])
      const pos = Y.createRelativePositionFromTypeIndex(writer.text, at + 1)
      writer.provider.awareness.setLocalStateField('cursor', { anchor: pos, head: pos })
      const next = started + ((i + 1) * 1000) / RATE
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())))
    }
    await until(() => readers.every((c) => c.text.length === writer.text.length), 30000, 'readers to converge')
    const typingCpu = cpuSeconds(srv.pid) - cpu1
    const typingBytes = readers.reduce((s, c) => s + c.bytes(), 0) - bytes0
    const metrics = await (await fetch(`${url}/metrics`)).text()
    const metric = (name) => Number(metrics.match(new RegExp(`^${name} (\\S+)`, 'm'))?.[1] ?? 0)
    joinTimes.sort((a, b) => a - b)
    return {
      deflate,
      join: { joiners: JOINERS, bytes_per_joiner: joinBytes / JOINERS, cpu_s: joinCpu, p50_ms: joinTimes[Math.floor(JOINERS / 2)], max_ms: joinTimes[JOINERS - 1] },
      typing: { readers: READERS, seconds: SECONDS, rate: RATE, bytes_per_reader_per_s: typingBytes / READERS / SECONDS, cpu_s: typingCpu },
      deflated_messages: metric('weft_ws_deflated_messages_total'),
      deflate_in_bytes: metric('weft_ws_deflate_in_bytes_total'),
      deflate_out_bytes: metric('weft_ws_deflate_out_bytes_total'),
      inflated_messages: metric('weft_ws_inflated_messages_total')
    }
  } finally {
    for (const c of clients) { try { c.provider.destroy(); c.ydoc.destroy() } catch {} }
    await new Promise((resolve) => { srv.once('exit', resolve); srv.kill('SIGTERM') })
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const text = sourceText()
const on = await run(true, text)
const off = await run(false, text)
const kb = (x) => (x / 1024).toFixed(1)
console.log(`\n${(text.length / 1e6).toFixed(2)} MB of source; ${JOINERS} joiners one after another; ${READERS} readers of one writer typing ${RATE} chars/s with a cursor for ${SECONDS} s\n`)
console.log('| | --ws-deflate true | --ws-deflate false | ratio |')
console.log('|---|---:|---:|---:|')
console.log(`| join: KiB read per joiner | ${kb(on.join.bytes_per_joiner)} | ${kb(off.join.bytes_per_joiner)} | ${(off.join.bytes_per_joiner / on.join.bytes_per_joiner).toFixed(2)}× |`)
console.log(`| join: server CPU s (${JOINERS} joins) | ${on.join.cpu_s.toFixed(2)} | ${off.join.cpu_s.toFixed(2)} | |`)
console.log(`| join: time to synced p50 / max ms | ${on.join.p50_ms.toFixed(0)} / ${on.join.max_ms.toFixed(0)} | ${off.join.p50_ms.toFixed(0)} / ${off.join.max_ms.toFixed(0)} | |`)
console.log(`| typing: bytes per reader per s | ${on.typing.bytes_per_reader_per_s.toFixed(0)} | ${off.typing.bytes_per_reader_per_s.toFixed(0)} | ${(off.typing.bytes_per_reader_per_s / on.typing.bytes_per_reader_per_s).toFixed(2)}× |`)
console.log(`| typing: server CPU s (${SECONDS} s) | ${on.typing.cpu_s.toFixed(2)} | ${off.typing.cpu_s.toFixed(2)} | |`)
console.log(`\n(with deflate: ${on.deflated_messages} messages sent compressed, ${kb(on.deflate_in_bytes)} → ${kb(on.deflate_out_bytes)} KiB; ${on.inflated_messages} received compressed)`)
console.log(JSON.stringify({ mb: text.length / 1e6, on, off }))
process.exit(0)
