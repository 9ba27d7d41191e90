// mobile.test.mjs — the web app on a phone: a 390×844 touch screen (PHONE in browser.mjs) in
// Chromium's mobile emulation. On the documents page and in the editor, in every state a person
// reaches (lists, dialogs, owner's and viewer's toolbars), the page is never wider than the screen,
// every action (new, open, rename, make public / private, delete, language, share, download) has a
// control inside the screen that works with a tap, and the document's name is shown in full. The
// user menu (sign out), the save state, the people list (follow someone) and the follow bar fit too.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import {
  PHONE, checkPrerequisites, launchBrowser, register, waitConnected, as, createDocument,
  browserScenario
} from './browser.mjs'

let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

// Nothing sticks out sideways: the page's width is the screen's.
async function assertNoSidewaysScroll (page, where) {
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    innerWidth: window.innerWidth
  }))
  assert.equal(m.innerWidth, PHONE.viewport.width, `${where}: the layout viewport is the phone's width (${JSON.stringify(m)})`)
  assert.ok(m.scrollWidth <= m.innerWidth && m.bodyScrollWidth <= m.innerWidth,
    `${where}: the page scrolls sideways (${JSON.stringify(m)})`)
}

// The element is shown and lies inside the screen once scrolled to; returns its box.
async function assertOnScreen (locator, what) {
  await locator.waitFor({ state: 'visible', timeout: 10000 })
  await locator.scrollIntoViewIfNeeded()
  const box = await locator.boundingBox()
  const { width, height } = PHONE.viewport
  assert.ok(box, `${what}: has a box`)
  assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5 && box.y >= 0 && box.y + box.height <= height + 0.5,
    `${what}: inside the 390×844 screen (box ${JSON.stringify(box)})`)
  return box
}

// A control: on screen, and at least 32×32 px, a size a finger hits.
async function assertReachable (locator, what) {
  const box = await assertOnScreen(locator, what)
  assert.ok(box.width >= 32 - 0.5 && box.height >= 32 - 0.5, `${what}: big enough to tap (box ${JSON.stringify(box)})`)
}

async function tap (locator, what) {
  await assertReachable(locator, what)
  await locator.tap()
}

// The element shows all of its text: nothing cut off with an ellipsis.
async function assertNameReadable (locator, name, where) {
  await locator.waitFor()
  const m = await locator.evaluate((el) => ({ text: el.textContent, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }))
  assert.equal(m.text, name, `${where}: the name`)
  assert.ok(m.scrollWidth <= m.clientWidth, `${where}: "${name}" is shown in full (${JSON.stringify(m)})`)
}

const NAME = 'quarterly-report-draft.md'
const RENAMED = 'quarterly-report-final.md'

