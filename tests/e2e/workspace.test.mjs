// workspace.test.mjs — projects in the web app (/p/<id>): two people in one project, one creating,
// renaming, moving and deleting files (through the tree's buttons, its keys and its context menu)
// while the other has them open in tabs — each tab a live editor with its own presence, a rename
// keeping the tab's connection and showing the new path, a deletion saying so, closing a tab
// leaving the file's presence; quick open's fuzzy matching; deep links; the tree as a drawer on a
// phone. The tree reaches the other person through the project's live channel; the people list
// names who is in which file, and following someone follows them from file to file. The
// first test saves the README's screenshot of the workspace (docs/screenshots/workspace.png).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import { PHONE, REPO, checkPrerequisites, launchBrowser, register, as, browserScenario as sharedScenario } from './browser.mjs'
import { activePanel, tab, row, waitActiveFile, waitActiveText, newProject, createProjectInUi } from './workspace_helpers.mjs'

const SCREENSHOTS = path.join(REPO, 'docs/screenshots')

let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

const browserScenario = (t, fn) => sharedScenario(t, browser, fn)

async function typeAtEnd (page, text) {
  await activePanel(page).locator('.monaco-editor .view-lines').click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(text, { delay: 10 })
}

async function treePaths (srv, p, id) {
  const r = await srv.api('GET', `/api/projects/${id}/tree`, as(p))
  assert.equal(r.status, 200, r.text)
  return r.json.files.map((f) => f.path).sort()
}

