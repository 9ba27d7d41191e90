// history.test.mjs — the History panel and "Who wrote this" in Chromium against `weft serve`
// (versions captured by the server after --history-quiet-ms, here 300 ms). Two people type; the
// panel lists the versions by day with both as authors ("Load older" pages on through a long
// history); selecting one shows Monaco's diff against the current text; restoring it (confirmed
// in a dialog) reaches the other person's editor live; naming, renaming and deleting go through
// the API and its errors are shown; a viewer gets no actions; Escape closes the comparison, then
// the panel, and the focus goes back to the History button. "Who wrote this" colors the lines of
// each person in their presence color and names them, and is disabled with an explanation when
// the server answers 404 for blame (Activity likewise). On a phone the panel is a bottom sheet and
// the diff is inline. The first test saves docs/screenshots/history.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import {
  REPO, PHONE, checkPrerequisites, launchBrowser, register, waitForText, openDocument, caretToEndOfLine,
  as, createDocument, serverText, waitServerText, editorText, browserScenario as sharedScenario
} from './browser.mjs'

let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

const QUIET_MS = 300
const flags = { 'history-quiet-ms': QUIET_MS }
const browserScenario = (t, fn) => sharedScenario(t, browser, fn, flags)

// colors.ts's colorForUser, as the browser computes it (hsl() reads back as rgb()).
const hue = (userId) => Math.round((userId * 137.508) % 360)

async function versions (srv, p, id) {
  const r = await srv.api('GET', `/api/documents/${id}/versions`, as(p))
  assert.equal(r.status, 200, r.text)
  return r.json.versions
}

async function versionText (srv, p, id, vid) {
  const r = await srv.api('GET', `/api/documents/${id}/versions/${vid}/content`, as(p))
  assert.equal(r.status, 200, r.text)
  return r.text
}

// Waits for a version whose text is `text`; resolves with it.
async function waitVersionWithText (srv, p, id, text, what) {
  let seen = []
  return waitFor(async () => {
    seen = await versions(srv, p, id)
    for (const v of seen) if (await versionText(srv, p, id, v.id) === text) return v
    return null
  }, 15000, what, () => `versions: ${JSON.stringify(seen)}`)
}

// The lines one side of the diff editor shows, in visual order.
function diffSide (page, side) {
  return page.evaluate((which) => {
    const root = document.querySelector(`[data-testid="version-diff"] .editor.${which}`)
    if (!root) return null
    const lines = [...root.querySelectorAll('.view-lines .view-line')]
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    return lines.map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n')
  }, side)
}

async function openHistory (page) {
  await page.getByRole('button', { name: 'History', exact: true }).click()
  const panel = page.getByTestId('history-panel')
  await panel.waitFor()
  return panel
}

