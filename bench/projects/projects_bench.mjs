// projects_bench.mjs — the project targets of wave 2 · 3 (docs/BENCHMARKS.md, "Projects"),
// end to end against a real `weft serve` (SQLite in a temp dir) on loopback:
//   import  a real source tree an npm package ships (monaco-editor's esm sources, topped up from
//           other packages of web/node_modules to --files text files) as a .tar.gz, each rep into
//           a new project: the POST's time;
//   memory  the server's RSS before the imports and after them, with none of the files open (what
//           a project costs when nobody edits it), and the database file's size;
//   search  GET …/search over that project (literal rare and common, regex, case-insensitive);
//   tree    GET …/tree of a project of --tree-files files (generated: 1 KiB each, 4 levels deep);
//   open    in Chromium (Debian's, with playwright-core), from a click on a file in the tree to its
//           first line on screen (the file's document fetched, its WebSocket synced, Monaco drawn).
// Times are what fetch sees on loopback: the server's work plus HTTP and JSON, an upper bound of
// the server-side time. Prints a Markdown table and, last, one JSON line.
//
//   node bench/projects/projects_bench.mjs [--weft build/bin/weft] [--files 2000] [--reps 5]
//                                          [--tree-files 10000] [--tree-reps 50] [--no-browser]
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { REPO, args, freePort, opt, stats } from '../common.mjs'

const WEFT = path.resolve(REPO, opt('weft', 'build/bin/weft'))
const FILES = Number(opt('files', 2000))
const REPS = Number(opt('reps', 5))
const TREE_FILES = Number(opt('tree-files', 10000))
const TREE_REPS = Number(opt('tree-reps', 50))
const BROWSER = !args.includes('--no-browser')
const TEXT = /\.(js|mjs|cjs|ts|tsx|jsx|json|css|md|txt|html|map|d\.ts)$/

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6
const f1 = (x) => x.toFixed(1)

// The source tree: monaco-editor's esm sources first, then other packages' text files.
function sourceFiles () {
  const roots = [path.join(REPO, 'web/node_modules/monaco-editor/esm'), path.join(REPO, 'web/node_modules'), path.join(REPO, 'node_modules')]
  const base = path.join(REPO, 'web/node_modules')
  const picked = []
  const seen = new Set()
  const walk = (dir) => {
    if (picked.length >= FILES) return
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (picked.length >= FILES) return
      const p = path.join(dir, e.name)
      if (e.isDirectory()) {
        if (e.name !== '.bin' && e.name !== '.vite') walk(p)
      } else if (e.isFile() && TEXT.test(e.name) && !seen.has(p)) {
        const size = fs.statSync(p).size
        if (size === 0 || size > 4 << 20) continue
        seen.add(p)
        picked.push(p)
      }
    }
  }
  for (const r of roots) walk(r)
  return { base, files: picked }
}