test('two people in one project (shared from its Share dialog): files created, renamed, moved and deleted by one reach the other\'s tree and open tabs, which stay live',
  { timeout: TEST_TIMEOUT * 2 }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const a = alice.page
    const b = bob.page

    // Alice creates the project from the documents page and lands in it.
    const pid = await createProjectInUi(a, 'demo')
    await a.getByRole('heading', { name: 'demo' }).waitFor()
    // She shares it with Bob as an editor from its Share dialog.
    await a.getByRole('button', { name: 'Share' }).click()
    const share = a.getByRole('dialog', { name: 'Share “demo”' })
    await share.getByLabel('Username to add').fill('bob')
    await share.getByRole('button', { name: 'Add', exact: true }).click()
    await share.locator('.member[data-username="bob"]').waitFor()
    assert.equal(await share.getByLabel('Link to this project').inputValue(), `${srv.httpUrl}/p/${pid}`)
    await a.keyboard.press('Escape')
    await share.waitFor({ state: 'detached' })

    // She makes src/main.py with the tree's New file button; it opens in a tab and takes text.
    const sidebar = a.getByRole('navigation', { name: 'Project files' })
    await sidebar.getByRole('button', { name: 'New file' }).click()
    const dialog = a.getByRole('dialog', { name: 'New file' })
    await dialog.getByLabel('File name').fill('src/main.py')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await waitActiveFile(a, 'src/main.py')
    await a.waitForURL(new RegExp(`/p/${pid}/src/main\\.py$`))
    assert.equal(await activePanel(a).getByRole('combobox', { name: 'Language' }).inputValue(), 'python')
    await typeAtEnd(a, 'hello = 1')
    await waitActiveText(a, (s) => s === 'hello = 1', 'Alice\'s text')

    // Bob's documents page lists the project; he opens it and the file from the tree.
    await b.reload()
    await b.locator(`[data-project-id="${pid}"]`).getByRole('link', { name: 'demo' }).click()
    await b.waitForURL(new RegExp(`/p/${pid}$`))
    await row(b, 'src').click()
    await row(b, 'src/main.py').click()
    await waitActiveFile(b, 'src/main.py')
    await waitActiveText(b, (s) => s === 'hello = 1', 'Bob to see Alice\'s text')
    // Each sees the other in this file's presence.
    await activePanel(a).locator('.presence [data-user="bob"]').waitFor()
    await activePanel(b).locator('.presence [data-user="alice"]').waitFor()
    await tab(b, 'src/main.py').locator('[data-people="alice"]').waitFor() // and on the tab

    // Alice adds a file from the context menu of the empty tree area: Bob's tree shows it.
    await a.locator('.tree-area').click({ button: 'right', position: { x: 100, y: 150 } })
    await a.getByRole('menu').getByRole('menuitem', { name: 'New file…' }).click()
    await a.getByRole('dialog', { name: 'New file' }).getByLabel('File name').fill('README.md')
    await a.getByRole('dialog', { name: 'New file' }).getByRole('button', { name: 'Create' }).click()
    await waitActiveFile(a, 'README.md')
    await typeAtEnd(a, '# demo')
    await row(b, 'README.md').waitFor({ timeout: 10000 })
    // Bob opens it with the keyboard: focus the tree, go down to it, Enter.
    await row(b, 'src/main.py').focus()
    await b.keyboard.press('ArrowDown')
    await b.keyboard.press('Enter')
    await waitActiveFile(b, 'README.md')
    await waitActiveText(b, (s) => s === '# demo', 'Bob to see the README')
    // Bob's workspace, two tabs open, for the README.
    fs.mkdirSync(SCREENSHOTS, { recursive: true })
    await b.screenshot({ path: path.join(SCREENSHOTS, 'workspace.png') })

    // Bob goes back to main.py's tab; Alice renames it with F2 in her tree.
    await tab(b, 'src/main.py').click()
    await waitActiveFile(b, 'src/main.py')
    await row(a, 'src/main.py').focus()
    await a.keyboard.press('F2')
    const rename = a.getByRole('dialog', { name: 'Rename main.py' })
    await rename.getByLabel('New name').fill('app.py')
    await rename.getByRole('button', { name: 'Rename' }).click()
    await rename.waitFor({ state: 'detached' })
    await tab(a, 'src/app.py').waitFor()
    await a.waitForURL(new RegExp(`/p/${pid}/README\\.md$`)) // her active tab is still the README
    // Bob's tab follows: the new path on the tab, in its bar and in his address bar, same connection.
    await tab(b, 'src/app.py').waitFor({ timeout: 10000 })
    await activePanel(b).getByTestId('file-path').filter({ hasText: 'src/app.py' }).waitFor()
    await b.waitForURL(new RegExp(`/p/${pid}/src/app\\.py$`))
    assert.equal(await activePanel(b).locator('[data-status]').getAttribute('data-status'), 'connected')
    await typeAtEnd(b, '\nworld = 2')
    await tab(a, 'src/app.py').click()
    await waitActiveText(a, (s) => s === 'hello = 1\nworld = 2', 'Alice to see Bob\'s edit after the rename')

    // Alice moves the README into docs/ from its context menu; Bob's README tab shows the new path.
    await row(a, 'README.md').click({ button: 'right' })
    await a.getByRole('menu', { name: 'Actions for README.md' }).getByRole('menuitem', { name: 'Move to…' }).click()
    const move = a.getByRole('dialog', { name: 'Move README.md' })
    await move.getByLabel('To folder').fill('docs')
    await move.getByRole('button', { name: 'Move' }).click()
    await move.waitFor({ state: 'detached' })
    await row(a, 'docs/README.md').waitFor()
    await tab(b, 'docs/README.md').waitFor({ timeout: 10000 })
    assert.deepEqual(await treePaths(srv, alice, pid), ['docs/README.md', 'src/app.py'])

    // Closing a tab disconnects it: Alice, in the README, sees Bob leave it when he closes his tab.
    await tab(a, 'docs/README.md').click()
    await waitActiveFile(a, 'docs/README.md')
    await activePanel(a).locator('.presence [data-user="bob"]').waitFor()
    await b.getByRole('button', { name: 'Close docs/README.md' }).click()
    await tab(b, 'docs/README.md').waitFor({ state: 'detached' })
    await activePanel(a).locator('.presence [data-user="bob"]').waitFor({ state: 'detached', timeout: 15000 })
    await tab(a, 'docs/README.md').locator('.tab-people').waitFor({ state: 'detached' })
    assert.equal(await b.getByRole('tab').count(), 1)

    // Alice deletes src/app.py with the Delete key: her tab closes, Bob's says the file was deleted.
    await row(a, 'src/app.py').focus()
    await a.keyboard.press('Delete')
    const confirm = a.getByRole('dialog', { name: 'Delete app.py' })
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await confirm.waitFor({ state: 'detached' })
    await tab(a, 'src/app.py').waitFor({ state: 'detached' })
    await activePanel(b).getByRole('heading', { name: 'File deleted' }).waitFor({ timeout: 15000 })
    await tab(b, 'src/app.py').locator('.tab-note', { hasText: 'deleted' }).waitFor()
    await row(b, 'src/app.py').waitFor({ state: 'detached', timeout: 10000 })
    await activePanel(b).getByRole('button', { name: 'Close tab' }).click()
    assert.equal(await b.getByRole('tab').count(), 0)

    // Folders: Alice makes one from its context menu, renames it, and deletes it with its file.
    await row(a, 'docs').click({ button: 'right' })
    await a.getByRole('menuitem', { name: 'Rename…' }).click()
    await a.getByRole('dialog', { name: 'Rename docs' }).getByLabel('New name').fill('guide')
    await a.getByRole('dialog', { name: 'Rename docs' }).getByRole('button', { name: 'Rename' }).click()
    await row(a, 'guide/README.md').waitFor()
    await row(b, 'guide').waitFor({ timeout: 10000 }) // closed in his tree: he never opened it
    assert.deepEqual(await treePaths(srv, alice, pid), ['guide/README.md'])
    await tab(a, 'guide/README.md').waitFor() // her open tab followed the folder
    await sidebar.getByRole('button', { name: 'New folder' }).click()
    await a.getByRole('dialog', { name: 'New folder' }).getByLabel('Folder name').fill('empty')
    await a.getByRole('dialog', { name: 'New folder' }).getByRole('button', { name: 'Create' }).click()
    await row(b, 'empty').waitFor({ timeout: 10000 })
    await row(a, 'guide').focus()
    await a.keyboard.press('Delete')
    await a.getByRole('dialog', { name: 'Delete guide' }).getByRole('button', { name: 'Delete' }).click()
    await row(b, 'guide').waitFor({ state: 'detached', timeout: 10000 })
    assert.deepEqual(await treePaths(srv, alice, pid), [])
    assert.equal(await a.getByRole('tab').count(), 0)
    assert.deepEqual([...alice.errors, ...bob.errors], [], 'no page errors')
  }))