test('History: versions by day with both authors, a diff against the current text, a confirmed restore that the other person sees live',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const start = 'line one\nline two\n'
    const id = await createDocument(srv, alice, 'notes.txt', start, { bob: 'editor' })
    const a = alice.page
    const b = bob.page
    await Promise.all([openDocument(a, id), openDocument(b, id)])
    await waitForText(a, (text) => text === start, 'Alice to load the document')
    await waitForText(b, (text) => text === start, 'Bob to load the document')

    // Both type at once: the burst becomes one version once the document is quiet.
    await caretToEndOfLine(a, 1)
    await caretToEndOfLine(b, 2)
    await Promise.all([a.keyboard.type(' alpha', { delay: 15 }), b.keyboard.type(' beta', { delay: 15 })])
    const both = 'line one alpha\nline two beta\n'
    await waitServerText(srv, alice, id, (text) => text === both, 'both edits on the server')
    const kept = await waitVersionWithText(srv, alice, id, both, 'a version with both edits')
    const authors = new Set((await versions(srv, alice, id)).flatMap((v) => v.users.map((u) => u.username)))
    assert.deepEqual([...authors].sort(), ['alice', 'bob'], 'the versions name both authors')

    // Bob goes on typing after the version.
    await caretToEndOfLine(b, 2)
    await b.keyboard.type(' gamma', { delay: 15 })
    const later = 'line one alpha\nline two beta gamma\n'
    await waitServerText(srv, alice, id, (text) => text === later, 'Bob\'s later edit on the server')
    await waitForText(a, (text) => text === later, 'Alice to see Bob\'s later edit')

    // Alice opens History: the focus moves into the panel; the versions are under "Today", with
    // both authors in their presence colors; none is selected.
    const panel = await openHistory(a)
    await waitFor(() => a.evaluate(() => document.activeElement?.id === 'history-heading'), 5000, 'the focus in the panel')
    const item = panel.locator(`.version-button[data-version-id="${kept.id}"]`)
    await item.waitFor()
    assert.equal(await panel.locator('.version-day-label').first().textContent(), 'Today')
    for (const who of [alice, bob]) {
      const author = panel.locator(`.version-author[data-user="${who.name}"]`).first()
      await author.waitFor()
      const color = await author.locator('.author-dot').evaluate((el) => el.style.background)
      const expected = await a.evaluate((h) => { const d = document.createElement('div'); d.style.background = `hsl(${h} 70% 45%)`; return d.style.background }, hue(who.user.id))
      assert.equal(color, expected, `${who.name}'s color is the presence color`)
    }
    assert.equal(await item.getAttribute('aria-pressed'), 'false')
    assert.match(await item.textContent(), /auto-saved/, 'the kind is shown')

    // Selecting it shows the diff: the version's text on the left, the current text on the right,
    // Bob's later words marked as inserted.
    await item.click()
    assert.equal(await item.getAttribute('aria-pressed'), 'true')
    const view = a.locator(`.version-view[data-version-id="${kept.id}"]`)
    await view.waitFor()
    await waitFor(async () => (await diffSide(a, 'original')) === both && (await diffSide(a, 'modified')) === later,
      20000, 'the two sides of the diff',
    async () => `original ${JSON.stringify(await diffSide(a, 'original'))}, modified ${JSON.stringify(await diffSide(a, 'modified'))}`)
    await a.locator('[data-testid="version-diff"] .editor.modified .char-insert, [data-testid="version-diff"] .editor.modified .line-insert')
      .first().waitFor({ timeout: 15000 })
    const sides = await a.locator('[data-testid="version-diff"] .editor.original').evaluate((el) => el.getBoundingClientRect().width)
    assert.ok(sides > 200, `side by side on a laptop screen (the original is ${sides} px wide)`)
    const screenshots = path.join(REPO, 'docs/screenshots')
    fs.mkdirSync(screenshots, { recursive: true })
    await a.screenshot({ path: path.join(screenshots, 'history.png') }) // for the README
    // Alice owns the document: she may also delete the version.
    assert.equal(await view.getByRole('button', { name: 'Delete' }).count(), 1, 'the owner may delete')

    // Restore, confirmed: everyone's editor, Bob's included, shows the version's text.
    await view.getByRole('button', { name: 'Restore this version' }).click()
    const confirm = a.getByRole('dialog', { name: 'Restore this version' })
    await confirm.waitFor()
    assert.equal(await serverText(srv, alice, id), later, 'nothing happens before the confirmation')
    const isRestore = (r) => r.request().method() === 'POST' && r.url().endsWith(`/versions/${kept.id}/restore`)
    let answered = false
    a.on('response', (r) => { if (isRestore(r)) answered = true })
    const restored = a.waitForResponse(isRestore)
    // The list is asked for again once the restore is answered.
    const relisted = a.waitForRequest((r) => answered && r.method() === 'GET' && new URL(r.url()).pathname === `/api/documents/${id}/versions`)
    await confirm.getByRole('button', { name: 'Restore' }).click()
    const answer = await restored
    assert.equal(answer.status(), 200)
    const { before: saved } = await answer.json()
    await waitForText(b, (text) => text === both, 'Bob to see the restored text live')
    await waitForText(a, (text) => text === both, 'Alice to see the restored text')
    await waitServerText(srv, alice, id, (text) => text === both, 'the server to hold the restored text')
    await view.waitFor({ state: 'detached' })
    await panel.getByRole('status').filter({ hasText: 'Restored' }).waitFor()
    await relisted
    // The text before the restore is kept as a version (a 'restore' one, or the auto-saved version
    // that already held it), and listed.
    assert.equal(await versionText(srv, alice, id, saved.id), later)
    await panel.locator(`.version-button[data-version-id="${saved.id}"]`).waitFor()

    // Escape closes the comparison, then the panel, and the focus is back on the History button.
    await panel.locator(`.version-button[data-version-id="${kept.id}"]`).click()
    await view.waitFor()
    await a.keyboard.press('Escape')
    await view.waitFor({ state: 'detached' })
    assert.ok(await panel.isVisible(), 'the first Escape only closes the comparison')
    await a.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
    assert.equal(await a.evaluate(() => document.activeElement?.textContent), 'History')
  }))

