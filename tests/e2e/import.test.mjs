// import.test.mjs — importing into a project from the web app (POST …/import): an archive chosen
// with the tree's Import button (a .zip with nested folders, a UTF-8 name, CRLF text, an empty file
// and a binary one) shows in the tree with a report naming what was skipped, opens in Monaco, and
// comes back byte for byte in the Download zip; a folder chosen with Upload folder (zipped in the
// browser by web/src/projects/zipWriter.ts) and a .tar.gz land under the folder whose context menu
// was used; files dropped on a folder row or on the tree land there; a refused archive shows the
// server's sentence and changes nothing; on a phone the buttons and the report fit in the drawer.
// The archives are made by tests/server/archives.mjs and the export is read by its readZip, both
// independent of the code under test.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { waitFor, tmpDir, TEST_TIMEOUT } from '../server/harness.mjs'
import { zip, tarGz, readZip, crc32 } from '../server/archives.mjs'
import { PHONE, checkPrerequisites, launchBrowser, register, as, browserScenario as sharedScenario } from './browser.mjs'
import { activePanel, row, waitActiveFile, waitActiveText, newProject, createProjectInUi } from './workspace_helpers.mjs'

let browser
let scratch // archives and folders to upload

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
  scratch = tmpDir('weft-import-e2e-')
})
after(async () => {
  await browser?.close()
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
})

const browserScenario = (t, fn) => sharedScenario(t, browser, fn)

const sidebar = (page) => page.getByRole('navigation', { name: 'Project files' })

async function serverTree (srv, p, id) {
  const r = await srv.api('GET', `/api/projects/${id}/tree`, as(p))
  assert.equal(r.status, 200, r.text)
  return r.json
}

const filePaths = (tree) => tree.files.map((f) => f.path).sort()

// Every file's text as the server has it, by path, as bytes.
async function serverTexts (srv, p, id) {
  const out = {}
  for (const f of (await serverTree(srv, p, id)).files) {
    const r = await fetch(`${srv.httpUrl}/api/documents/${f.id}/content`, { headers: { authorization: `Bearer ${p.token}` } })
    assert.equal(r.status, 200, f.path)
    out[f.path] = Buffer.from(await r.arrayBuffer())
  }
  return out
}

function writeScratch (name, bytes) {
  const file = path.join(scratch, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
  return file
}

// Clicks `opener` and answers the browser's file chooser with `files` (a path: a file, or a
// directory for Upload folder).
async function choose (page, opener, files) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10000 }), opener.click()])
  await chooser.setFiles(files)
}

// The report of the last import, once it is final (not "Importing…").
async function importReport (page) {
  const report = sidebar(page).locator('.import-status:not([data-state="running"])')
  await report.waitFor({ timeout: 15000 })
  return { state: await report.getAttribute('data-state'), role: await report.getAttribute('role'), text: (await report.locator('p').textContent()).trim() }
}