test('quick open finds files by fuzzy path (Ctrl+P, also from the editor); search jumps to a match; the project downloads as a zip; rows move by dragging',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice', { acceptDownloads: true })
    await register(alice)
    const a = alice.page
    const { id } = await newProject(srv, alice, 'service', {
      'src/server/main.cpp': 'int main() {}\n',
      'src/server/room.cpp': '// room\n',
      'src/web/main.tsx': 'export {}\n',
      'docs/README.md': '# service\n',
      'src/main_menu.txt': 'menu\n'
    })

    await a.goto(`/p/${id}`)
    await row(a, 'src').click()
    await row(a, 'src/web').click()
    await row(a, 'src/web/main.tsx').click()
    await waitActiveFile(a, 'src/web/main.tsx')
    await a.waitForURL(new RegExp(`/p/${id}/src/web/main\\.tsx$`))

    // Ctrl+P with the focus in the editor; "srvmain" ranks src/server/main.cpp first.
    await activePanel(a).locator('.monaco-editor .view-lines').click()
    await a.keyboard.press('Control+p')
    const quick = a.getByRole('dialog', { name: 'Go to file' })
    await quick.waitFor()
    await a.keyboard.type('srvmain')
    const options = quick.getByRole('option')
    await waitFor(async () => (await options.count()) === 1, 5000, 'one match for srvmain')
    assert.equal(await options.first().getAttribute('data-path'), 'src/server/main.cpp')
    await a.keyboard.press('Enter')
    await quick.waitFor({ state: 'detached' })
    await waitActiveFile(a, 'src/server/main.cpp')
    await a.waitForURL(new RegExp(`/p/${id}/src/server/main\\.cpp$`))

    // "main" prefers files named main over a path that merely contains the letters.
    await a.keyboard.press('Control+p')
    await quick.waitFor()
    await a.keyboard.type('main')
    await waitFor(async () => (await quick.getByRole('option').count()) === 3, 5000, 'three matches for main')
    const paths = await quick.getByRole('option').evaluateAll((els) => els.map((e) => e.dataset.path))
    assert.deepEqual(paths.slice(0, 2).sort(), ['src/server/main.cpp', 'src/web/main.tsx'])
    assert.ok(paths.includes('src/main_menu.txt'), JSON.stringify(paths))
    assert.ok(!paths.includes('src/server/room.cpp'), JSON.stringify(paths))
    // ↓ then Enter opens the second.
    await a.keyboard.press('ArrowDown')
    const second = paths[1]
    await a.keyboard.press('Enter')
    await waitActiveFile(a, second)
    assert.equal(await a.getByRole('tab').count(), 2, 'a file already open is not opened twice')

    // Ctrl+Shift+F from the editor: the search field; a match opens its file with the match selected.
    await activePanel(a).locator('.monaco-editor .view-lines').click()
    await a.keyboard.press('Control+Shift+F')
    const field = a.getByRole('searchbox', { name: 'Search in files' })
    await waitFor(async () => await field.evaluate((el) => el === document.activeElement), 5000, 'the search field to take the focus')
    await a.keyboard.type('ROOM')
    const results = a.getByRole('list', { name: 'Search results' })
    const hit = results.locator('.search-match[data-path="src/server/room.cpp"]')
    await hit.waitFor({ timeout: 10000 })
    assert.equal(await results.locator('.search-match').count(), 1, 'one match, case-insensitive')
    assert.equal(await hit.locator('mark').textContent(), 'room')
    await hit.click()
    await waitActiveFile(a, 'src/server/room.cpp')
    await activePanel(a).locator('.monaco-editor .selected-text').first().waitFor({ timeout: 10000 })
    // Match case finds nothing for ROOM.
    await a.getByRole('button', { name: 'Match case' }).click()
    await a.getByRole('status').filter({ hasText: /^0 matches/ }).waitFor({ timeout: 10000 })

    // Download zip: the project's files in one archive.
    const [download] = await Promise.all([
      a.waitForEvent('download', { timeout: 15000 }),
      a.getByRole('button', { name: 'Download zip' }).click()
    ])
    assert.equal(download.suggestedFilename(), 'service.zip')
    const zip = fs.readFileSync(await download.path())
    assert.equal(zip.subarray(0, 2).toString(), 'PK')
    for (const name of ['src/server/main.cpp', 'src/web/main.tsx', 'docs/README.md']) {
      assert.ok(zip.includes(Buffer.from(name)), `the zip has ${name}`)
    }

    // Back to the tree: a row dragged onto a folder moves there; onto the empty space below the
    // rows, to the top.
    await a.getByRole('group', { name: 'Sidebar' }).getByRole('button', { name: 'Files' }).click()
    await row(a, 'src/main_menu.txt').dragTo(row(a, 'docs'))
    await row(a, 'docs/main_menu.txt').waitFor({ timeout: 10000 })
    await row(a, 'docs/main_menu.txt').dragTo(a.locator('.tree-area'), { targetPosition: { x: 100, y: 400 } })
    await row(a, 'main_menu.txt').waitFor({ timeout: 10000 })
    assert.ok((await treePaths(srv, alice, id)).includes('main_menu.txt'))
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('a deep link /p/<id>/<path> opens its file, with its folders open in the tree, also on a reload; a link to no file says so',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const a = alice.page
    const { id } = await newProject(srv, alice, 'links', {
      'build/Makefile': 'all:\n',
      'src/web/main.tsx': 'export {}\n',
      'docs/a b#c.md': 'odd name\n'
    })

    await a.goto(`/p/${id}/build/Makefile`)
    await waitActiveFile(a, 'build/Makefile')
    await waitActiveText(a, (s) => s.startsWith('all:'), 'the deep-linked Makefile')
    assert.equal(await row(a, 'build/Makefile').getAttribute('aria-selected'), 'true')
    assert.equal(await row(a, 'build').getAttribute('aria-expanded'), 'true')

    // A file name with an extension (the server answers index.html for every path under /p/).
    await a.goto(`/p/${id}/src/web/main.tsx`)
    await waitActiveFile(a, 'src/web/main.tsx')
    await waitActiveText(a, (s) => s.startsWith('export {}'), 'the deep-linked main.tsx')
    assert.equal(await row(a, 'src/web').getAttribute('aria-expanded'), 'true')

    // Names that need escaping round-trip through the address bar; a reload reopens the file.
    await a.goto(`/p/${id}`)
    await row(a, 'docs').click()
    await row(a, 'docs/a b#c.md').click()
    await waitActiveFile(a, 'docs/a b#c.md')
    assert.equal(new URL(a.url()).pathname, `/p/${id}/docs/a%20b%23c.md`)
    await a.reload()
    await waitActiveFile(a, 'docs/a b#c.md')

    await a.goto(`/p/${id}/no/such.py`)
    await a.getByRole('alert').filter({ hasText: 'There is no file no/such.py in this project.' }).waitFor()
    await a.goto('/p/987654')
    await a.getByRole('heading', { name: 'Project not found' }).waitFor()
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('a viewer of a project sees the tree and files read-only: no tree changes offered, editors read-only',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const bob = await join('bob')
    await register(bob)
    const b = bob.page
    const owner = await srv.account('carol')
    const { id } = await newProject(srv, owner, 'spec', { 'docs/spec.md': '# spec\n' }, { bob: 'viewer' })
    await b.goto(`/p/${id}`)
    await b.locator('.badge-viewer').waitFor()
    const sidebar = b.getByRole('navigation', { name: 'Project files' })
    await row(b, 'docs').waitFor()
    assert.equal(await sidebar.getByRole('button', { name: 'New file' }).count(), 0)
    assert.equal(await b.getByRole('button', { name: 'Share' }).count(), 0)
    await row(b, 'docs').click()
    await row(b, 'docs/spec.md').click({ button: 'right' })
    const items = await b.getByRole('menu').getByRole('menuitem').allTextContents()
    assert.deepEqual(items, ['Open'])
    await b.keyboard.press('Escape')
    await b.getByRole('menu').waitFor({ state: 'detached' })
    await b.keyboard.press('F2')
    await b.keyboard.press('Delete')
    assert.equal(await b.getByRole('dialog').count(), 0, 'F2 and Delete do nothing for a viewer')
    await b.keyboard.press('Enter')
    await waitActiveFile(b, 'docs/spec.md')
    assert.equal(await activePanel(b).getByTestId('editor').getAttribute('data-readonly'), 'true')
    assert.deepEqual(bob.errors, [], 'no page errors')
  }))