test('History: naming the current text, renaming and deleting a version; API errors are shown; a viewer gets no actions',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const id = await createDocument(srv, alice, 'plan.md', '# plan\n', { bob: 'viewer' })
    const a = alice.page
    await openDocument(a, id)
    await waitForText(a, (text) => text === '# plan\n', 'the document')

    // Name the current text. A name the server refuses (256 characters) gives its message.
    const panel = await openHistory(a)
    await panel.getByText('No versions yet').waitFor()
    await panel.getByRole('button', { name: 'Name this version' }).click()
    let dialog = a.getByRole('dialog', { name: 'Name this version' })
    await dialog.getByLabel('Version name').fill('x'.repeat(256))
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.getByRole('alert').filter({ hasText: '1 to 255 characters' }).waitFor()
    await dialog.getByLabel('Version name').fill('first draft')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    await panel.locator('.version-name', { hasText: 'first draft' }).waitFor()
    const [named] = await versions(srv, alice, id)
    assert.equal(named.name, 'first draft')
    assert.equal(named.kind, 'named')

    // Rename it.
    await panel.locator(`.version-button[data-version-id="${named.id}"]`).click()
    const view = a.locator(`.version-view[data-version-id="${named.id}"]`)
    await view.getByRole('button', { name: 'Rename' }).click()
    dialog = a.getByRole('dialog', { name: 'Rename version' })
    assert.equal(await dialog.getByLabel('Version name').inputValue(), 'first draft')
    await dialog.getByLabel('Version name').fill('reviewed draft')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    await panel.locator('.version-name', { hasText: 'reviewed draft' }).waitFor()
    await view.getByRole('heading', { name: /reviewed draft/ }).waitFor()
    assert.equal((await versions(srv, alice, id))[0].name, 'reviewed draft')

    // Bob, a viewer, reads the history but has no action.
    const b = bob.page
    await openDocument(b, id)
    const bobPanel = await openHistory(b)
    await bobPanel.locator(`.version-button[data-version-id="${named.id}"]`).click()
    const bobView = b.locator(`.version-view[data-version-id="${named.id}"]`)
    await bobView.locator('[data-testid="version-diff"] .monaco-diff-editor').waitFor({ timeout: 20000 })
    assert.equal(await bobView.getByRole('button').filter({ hasText: /Restore|Rename|Name|Delete/ }).count(), 0, 'no actions for a viewer')
    assert.equal(await bobPanel.getByRole('button', { name: 'Name this version' }).count(), 0)

    // Alice deletes it (owners only), confirmed.
    await view.getByRole('button', { name: 'Delete' }).click()
    const confirm = a.getByRole('dialog', { name: 'Delete version' })
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await confirm.waitFor({ state: 'detached' })
    await view.waitFor({ state: 'detached' })
    await panel.getByText('No versions yet').waitFor()
    assert.deepEqual(await versions(srv, alice, id), [])
  }))

test('History: "Load older" pages through a long history',
  { timeout: TEST_TIMEOUT }, (t) => sharedScenario(t, browser, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const id = await createDocument(srv, alice, 'long.txt', 'text 0\n')
    // Each replace keeps the text before it as a version: 55 versions, more than a page (50).
    for (let i = 1; i <= 55; i++) {
      const r = await srv.api('PUT', `/api/documents/${id}/content`, { ...as(alice), body: `text ${i}\n` })
      assert.equal(r.status, 204, r.text)
    }
    const all = await srv.api('GET', `/api/documents/${id}/versions?limit=200`, as(alice))
    assert.equal(all.json.versions.length, 55, all.text)
    const a = alice.page
    await openDocument(a, id)
    const panel = await openHistory(a)
    const items = panel.locator('.version-button')
    await waitFor(async () => (await items.count()) === 50, 10000, 'the first page')
    await panel.getByRole('button', { name: 'Load older' }).click()
    await waitFor(async () => (await items.count()) === 55, 10000, 'all 55 versions')
    await panel.getByRole('button', { name: 'Load older' }).waitFor({ state: 'detached' })
    const ids = await items.evaluateAll((els) => els.map((e) => Number(e.dataset.versionId)))
    assert.deepEqual(ids, all.json.versions.map((v) => v.id), 'newest first, each once')
  }, { 'history-quiet-ms': 0 })) // no automatic versions: exactly the 55 of the replaces

// Presses Enter until the editor has `lines` lines: right after a word, Enter may accept Monaco's
// word suggestion (which, for the word just typed, changes nothing) instead of breaking the line.
async function breakLine (page, lines) {
  for (let i = 0; i < 3 && (await editorText(page)).split('\n').length < lines; i++) {
    await page.keyboard.press('Enter')
    await waitFor(async () => (await editorText(page)).split('\n').length >= lines, 2000, 'the line break').catch(() => {})
  }
}