// Drops `files` ({ name, bytes }) from outside the page onto `target`, as the browser would:
// dragenter/dragover (the target outlined), then drop. A DataTransfer made by a script has files
// but no directory entries, which the app takes as loose files (or one archive).
async function dropFiles (page, target, files) {
  const dt = await page.evaluateHandle((list) => {
    const d = new DataTransfer()
    for (const f of list) d.items.add(new File([new Uint8Array(f.bytes)], f.name))
    return d
  }, files.map((f) => ({ name: f.name, bytes: [...f.bytes] })))
  await target.dispatchEvent('dragenter', { dataTransfer: dt })
  await target.dispatchEvent('dragover', { dataTransfer: dt })
  return dt
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

test('an archive imported with the tree\'s Import button: its files in the tree, the binary one reported skipped, a file opened in Monaco, and the Download zip gives every text back byte for byte',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice', { acceptDownloads: true })
    await register(alice)
    const a = alice.page

    // A project created from the documents page.
    const pid = await createProjectInUi(a, 'demo')
    await a.getByText('No files yet.').waitFor()

    const texts = {
      'src/main.py': 'def main():\n    print("héllo 🙂")\n',
      'src/lib/util.js': 'export const x = 1\r\nexport const y = 2\r\n',
      'docs/ünï 字.md': '# ünï 字\n',
      'empty.txt': '',
      'README.md': '# demo\n'
    }
    const archive = zip([
      { name: 'src/' }, { name: 'src/lib/' },
      ...Object.entries(texts).map(([name, data]) => ({ name, data })),
      { name: 'img/logo.png', data: PNG }
    ])
    await choose(a, sidebar(a).getByRole('button', { name: 'Import archive' }), writeScratch('demo.zip', archive))

    const report = await importReport(a)
    assert.deepEqual(report, { state: 'done', role: 'status', text: 'Imported 5 files. 1 binary file was not imported: img/logo.png.' })
    assert.deepEqual(filePaths(await serverTree(srv, alice, pid)), Object.keys(texts).sort())
    // The tree shows them (the folders open on a click), and not the binary.
    for (const p of ['src', 'docs', 'README.md', 'empty.txt']) await row(a, p).waitFor()
    assert.equal(await row(a, 'img').count(), 0)
    await row(a, 'src').click()
    await row(a, 'src/lib').click()
    await row(a, 'docs').click()
    for (const p of ['src/main.py', 'src/lib/util.js', 'docs/ünï 字.md']) await row(a, p).waitFor()

    // Opened, an imported file is a live document with the archive's text — the CRLF one too.
    await row(a, 'src/main.py').click()
    await waitActiveFile(a, 'src/main.py')
    await waitActiveText(a, texts['src/main.py'], 'the imported main.py in the editor')
    assert.equal(await activePanel(a).getByRole('combobox', { name: 'Language' }).inputValue(), 'python')
    await row(a, 'src/lib/util.js').click()
    await waitActiveFile(a, 'src/lib/util.js')
    await waitActiveText(a, 'export const x = 1\nexport const y = 2\n', 'the imported util.js in the editor')

    // The export: every text file byte-identical to the uploaded one; nothing else.
    const [download] = await Promise.all([
      a.waitForEvent('download', { timeout: 15000 }),
      a.getByRole('button', { name: 'Download zip' }).click()
    ])
    const exported = readZip(fs.readFileSync(await download.path())).filter((e) => !e.name.endsWith('/'))
    assert.deepEqual(exported.map((e) => e.name).sort(), Object.keys(texts).sort())
    for (const e of exported) assert.ok(e.data.equals(Buffer.from(texts[e.name])), `${e.name}: ${JSON.stringify(e.data.toString())} is not ${JSON.stringify(texts[e.name])}`)
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('Upload folder and Import from a folder\'s context menu land under that folder; a folder is zipped in the browser with its relative paths and names intact',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const a = alice.page
    const pid = (await newProject(srv, alice, 'site', { 'web/keep.txt': 'keep\n' })).id
    // The bodies the page sends as Blobs, kept (Playwright's request does not carry a Blob's bytes).
    await a.addInitScript(() => {
      const send = window.fetch
      window.sentBodies = []
      window.fetch = async (input, init) => {
        if (init?.body instanceof Blob) window.sentBodies.push([...new Uint8Array(await init.body.arrayBuffer())])
        return send(input, init)
      }
    })
    await a.goto(`/p/${pid}`)

    // A folder on disk, with a nested folder, a UTF-8 name, CRLF text, an empty file and a binary.
    const site = path.join(scratch, 'upload', 'site')
    const files = {
      'index.html': '<!doctype html>\r\n<title>ü</title>\r\n',
      'css/main.css': 'body { margin: 0 }\n',
      'css/deep/ünï 字.txt': 'ünï\n',
      'empty.md': ''
    }
    for (const [p, text] of Object.entries(files)) writeScratch(path.join('upload', 'site', p), text)
    writeScratch(path.join('upload', 'site', 'logo.png'), PNG)

    await row(a, 'web').click({ button: 'right' })
    const sent = a.waitForRequest((r) => r.url().includes(`/api/projects/${pid}/import`))
    await choose(a, a.getByRole('menu', { name: 'Actions for web' }).getByRole('menuitem', { name: 'Upload folder…' }), site)
    let report = await importReport(a)
    // What the browser sent: a zip with the folder's relative paths, each entry stored, its name
    // flagged UTF-8 (bit 11) and its CRC-32 right.
    const request = await sent
    assert.equal(new URL(request.url()).searchParams.get('path'), 'web')
    assert.equal(request.headers()['content-type'], 'application/zip')
    const entries = readZip(Buffer.from(await a.evaluate(() => window.sentBodies[0])))
    assert.deepEqual(entries.map((e) => e.name).sort(), [...Object.keys(files), 'logo.png'].map((p) => `site/${p}`).sort())
    for (const e of entries) {
      assert.equal(e.method, 0, `${e.name}: stored`)
      assert.ok(e.flags & 0x0800, `${e.name}: UTF-8 name flag`)
      assert.equal(e.crc, crc32(e.data), `${e.name}: CRC-32`)
    }
    assert.deepEqual(report, { state: 'done', role: 'status', text: 'Imported 4 files into web. 1 binary file was not imported: web/site/logo.png.' })
    const expected = Object.fromEntries(Object.entries(files).map(([p, text]) => [`web/site/${p}`, text]))
    const got = await serverTexts(srv, alice, pid)
    assert.deepEqual(Object.keys(got).sort(), ['web/keep.txt', ...Object.keys(expected)].sort())
    for (const [p, text] of Object.entries(expected)) assert.ok(got[p].equals(Buffer.from(text)), `${p}: ${JSON.stringify(got[p].toString())}`)
    // The folder imported into is open in the tree, showing what came in.
    await row(a, 'web/site').waitFor()
    assert.equal(await row(a, 'web').getAttribute('aria-expanded'), 'true')

    // Import… from the same menu takes a .tar.gz (npm's "package/" layout) into the folder.
    const tgz = tarGz([{ name: 'package/' }, { name: 'package/index.js', data: 'module.exports = 42\n' }])
    await row(a, 'web').click({ button: 'right' })
    await choose(a, a.getByRole('menu', { name: 'Actions for web' }).getByRole('menuitem', { name: 'Import…' }), writeScratch('pkg.tgz', tgz))
    report = await importReport(a)
    assert.equal(report.text, 'Imported 1 file into web.')
    await row(a, 'web/package').waitFor()
    assert.ok(filePaths(await serverTree(srv, alice, pid)).includes('web/package/index.js'))
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('files dropped from outside: an archive on a folder row goes into that folder, loose files on the tree into the top level, the target outlined while they hover',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const a = alice.page
    const pid = (await newProject(srv, alice, 'drops', { 'lib/a.txt': 'a\n' })).id
    await a.goto(`/p/${pid}`)
    await row(a, 'lib').waitFor()

    const archive = zip([{ name: 'vendor/x.js', data: 'x()\r\n' }])
    const dt = await dropFiles(a, row(a, 'lib'), [{ name: 'vendor.zip', bytes: archive }])
    await waitFor(async () => (await row(a, 'lib').getAttribute('class')).includes('tree-row-drop'), 5000, 'the folder row outlined')
    assert.ok(!(await a.locator('.tree-area').getAttribute('class')).includes('tree-area-drop'), 'the tree is not the target')
    await row(a, 'lib').dispatchEvent('drop', { dataTransfer: dt })
    assert.equal((await importReport(a)).text, 'Imported 1 file into lib.')
    await row(a, 'lib/vendor').waitFor()
    assert.ok(!(await row(a, 'lib').getAttribute('class')).includes('tree-row-drop'), 'the outline goes with the drop')

    // Two loose files on the empty space below the rows: zipped and imported at the top level.
    const area = a.locator('.tree-area')
    const loose = await dropFiles(a, area, [
      { name: 'notes.md', bytes: Buffer.from('# notes\r\n') },
      { name: 'data.bin', bytes: PNG }
    ])
    await waitFor(async () => (await area.getAttribute('class')).includes('tree-area-drop'), 5000, 'the tree outlined')
    await area.dispatchEvent('drop', { dataTransfer: loose })
    assert.equal((await importReport(a)).text, 'Imported 1 file. 1 binary file was not imported: data.bin.')
    await row(a, 'notes.md').waitFor()
    const got = await serverTexts(srv, alice, pid)
    assert.deepEqual(Object.keys(got).sort(), ['lib/a.txt', 'lib/vendor/x.js', 'notes.md'])
    assert.ok(got['lib/vendor/x.js'].equals(Buffer.from('x()\r\n')))
    assert.ok(got['notes.md'].equals(Buffer.from('# notes\r\n')))
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('a refused archive shows the server\'s sentence naming the entry and imports nothing: a name with "..", a path that exists already',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const a = alice.page
    const pid = (await newProject(srv, alice, 'guarded', { 'keep.txt': 'keep me\n' })).id
    await a.goto(`/p/${pid}`)
    await row(a, 'keep.txt').waitFor()
    const before = await serverTree(srv, alice, pid)
    const input = a.getByTestId('import-archive-input')

    await input.setInputFiles(writeScratch('evil.zip', zip([{ name: 'good.txt', data: 'fine' }, { name: '../evil.txt', data: 'x' }])))
    let report = await importReport(a)
    assert.deepEqual(report, { state: 'failed', role: 'alert', text: '“../evil.txt” points outside the project (absolute, or with “..”).' })
    assert.deepEqual(await serverTree(srv, alice, pid), before, 'nothing was imported')
    assert.equal(await row(a, 'good.txt').count(), 0)

    // The same file chosen again after a dismissal is read again (the input was cleared).
    await sidebar(a).getByRole('button', { name: 'Dismiss' }).click()
    await sidebar(a).locator('.import-status').waitFor({ state: 'detached' })
    await input.setInputFiles(writeScratch('clash.zip', zip([{ name: 'new.txt', data: 'new' }, { name: 'keep.txt', data: 'overwrite?' }])))
    report = await importReport(a)
    assert.equal(report.state, 'failed')
    assert.match(report.text, /^“keep\.txt” is in the project already.*nothing was imported\.$/)
    assert.deepEqual(await serverTree(srv, alice, pid), before, 'nothing was imported')
    assert.equal((await serverTexts(srv, alice, pid))['keep.txt'].toString(), 'keep me\n')

    // Not an archive at all.
    await input.setInputFiles(writeScratch('fake.zip', 'hello, this is not a zip'))
    report = await importReport(a)
    assert.equal(report.state, 'failed')
    assert.match(report.text, /could not be read.*\(expected a \.zip or a \.tar\.gz\)\.$/)
    assert.deepEqual(await serverTree(srv, alice, pid), before, 'nothing was imported')
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('a viewer is offered no import: no buttons, no menu items, no file inputs, drops ignored', { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
  const bob = await join('bob')
  await register(bob)
  const b = bob.page
  const owner = await srv.account('carol')
  const pid = (await newProject(srv, owner, 'spec', { 'docs/spec.md': '# spec\n' })).id
  const m = await srv.api('PUT', `/api/projects/${pid}/members/bob`, { ...as(owner), body: { role: 'viewer' } })
  assert.equal(m.status, 200, m.text)
  await b.goto(`/p/${pid}`)
  await row(b, 'docs').waitFor()
  assert.equal(await sidebar(b).getByRole('button', { name: 'Import archive' }).count(), 0)
  assert.equal(await sidebar(b).getByRole('button', { name: 'Upload folder' }).count(), 0)
  assert.equal(await b.locator('input[type="file"]').count(), 0)
  await row(b, 'docs').click({ button: 'right' })
  assert.equal(await b.getByRole('menu').count(), 0, 'a folder has no actions for a viewer')
  const dt = await dropFiles(b, row(b, 'docs'), [{ name: 'x.zip', bytes: zip([{ name: 'x.txt', data: 'x' }]) }])
  await row(b, 'docs').dispatchEvent('drop', { dataTransfer: dt })
  assert.equal(await sidebar(b).locator('.import-status').count(), 0)
  assert.deepEqual(filePaths(await serverTree(srv, owner, pid)), ['docs/spec.md'])
}))

test('on a phone the import buttons and the report fit in the tree\'s drawer', { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
  const alice = await join('alice', PHONE)
  await register(alice)
  const a = alice.page
  const pid = (await newProject(srv, alice, 'phone')).id
  await a.goto(`/p/${pid}`)
  await a.locator('header').getByRole('button', { name: 'Files', exact: true }).tap()
  const nav = sidebar(a)
  await nav.waitFor({ state: 'visible' })
  const button = nav.getByRole('button', { name: 'Import archive' })
  let box = null
  await waitFor(async () => { box = await nav.boundingBox(); return box && box.x >= 0 }, 5000, 'the drawer to slide in')
  for (const name of ['Import archive', 'Upload folder', 'Close files']) {
    const b = await nav.getByRole('button', { name }).boundingBox()
    assert.ok(b && b.x + b.width <= box.x + box.width && b.width >= 32, `${name} fits and is big enough to tap (${JSON.stringify(b)})`)
  }
  const [chooser] = await Promise.all([a.waitForEvent('filechooser', { timeout: 10000 }), button.tap()])
  const names = Array.from({ length: 5 }, (_, i) => `assets/picture-with-a-long-name-${i}.png`)
  await chooser.setFiles(writeScratch('phone.zip', zip([{ name: 'app.py', data: 'print(1)\n' }, ...names.map((name) => ({ name, data: PNG }))])))
  const report = await importReport(a)
  assert.equal(report.text, `Imported 1 file. 5 binary files were not imported: ${names.slice(0, 3).join(', ')} and 2 more.`)
  const r = await nav.locator('.import-status').boundingBox()
  assert.ok(r && r.x >= box.x && r.x + r.width <= box.x + box.width, `the report is inside the drawer (${JSON.stringify(r)})`)
  await row(a, 'app.py').waitFor()
  const m = await a.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
  assert.ok(m.scrollWidth <= m.innerWidth, `no sideways scrolling (${JSON.stringify(m)})`)
  assert.deepEqual(alice.errors, [], 'no page errors')
}))