test('on a phone the tree is a drawer: Files opens it, opening a file closes it, nothing scrolls sideways',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice', PHONE)
    await register(alice)
    const a = alice.page
    const { id } = await newProject(srv, alice, 'phone project with a long name', { 'src/app/main.py': 'print(1)\n', 'notes.md': 'x\n' })
    await a.goto(`/p/${id}`)
    const sidebar = a.getByRole('navigation', { name: 'Project files' })
    const files = a.locator('header').getByRole('button', { name: 'Files', exact: true })
    await files.waitFor()
    await sidebar.waitFor({ state: 'hidden' })
    assert.equal(await files.getAttribute('aria-expanded'), 'false')

    await files.tap()
    await sidebar.waitFor({ state: 'visible' })
    let box = null
    await waitFor(async () => { box = await sidebar.boundingBox(); return box && box.x >= 0 }, 5000, 'the drawer to slide in',
      () => JSON.stringify(box))
    assert.ok(box.x + box.width <= PHONE.viewport.width, `the drawer is on screen (${JSON.stringify(box)})`)
    await row(a, 'src').tap()
    await row(a, 'src/app').tap()
    const file = row(a, 'src/app/main.py')
    const fileBox = await file.boundingBox()
    assert.ok(fileBox && fileBox.height >= 32, `a row is big enough to tap (${JSON.stringify(fileBox)})`)
    await file.tap()
    await sidebar.waitFor({ state: 'hidden' })
    await waitActiveFile(a, 'src/app/main.py')
    await waitActiveText(a, (s) => s.startsWith('print(1)'), 'the file on the phone')

    // The backdrop closes the drawer too.
    await files.tap()
    await sidebar.waitFor({ state: 'visible' })
    await a.touchscreen.tap(PHONE.viewport.width - 10, PHONE.viewport.height / 2)
    await sidebar.waitFor({ state: 'hidden' })
    const m = await a.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
    assert.ok(m.scrollWidth <= m.innerWidth, `no sideways scrolling (${JSON.stringify(m)})`)
    assert.deepEqual(alice.errors, [], 'no page errors')
  }))