test('on a phone, every action of the documents page works by tapping, without scrolling sideways',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, browser, async (srv, join) => {
    const alice = await join('alice', PHONE)
    const a = alice.page
    await register(alice)
    const bob = await srv.account('bob')
    const id = await createDocument(srv, alice, NAME, '# Q3\n')
    const scratch = await createDocument(srv, alice, 'scratch.txt', 'x\n')
    await createDocument(srv, bob, 'team-notes-for-alice.md', '- hi\n', { alice: 'editor' })
    await createDocument(srv, bob, 'readonly-spec.txt', 'spec\n', { alice: 'viewer' })
    await a.reload()
    const row = (docId) => a.locator(`.doc-row[data-doc-id="${docId}"]`)
    await row(id).waitFor()
    await assertNoSidewaysScroll(a, 'documents page')
    await assertNameReadable(row(id).locator('.doc-name'), NAME, 'documents page')
    await assertReachable(a.getByLabel('Filter documents'), 'the filter')
    await tap(a.getByRole('button', { name: 'Account: alice' }), 'the user menu')
    await assertReachable(a.getByRole('menuitem', { name: 'Sign out' }), 'sign out')
    await assertNoSidewaysScroll(a, 'documents page, user menu open')
    await a.keyboard.press('Escape')
    await a.getByRole('menu').waitFor({ state: 'detached' })
    for (const r of await a.locator('.doc-row').all()) {
      for (const b of await r.getByRole('button').all()) await assertReachable(b, `"${await b.textContent()}" of a row`)
    }

    // Make public, then private again.
    await tap(row(id).getByRole('button', { name: `Make ${NAME} public` }), 'make public')
    await row(id).getByRole('button', { name: `Make ${NAME} private` }).waitFor()
    assert.equal((await srv.api('GET', `/api/documents/${id}`, as(alice))).json.is_public, true)
    await assertNoSidewaysScroll(a, 'documents page, a public document')
    await tap(row(id).getByRole('button', { name: `Make ${NAME} private` }), 'make private')
    await row(id).getByRole('button', { name: `Make ${NAME} public` }).waitFor()
    assert.equal((await srv.api('GET', `/api/documents/${id}`, as(alice))).json.is_public, false)

    // Rename.
    await tap(row(id).getByRole('button', { name: `Rename ${NAME}` }), 'rename')
    const dialog = a.getByRole('dialog', { name: 'Rename' })
    await dialog.waitFor()
    await assertNoSidewaysScroll(a, 'rename dialog')
    await dialog.getByRole('textbox').fill(RENAMED)
    await tap(dialog.getByRole('button', { name: 'Rename' }), 'the rename dialog\'s Rename')
    await waitFor(async () => (await row(id).locator('.doc-name').textContent()) === RENAMED, 10000, 'the new name in the list')
    await assertNameReadable(row(id).locator('.doc-name'), RENAMED, 'documents page after renaming')

    // Delete, confirmed in a dialog.
    await tap(row(scratch).getByRole('button', { name: 'Delete scratch.txt' }), 'delete')
    const confirm = a.getByRole('dialog', { name: 'Delete document' })
    await confirm.waitFor()
    await assertNoSidewaysScroll(a, 'delete dialog')
    await tap(confirm.getByRole('button', { name: 'Delete' }), 'the delete dialog\'s Delete')
    await row(scratch).waitFor({ state: 'detached' })
    assert.equal((await srv.api('GET', `/api/documents/${scratch}`, as(alice))).status, 404)

    // New document: the dialog fits too.
    await tap(a.getByRole('button', { name: 'New document' }), 'new document')
    await a.getByRole('dialog').waitFor()
    await assertNoSidewaysScroll(a, 'new document dialog')
    await tap(a.getByRole('dialog').getByRole('button', { name: 'Cancel' }), 'cancel')
    await a.getByRole('dialog').waitFor({ state: 'detached' })

    // Open a document with a tap on its name.
    await tap(row(id).locator('.doc-title'), 'the document\'s name')
    await a.waitForURL(new RegExp(`/d/${id}$`))
    await waitConnected(a)
  }))