async function main () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-projects-bench-'))
  const port = await freePort()
  const srv = spawn(WEFT, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir,
    '--static-dir', path.join(REPO, 'web/dist'), '--log-level', 'warn', '--max-body-bytes', String(64 << 20),
    '--auth-rate-limit', '0'], { stdio: ['ignore', 'inherit', 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  // The server's RSS in MiB: its own memory (RssAnon) and mapped files (RssFile: the binary, its
  // libraries and SQLite's mapping of the database, the kernel's page cache).
  const rss = () => {
    const status = fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8')
    const kb = (field) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]) / 1024
    return { anon: kb('RssAnon'), file: kb('RssFile') }
  }
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${url}/healthz`)).ok) break } catch {}
      if (i > 100) throw new Error('weft did not start')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const reg = await (await fetch(`${url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }) })).json()
    const token = reg.token
    const api = async (method, p, body, type = 'application/json') => {
      const r = await fetch(url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body })
      const text = await r.text()
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`)
      return text ? JSON.parse(text) : null
    }
    const newProject = async (name) => (await api('POST', '/api/projects', JSON.stringify({ name }))).id

    // ---- import ----
    const { base, files } = sourceFiles()
    const listFile = path.join(dir, 'files.txt')
    fs.writeFileSync(listFile, files.map((f) => path.relative(base, f)).join('\n') + '\n')
    const tarPath = path.join(dir, 'tree.tar.gz')
    const tar = spawnSync('tar', ['-czf', tarPath, '-C', base, '-T', listFile])
    if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`)
    const archive = fs.readFileSync(tarPath)
    const textBytes = files.reduce((n, f) => n + fs.statSync(f).size, 0)
    const rssBefore = rss()
    const importMs = []
    let imported = 0
    let searchProject = 0
    for (let i = 0; i < REPS; i++) {
      const pid = await newProject(`import ${i}`)
      const t0 = process.hrtime.bigint()
      const r = await api('POST', `/api/projects/${pid}/import`, archive, 'application/gzip')
      importMs.push(ms(t0))
      imported = r.files.length
      if (imported !== files.length) throw new Error(`imported ${imported} of ${files.length} files (skipped: ${JSON.stringify(r.skipped.slice(0, 5))})`)
      if (i === 0) searchProject = pid
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const rssAfter = rss()
    const dbBytes = fs.readdirSync(dir).filter((f) => f.startsWith('weft.db')).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0)

    // ---- search ----
    const queries = [
      ['literal, rare (any case: the default)', 'q=registerEditorContribution'],
      ['literal, rare, case-sensitive', 'q=registerEditorContribution&case=true'],
      ['literal, common (first page)', 'q=function'],
      ['regex', `q=${encodeURIComponent('class\\s+\\w+Widget\\b')}&regex=true`]
    ]
    const search = []
    for (const [what, q] of queries) {
      const times = []
      let matches = 0
      for (let i = 0; i < 20; i++) {
        const t0 = process.hrtime.bigint()
        const r = await api('GET', `/api/projects/${searchProject}/search?${q}`)
        times.push(ms(t0))
        matches = r.matches?.length ?? r.results?.length ?? 0
      }
      search.push({ what, matches, ...stats(times) })
    }

    // ---- tree of TREE_FILES files ----
    const treeProject = await newProject('tree')
    const gen = []
    for (let i = 0; i < TREE_FILES; i++) {
      gen.push({ name: `pkg${i % 40}/src/mod${Math.floor(i / 40) % 25}/file${i}.ts`, data: `export const v${i} = ${i}\n`.padEnd(1024, '/') + '\n' })
    }
    const blocks = []
    for (const e of gen) {
      const h = Buffer.alloc(512)
      h.write(e.name, 0)
      h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116)
      h.write(Buffer.byteLength(e.data).toString(8).padStart(11, '0') + '\0', 124)
      h.write('00000000000\0', 136); h.write('        ', 148); h.write('0', 156); h.write('ustar\x0000', 257, 'binary')
      let sum = 0
      for (const b of h) sum += b
      h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
      const d = Buffer.from(e.data)
      blocks.push(h, d, Buffer.alloc((512 - (d.length % 512)) % 512))
    }
    blocks.push(Buffer.alloc(1024))
    const treeImport = process.hrtime.bigint()
    await api('POST', `/api/projects/${treeProject}/import`, zlib.gzipSync(Buffer.concat(blocks)), 'application/gzip')
    const treeImportMs = ms(treeImport)
    const treeTimes = []
    let treeBytes = 0
    for (let i = 0; i < TREE_REPS; i++) {
      const t0 = process.hrtime.bigint()
      const r = await fetch(`${url}/api/projects/${treeProject}/tree`, { headers: { authorization: `Bearer ${token}` } })
      const body = await r.text()
      treeTimes.push(ms(t0))
      treeBytes = body.length
      if (i === 0 && JSON.parse(body).files.length !== TREE_FILES) throw new Error(`the tree lists ${JSON.parse(body).files.length} of ${TREE_FILES} files`)
    }
    const tree = stats(treeTimes)

    // ---- open a file in the browser ----
    let open = null
    if (BROWSER) open = await openInBrowser(url, reg, searchProject, files.slice(0, 12).map((f) => path.relative(base, f)))

    const out = {
      machine: `${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
      import: { files: imported, archive_bytes: archive.length, text_bytes: textBytes, ...stats(importMs) },
      memory: { rss_before_mb: rssBefore, rss_after_mb: rssAfter, // { anon, file }
        projects: REPS, db_bytes: dbBytes },
      search,
      tree: { files: TREE_FILES, json_bytes: treeBytes, import_ms: treeImportMs, ...tree },
      open
    }
    console.log(`| step | figure |\n|---|---|`)
    console.log(`| import ${imported} files, ${f1(textBytes / 2 ** 20)} MiB of text (${f1(archive.length / 2 ** 20)} MiB .tar.gz), ${REPS} reps | min ${f1(out.import.min)} / median ${f1(out.import.p50)} / max ${f1(out.import.max)} ms |`)
    console.log(`| server memory before → after ${REPS} imports, no file open: own (RssAnon) / mapped files (RssFile) | ${f1(rssBefore.anon)} → ${f1(rssAfter.anon)} MiB / ${f1(rssBefore.file)} → ${f1(rssAfter.file)} MiB (database ${f1(dbBytes / 2 ** 20)} MiB) |`)
    for (const s of search) console.log(`| search ${s.what} (${s.matches} results) | p50 ${f1(s.p50)} / p99 ${f1(s.p99)} / max ${f1(s.max)} ms |`)
    console.log(`| tree of ${TREE_FILES} files (${f1(treeBytes / 2 ** 20)} MiB JSON), ${TREE_REPS} reps | p50 ${f1(tree.p50)} / p99 ${f1(tree.p99)} / max ${f1(tree.max)} ms |`)
    if (open) console.log(`| open a file from the tree to its first line on screen, ${open.n} files | p50 ${f1(open.p50)} / p99 ${f1(open.p99)} / max ${f1(open.max)} ms |`)
    console.log(JSON.stringify(out))
  } finally {
    srv.kill('SIGTERM')
    await new Promise((resolve) => srv.once('exit', resolve))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// From a click on the file's row to the first line of its text in the active tab's Monaco.
async function openInBrowser (url, reg, pid, paths) {
  const { chromium } = createRequire(path.join(REPO, 'web/package.json'))('playwright-core') // web/'s devDependency
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  try {
    const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } })
    await context.addInitScript((s) => window.localStorage.setItem('weft.session', s), JSON.stringify({ token: reg.token, user: reg.user }))
    const page = await context.newPage()
    await page.goto(`/p/${pid}`)
    await page.getByRole('navigation', { name: 'Project files' }).getByRole('treeitem').first().waitFor()
    const times = []
    for (const p of paths) {
      // Open the folders above the file, then time the click on it.
      const parts = p.split('/')
      for (let i = 1; i < parts.length; i++) {
        const folder = page.getByRole('treeitem').and(page.locator(`[data-path="${parts.slice(0, i).join('/')}"]`))
        if ((await folder.getAttribute('aria-expanded')) !== 'true') await folder.click()
      }
      const row = page.getByRole('treeitem').and(page.locator(`[data-path="${p}"]`))
      await row.waitFor()
      const first = fs.readFileSync(path.join(REPO, 'web/node_modules', p), 'utf8').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 20) ?? ''
      const t0 = await page.evaluate(() => performance.now())
      await row.click()
      await page.waitForFunction(({ p, first }) => {
        const panel = document.querySelector(`.file-tab-panel:not([hidden])[data-path="${CSS.escape(p)}"]`)
        if (!panel) return false
        const lines = [...panel.querySelectorAll('.monaco-editor .view-lines .view-line')]
        return lines.some((l) => l.textContent.replace(/\u00a0/g, ' ').includes(first))
      }, { p, first }, { polling: 'raf', timeout: 20000 })
      times.push(await page.evaluate(() => performance.now()) - t0)
    }
    return stats(times.slice(1)) // the first loads Monaco's code
  } finally {
    await browser.close()
  }
}

main().catch((e) => { console.error(e); process.exit(1) })