test('Who wrote this: each person\'s lines in their presence color, named, with the author on hover; follows edits while on',
  { timeout: TEST_TIMEOUT }, async (t) => {
    await browserScenario(t, async (srv, join) => {
      const alice = await join('alice')
      const bob = await join('bob')
      await Promise.all([register(alice), register(bob)])
      const id = await createDocument(srv, alice, 'who.txt', '', { bob: 'editor' })
      const probe = await srv.api('GET', `/api/documents/${id}/blame`, as(alice))
      assert.equal(probe.status, 200, probe.text)
      const a = alice.page
      const b = bob.page
      await Promise.all([openDocument(a, id), openDocument(b, id)])
      await a.locator('.monaco-editor .view-lines').click()
      await a.keyboard.type('written by alice', { delay: 10 })
      await breakLine(a, 2)
      await waitForText(b, (text) => text === 'written by alice\n', 'Bob to see Alice\'s line')
      await caretToEndOfLine(b, 2)
      await b.keyboard.type('written by bob', { delay: 10 })
      await waitServerText(srv, alice, id, (text) => text === 'written by alice\nwritten by bob', 'both lines on the server')

      const toggle = a.getByRole('button', { name: 'Who wrote this' })
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false')
      await toggle.click()
      const legend = a.getByTestId('blame-legend')
      await legend.locator('[data-user="alice"]').waitFor()
      await legend.locator('[data-user="bob"]').waitFor()
      assert.match(await legend.locator('[data-user="bob"]').textContent(), /1 line/)

      // The gutter bar of each line has its author's presence color.
      for (const who of [alice, bob]) {
        const bar = a.locator(`.blame-bar.blame-u-${who.user.id}`).first()
        await bar.waitFor()
        const got = await bar.evaluate((el) => getComputedStyle(el).backgroundColor)
        const want = await a.evaluate((h) => { const d = document.createElement('div'); document.body.append(d); d.style.background = `hsl(${h} 70% 45%)`; const c = getComputedStyle(d).backgroundColor; d.remove(); return c }, hue(who.user.id))
        assert.equal(got, want, `${who.name}'s bar`)
      }
      // Hovering Bob's text names him.
      await a.locator('.blame-run', { hasText: 'bob' }).first().hover()
      await a.locator('.monaco-hover').filter({ hasText: 'bob' }).first().waitFor({ timeout: 10000 })

      // While on, it follows edits (debounced): Bob adds a line, the legend counts it.
      await breakLine(b, 3)
      await b.keyboard.type('and more by bob', { delay: 10 })
      await waitFor(async () => /2 lines/.test(await legend.locator('[data-user="bob"]').textContent()), 15000,
        'the legend to count Bob\'s second line')

      await toggle.click()
      await legend.waitFor({ state: 'detached' })
      // Monaco renders a change of decorations on its next frame, not with React's.
      await waitFor(async () => (await a.locator('.blame-bar').count()) === 0, 5000, 'off: no decorations left')
    })
  })

test('a server without the blame and activity routes: the toggle is disabled and says why, the Activity tab says so',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const id = await createDocument(srv, alice, 'old-server.txt', 'text\n')
    const a = alice.page
    // As a server before blame answers (server/api_core: an unknown route).
    await a.route('**/api/documents/*/blame*', (route) => route.fulfill({
      status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'no such route' } })
    }))
    await openDocument(a, id)
    const toggle = a.getByRole('button', { name: 'Who wrote this' })
    await toggle.click()
    await waitFor(async () => (await toggle.getAttribute('aria-disabled')) === 'true', 10000, 'the toggle to be disabled')
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false')
    assert.match(await toggle.getAttribute('title'), /Not available/)
    assert.equal(await a.getByTestId('blame-legend').count(), 0)
    await toggle.click({ force: true })
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false', 'clicking again does nothing')

    // Activity likewise: the tab says it is not there rather than showing an error.
    await a.route('**/api/documents/*/activity*', (route) => route.fulfill({
      status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'no such route' } })
    }))
    const panel = await openHistory(a)
    await panel.getByRole('tab', { name: 'Activity' }).click()
    await panel.getByText('Activity is not available on this server yet.').waitFor()
    assert.equal(await panel.getByRole('alert').count(), 0)
  }))