test('on a phone, every action of the editor works by tapping, without scrolling sideways; the name stays readable',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, browser, async (srv, join) => {
    const alice = await join('alice', { ...PHONE, acceptDownloads: true })
    const a = alice.page
    await register(alice)
    const bob = await srv.account('bob')
    const id = await createDocument(srv, alice, NAME, '# Q3\nrevenue up\n')
    const spec = await createDocument(srv, bob, 'readonly-spec.txt', 'spec\n', { alice: 'viewer' })
    await a.goto(`/d/${id}`)
    await a.locator('.monaco-editor').waitFor({ timeout: 20000 })
    await waitConnected(a)
    await assertNoSidewaysScroll(a, 'editor')
    const heading = a.getByRole('button', { name: NAME })
    await assertNameReadable(heading, NAME, 'editor toolbar')
    await assertOnScreen(a.locator('[data-status]'), 'the connection status')
    await assertOnScreen(a.getByTestId('save-state'), 'the save state')
    await waitFor(async () => (await a.getByTestId('save-state').textContent()) === 'All changes saved', 10000, 'saved')
    await assertReachable(a.getByRole('link', { name: 'Back to documents' }), 'back to documents')
    await tap(a.getByRole('button', { name: 'Account: alice' }), 'the user menu in the editor')
    await assertReachable(a.getByRole('menuitem', { name: 'Sign out' }), 'sign out in the editor')
    await assertNoSidewaysScroll(a, 'editor, user menu open')
    await a.keyboard.press('Escape')
    await a.getByRole('menu').waitFor({ state: 'detached' })

    // Language.
    const language = a.getByRole('combobox', { name: 'Language' })
    await tap(language, 'the language')
    await language.selectOption('plaintext')
    await waitFor(async () => (await srv.api('GET', `/api/documents/${id}`, as(alice))).json.language === 'plaintext', 10000, 'the language change')
    await assertNoSidewaysScroll(a, 'editor after a language change')

    // Download.
    const [download] = await Promise.all([
      a.waitForEvent('download', { timeout: 10000 }),
      tap(a.getByRole('button', { name: 'Download' }), 'download')
    ])
    assert.equal(download.suggestedFilename(), NAME)

    // Rename from the name in the toolbar.
    await tap(heading, 'the name (rename)')
    const rename = a.getByRole('dialog', { name: 'Rename' })
    await rename.waitFor()
    await assertNoSidewaysScroll(a, 'editor, rename dialog')
    await rename.getByRole('textbox').fill(RENAMED)
    await tap(rename.getByRole('button', { name: 'Rename' }), 'the rename dialog\'s Rename')
    await assertNameReadable(a.getByRole('button', { name: RENAMED }), RENAMED, 'editor toolbar after renaming')

    // Share: add a person, make the document public and private again.
    await tap(a.getByRole('button', { name: 'Share' }), 'share')
    const share = a.getByRole('dialog', { name: /^Share/ })
    await share.waitFor()
    await assertNoSidewaysScroll(a, 'share dialog')
    await share.getByLabel('Username to add').fill('bob')
    await tap(share.getByRole('button', { name: 'Add', exact: true }), 'add')
    await share.locator('.member[data-username="bob"]').waitFor()
    await assertNoSidewaysScroll(a, 'share dialog with a member')
    await assertReachable(share.getByLabel('Role of bob'), 'bob\'s role')
    await assertReachable(share.getByRole('button', { name: 'Remove bob' }), 'remove bob')
    const pub = share.locator('label.checkbox', { hasText: 'Public' }) // the whole line takes the tap
    await tap(pub, 'public')
    await waitFor(async () => (await srv.api('GET', `/api/documents/${id}`, as(alice))).json.is_public === true, 10000, 'public')
    await tap(pub, 'private')
    await waitFor(async () => (await srv.api('GET', `/api/documents/${id}`, as(alice))).json.is_public === false, 10000, 'private')
    await assertReachable(share.getByRole('button', { name: 'Copy link' }), 'copy link')
    await tap(share.getByRole('button', { name: 'Close' }), 'close')
    await share.waitFor({ state: 'detached' })

    // A viewer's toolbar (with its "Read-only" badge) fits as well.
    await a.goto(`/d/${spec}`)
    await a.locator('.monaco-editor').waitFor({ timeout: 20000 })
    await waitConnected(a)
    await a.locator('.badge-viewer').waitFor()
    await assertNoSidewaysScroll(a, 'editor as a viewer')
    await assertNameReadable(a.locator('.doc-heading'), 'readonly-spec.txt', 'viewer\'s toolbar')
    await assertReachable(a.getByRole('button', { name: 'Download' }), 'the viewer\'s download')
  }))

test('on a phone, the people list names who is here and following one by a tap keeps their cursor in view',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, browser, async (srv, join) => {
    const alice = await join('alice', PHONE)
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const text = Array.from({ length: 80 }, (_, i) => `row ${i + 1}`).join('\n')
    const id = await createDocument(srv, alice, 'rows.txt', text, { bob: 'editor' })
    const a = alice.page
    const b = bob.page
    for (const page of [a, b]) {
      await page.goto(`/d/${id}`)
      await page.locator('.monaco-editor').waitFor({ timeout: 20000 })
      await waitConnected(page)
    }
    const chip = a.getByRole('button', { name: 'bob', exact: true })
    await assertNameReadable(chip.locator('.presence-name'), 'bob', 'the people list')
    await tap(chip, 'follow bob')
    await assertOnScreen(a.getByText('Following bob'), 'the follow bar')
    await assertReachable(a.getByRole('button', { name: 'Stop following' }), 'stop following')
    await assertNoSidewaysScroll(a, 'editor, following')
    await b.locator('.monaco-editor .view-lines').click()
    await b.keyboard.press('Control+End')
    await waitFor(() => a.evaluate(() => [...document.querySelectorAll('.monaco-editor .margin .line-numbers')]
      .some((el) => el.textContent === '80')), 10000, 'Alice\'s editor to show Bob\'s cursor on row 80')
    await tap(a.getByRole('button', { name: 'Stop following' }), 'stop following')
    await a.getByText('Following bob').waitFor({ state: 'detached' })
  }))