test('the project\'s live channel: a new file reaches the other\'s tree at once; the people list says who is in which file, and following someone follows them from file to file',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const a = alice.page
    const b = bob.page
    const { id } = await newProject(srv, alice, 'live', { 'src/a.py': 'a = 1\n', 'src/b.py': Array.from({ length: 120 }, (_, i) => `b${i} = ${i}`).join('\n') + '\n' }, { bob: 'editor' })
    await a.goto(`/p/${id}/src/a.py`)
    await b.goto(`/p/${id}`)
    await waitActiveFile(a, 'src/a.py')
    await row(b, 'src').click()
    await row(b, 'src/a.py').waitFor()

    // Alice's file is named beside her in Bob's people list (and nobody polls: the tree reaches
    // Bob through the channel, within a second or so of Alice's create).
    const alicePeople = b.getByRole('list', { name: 'People in this project' }).locator('[data-user="alice"]')
    await alicePeople.filter({ hasText: 'alice · src/a.py' }).waitFor()
    const start = Date.now()
    const created = await srv.api('POST', `/api/projects/${id}/files`, { ...as(alice), body: { path: 'src/c.py', content: 'c = 3\n' } })
    assert.equal(created.status, 201, created.text)
    await row(b, 'src/c.py').waitFor({ timeout: 2500 })
    t.diagnostic(`the new file was in Bob's tree ${Date.now() - start} ms after the create`)

    // Bob follows Alice: her file opens in his workspace, following her cursor.
    await alicePeople.getByRole('button').click()
    await waitActiveFile(b, 'src/a.py')
    await b.getByRole('status').filter({ hasText: 'Following alice' }).waitFor()
    // She opens another file and moves to its end: Bob's workspace goes with her.
    await row(a, 'src/b.py').click()
    await waitActiveFile(a, 'src/b.py')
    await alicePeople.filter({ hasText: 'alice · src/b.py' }).waitFor()
    await waitActiveFile(b, 'src/b.py')
    await activePanel(a).locator('.monaco-editor .view-lines').click()
    await a.keyboard.press('Control+End')
    await a.keyboard.type('# here', { delay: 10 })
    await waitFor(async () => (await activePanel(b).locator('.view-line').filter({ hasText: '# here' }).count()) > 0, 10000, 'Bob\'s editor to show where Alice types, at the end of b.py')
    await b.getByRole('status').filter({ hasText: 'Following alice' }).waitFor()
    // Bob clicks in the text: following stops; Alice's next file does not pull him along.
    await activePanel(b).locator('.monaco-editor .view-lines').click()
    await b.getByText('Following alice').waitFor({ state: 'detached' })
    await row(a, 'src/c.py').click()
    await alicePeople.filter({ hasText: 'alice · src/c.py' }).waitFor()
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(await b.locator('.file-tab-panel:not([hidden])').getAttribute('data-path'), 'src/b.py', 'Bob stays where he is')
    assert.deepEqual(alice.errors, [], 'no page errors (alice)')
    assert.deepEqual(bob.errors, [], 'no page errors (bob)')
  }))