test('Activity: who changed how much in each version, by day',
  { timeout: TEST_TIMEOUT }, async (t) => {
    await browserScenario(t, async (srv, join) => {
      const alice = await join('alice')
      const bob = await join('bob')
      await Promise.all([register(alice), register(bob)])
      const id = await createDocument(srv, alice, 'log.txt', '', { bob: 'editor' })
      const probe = await srv.api('GET', `/api/documents/${id}/activity`, as(alice))
      assert.equal(probe.status, 200, probe.text)
      const a = alice.page
      const b = bob.page
      await Promise.all([openDocument(a, id), openDocument(b, id)])
      await a.locator('.monaco-editor .view-lines').click()
      await a.keyboard.type('abc', { delay: 10 })
      await waitForText(b, (text) => text === 'abc', 'Bob to see Alice\'s text')
      await b.locator('.monaco-editor .view-lines').click()
      await b.keyboard.press('Control+End')
      await b.keyboard.type('defgh', { delay: 10 })
      await waitServerText(srv, alice, id, (text) => text === 'abcdefgh', 'both edits on the server')
      await waitFor(async () => {
        const r = await srv.api('GET', `/api/documents/${id}/activity`, as(alice))
        return new Set(r.json.entries.map((e) => e.user.username)).size === 2
      }, 15000, 'activity by both')

      const panel = await openHistory(a)
      await panel.getByRole('tab', { name: 'Activity' }).click()
      const bobs = panel.locator('.activity-entry[data-user="bob"]').first()
      await bobs.waitFor()
      await panel.locator('.activity-entry[data-user="alice"]').first().waitFor()
      assert.match(await bobs.locator('.activity-inserted').textContent(), /^\+\d+$/)
      const inserted = async (who) => (await panel.locator(`.activity-entry[data-user="${who}"] .activity-inserted`).allTextContents())
        .reduce((n, s) => n + Number(s.slice(1)), 0)
      assert.equal(await inserted('alice'), 3, 'Alice inserted 3 characters')
      assert.equal(await inserted('bob'), 5, 'Bob inserted 5 characters')
    })
  })

test('History on a phone: a bottom sheet over the editor that lists the versions; the diff is inline',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice', PHONE)
    await register(alice)
    const id = await createDocument(srv, alice, 'phone.txt', 'first\n')
    // Two versions through the API: the text before a replace, then a named one.
    assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { ...as(alice), body: 'second\n' })).status, 204)
    assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { ...as(alice), body: { name: 'on the go' } })).status, 201)
    const listed = await versions(srv, alice, id)
    assert.equal(listed.length, 2, JSON.stringify(listed))
    const a = alice.page
    await openDocument(a, id)

    const open = a.getByRole('button', { name: 'History', exact: true })
    await open.tap()
    const panel = a.getByTestId('history-panel')
    await panel.waitFor()
    for (const v of listed) await panel.locator(`.version-button[data-version-id="${v.id}"]`).waitFor()
    await panel.locator('.version-name', { hasText: 'on the go' }).waitFor()
    const { width, height } = PHONE.viewport
    const box = await panel.boundingBox()
    assert.ok(Math.abs(box.x) < 0.5 && Math.abs(box.width - width) < 0.5, `the sheet spans the screen's width (${JSON.stringify(box)})`)
    assert.ok(Math.abs(box.y + box.height - height) < 0.5 && box.y > height / 3, `the sheet sits at the bottom (${JSON.stringify(box)})`)
    const editor = await a.locator('.editor-main').boundingBox()
    assert.ok(box.y < editor.y + editor.height, 'the sheet lies over the editor')
    const scroll = await a.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(scroll <= width, `no sideways scrolling (${scroll})`)

    // Tapping the older version shows the inline diff: one editor column of the screen's width.
    const older = listed.find((v) => v.kind === 'replace')
    const item = panel.locator(`.version-button[data-version-id="${older.id}"]`)
    const itemBox = await item.boundingBox()
    assert.ok(itemBox.height >= 32, 'a version is big enough to tap')
    await item.tap()
    const diff = a.locator('[data-testid="version-diff"] .monaco-diff-editor')
    await diff.waitFor({ timeout: 20000 })
    await a.locator('[data-testid="version-diff"] .editor.modified .view-line').first().waitFor()
    const modifiedWidth = await a.locator('[data-testid="version-diff"] .editor.modified').evaluate((el) => el.getBoundingClientRect().width)
    assert.ok(modifiedWidth > width * 0.75, `inline, not side by side (the current text's side is ${modifiedWidth} px wide)`)
    await a.getByRole('button', { name: 'Restore this version' }).waitFor()

    await a.getByRole('button', { name: 'Close history' }).tap()
    await panel.waitFor({ state: 'detached' })
  }))
