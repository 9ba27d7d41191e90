// rss_return.mjs — does the server's memory come back when documents unload? (wave 2 · 5,
// point 7; docs/BENCHMARKS.md "Memory that comes back"). Against a real `weft serve` (SQLite in a
// temp dir, --room-grace-ms 500): one y-websocket client builds a document of --inserts inserts
// of --chars characters each at random places (2 MB by default), one transaction per insert as an
// editor sends them, then leaves; the same for --docs documents one after another. The server's
// RSS is sampled from /proc (RssAnon: its heap; RssFile: mapped files, SQLite's mapping of the
// database among them) fresh, after each document is built, and after its room unloaded (the
// weft_documents gauge back to 0, and 3 s later: the server returns freed memory to the system on
// a 2 s tick after rooms unload).
//
//   node bench/memory/rss_return.mjs [--weft build/bin/weft] [--inserts 20000] [--chars 100]
//                                    [--docs 3]
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { REPO, freePort, opt, sleep, until } from '../common.mjs'

const WEFT = path.resolve(REPO, opt('weft', 'build/bin/weft'))
const INSERTS = Number(opt('inserts', 20000))
const CHARS = Number(opt('chars', 100))
const DOCS = Number(opt('docs', 3))


const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-rss-'))
const port = await freePort()
const srv = spawn(WEFT, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir, '--log-level', 'warn',
  '--room-grace-ms', '500', '--ws-rate-limit', '0', '--api-rate-limit', '0'], { stdio: ['ignore', 'inherit', 'inherit'] })
const url = `http://127.0.0.1:${port}`
const rss = () => {
  const status = fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8')
  const kb = (field) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]) / 1024
  return { anon: kb('RssAnon'), file: kb('RssFile') }
}
const loaded = async () => Number((await (await fetch(`${url}/metrics`)).text()).match(/^weft_documents (\S+)/m)?.[1] ?? -1)
const rows = []
const note = (what) => { const r = rss(); rows.push({ what, ...r }); console.error(`${what}: anon ${r.anon.toFixed(1)} MiB, file ${r.file.toFixed(1)} MiB`) }
try {
  await until(async () => { try { return (await fetch(`${url}/readyz`)).ok } catch { return false } }, 10000, 'weft to start')
  const reg = await (await fetch(`${url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) })).json()
  await sleep(500)
  note('fresh')
  let seed = 7
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  for (let d = 0; d < DOCS; d++) {
    const doc = await (await fetch(`${url}/api/documents`, { method: 'POST', headers: { authorization: `Bearer ${reg.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: `big${d}.txt` }) })).json()
    const ydoc = new Y.Doc()
    const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/ws`, String(doc.id), ydoc, { WebSocketPolyfill: WebSocket, disableBc: true, params: { token: reg.token } })
    await until(() => provider.synced, 10000, 'sync')
    const text = ydoc.getText('content')
    const chunk = 'x'.repeat(CHARS - 1) + '\n'
    for (let i = 0; i < INSERTS; i++) {
      text.insert(Math.floor(rand() * (text.length + 1)), chunk)
      if (i % 500 === 499) await sleep(1) // let the socket drain
    }
    // Everything reached the server: its text has the length.
    await until(async () => (await (await fetch(`${url}/api/documents/${doc.id}/content`, { headers: { authorization: `Bearer ${reg.token}` } })).text()).length === text.length, 60000, 'the server to hold the text')
    note(`document ${d + 1} built (${(text.length / 1e6).toFixed(1)} MB)`)
    provider.destroy()
    ydoc.destroy()
    await until(async () => (await loaded()) === 0, 60000, 'the room to unload')
    note(`document ${d + 1} unloaded`)
    await sleep(3000) // the server's memory tick is every 2 s
    note(`document ${d + 1} unloaded, 3 s later`)
  }
} finally {
  await new Promise((resolve) => { srv.once('exit', resolve); srv.kill('SIGTERM') })
  fs.rmSync(dir, { recursive: true, force: true })
}
console.log('| moment | RssAnon MiB | RssFile MiB |')
console.log('|---|---:|---:|')
for (const r of rows) console.log(`| ${r.what} | ${r.anon.toFixed(1)} | ${r.file.toFixed(1)} |`)
console.log(JSON.stringify({ inserts: INSERTS, chars: CHARS, docs: DOCS, rows }))
process.exit(0)