test('on a phone and on a desktop with someone else in the project: the people list fits without sideways scrolling; offline right after opening a file, an edit waits and arrives once back',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob', PHONE)
    await Promise.all([register(alice), register(bob)])
    const a = alice.page
    const b = bob.page
    const { id } = await newProject(srv, alice, 'a project with a rather long name', { 'src/app/very_long_module_name.py': 'x = 1\n' }, { bob: 'editor' })
    await a.goto(`/p/${id}/src/app/very_long_module_name.py`)
    await waitActiveFile(a, 'src/app/very_long_module_name.py')
    for (const page of [b, a]) {
      if (page === b) await b.goto(`/p/${id}`)
      const people = page.getByRole('list', { name: 'People in this project' })
      const other = page === b ? 'alice' : 'bob'
      await people.locator(`[data-user="${other}"]`).waitFor()
      const m = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))
      assert.ok(m.scrollWidth <= m.innerWidth, `${page === b ? 'phone' : 'desktop'}: no sideways scrolling (${JSON.stringify(m)})`)
      const box = await people.boundingBox()
      assert.ok(box && box.x >= 0 && box.x + box.width <= m.innerWidth, `the people list is on screen (${JSON.stringify(box)})`)
    }
    // Offline right after opening a file: the editor takes an edit, says it is not sent, and
    // sends it when the network is back (the project channel reconnects too).
    await b.goto(`/p/${id}/src/app/very_long_module_name.py`)
    await waitActiveFile(b, 'src/app/very_long_module_name.py')
    await bob.context.setOffline(true)
    await activePanel(b).locator('.monaco-editor .view-lines').tap()
    await b.keyboard.press('Control+End')
    await b.keyboard.type('# offline', { delay: 10 })
    await activePanel(b).locator('[data-status="connected"]').waitFor({ state: 'detached', timeout: 40000 })
    await bob.context.setOffline(false)
    await waitActiveFile(b, 'src/app/very_long_module_name.py', 40000)
    await waitActiveText(a, (s) => s.includes('# offline'), 'Bob\'s offline edit to reach Alice', 30000)
    await b.getByRole('list', { name: 'People in this project' }).locator('[data-user="alice"]').waitFor()
    assert.deepEqual(alice.errors, [], 'no page errors (alice)')
    assert.deepEqual(bob.errors, [], 'no page errors (bob)')
  }))
