// polish.test.mjs — the details a person used to Live Share or Google Docs expects (issue 17,
// point 6), in real Chromium against `weft serve`: the people list names people and follows one
// on a click; cursor labels show on activity and fade; the save state is honest (never "saved"
// with an edit the server has not acknowledged, offline or with the server down); "Copied" on copy
// link; server errors as sentences; a user menu with sign out on every page; indentation by
// language and by the text's own; a stopped editor disables its controls and stops polling.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import {
  checkPrerequisites, launchBrowser, register, waitConnected, openDocument, caretToEndOfLine,
  waitForCursorLabel, as, createDocument, waitServerText, browserScenario as sharedScenario
} from './browser.mjs'

let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

const browserScenario = (t, fn, flags) => sharedScenario(t, browser, fn, flags)

// The line numbers Monaco shows (it renders the lines in the viewport only).
function visibleLines (page) {
  return page.evaluate(() => [...document.querySelectorAll('.monaco-editor .margin .line-numbers')]
    .map((el) => Number(el.textContent)).filter((n) => n > 0).sort((a, b) => a - b))
}

async function waitLineVisible (page, n, what) {
  let last = []
  await waitFor(async () => (last = await visibleLines(page)).includes(n), 10000, what,
    () => `lines shown: ${last[0]}…${last[last.length - 1]}`)
}

// The opacity of the (first) remote cursor's name label.
function labelOpacity (page) {
  return page.evaluate(() => {
    const el = document.querySelector('.yRemoteSelectionHead')
    return el ? Number(window.getComputedStyle(el, '::after').opacity) : null
  })
}

async function waitLabel (page, shown, what, timeout = 6000) {
  let last = null
  await waitFor(async () => (last = await labelOpacity(page)) === (shown ? 1 : 0), timeout, what, () => `opacity ${last}`)
}

const saveState = (page) => page.getByTestId('save-state')

async function waitSaveState (page, text, what, timeout = 15000) {
  let last = ''
  await waitFor(async () => (last = await saveState(page).textContent()) === text, timeout, what, () => `it says "${last}"`)
}

test('the people list names people; clicking one follows their cursor until the user clicks in the text',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const text = Array.from({ length: 150 }, (_, i) => `line ${i + 1}`).join('\n') // Ctrl+End: line 150
    const id = await createDocument(srv, alice, 'long.txt', text, { bob: 'editor' })
    const a = alice.page
    const b = bob.page
    await Promise.all([openDocument(a, id), openDocument(b, id)])

    // Names, not only initials; the other person is a button.
    const chip = a.getByRole('button', { name: 'bob', exact: true })
    await chip.waitFor()
    assert.equal(await chip.locator('.presence-name').textContent(), 'bob')
    assert.ok(await chip.locator('.presence-name').isVisible(), 'the name is shown')
    assert.equal(await chip.getAttribute('aria-pressed'), 'false')

    await b.locator('.monaco-editor .view-lines').click()
    await b.keyboard.press('Control+Home')
    await chip.click()
    await a.getByRole('status').filter({ hasText: 'Following bob' }).waitFor()
    assert.equal(await chip.getAttribute('aria-pressed'), 'true')

    // Bob jumps to the end, then back to the top: Alice's editor goes with him each time.
    await b.keyboard.press('Control+End')
    await waitLineVisible(a, 150, 'Alice\'s editor to show Bob\'s cursor at the end')
    await b.keyboard.press('Control+Home')
    await waitLineVisible(a, 1, 'Alice\'s editor to follow Bob back to the top')
    await b.keyboard.press('Control+End')
    await b.keyboard.type(' typed')
    await waitLineVisible(a, 150, 'Alice\'s editor to follow Bob as he types at the end')

    // Alice clicks in the text: following stops, and Bob's moves no longer scroll her editor.
    await a.locator('.monaco-editor .view-lines').click()
    await a.getByText('Following bob').waitFor({ state: 'detached' })
    assert.equal(await chip.getAttribute('aria-pressed'), 'false')
    await a.keyboard.press('Control+Home')
    await waitLineVisible(a, 1, 'Alice back at the top')
    await b.keyboard.press('Control+Home')
    await b.keyboard.press('Control+End')
    await b.keyboard.type('!')
    await waitServerText(srv, alice, id, (s) => s.endsWith('line 150 typed!'), 'Bob\'s last edit')
    await assert.rejects(a.waitForFunction(() => [...document.querySelectorAll('.monaco-editor .margin .line-numbers')]
      .some((el) => el.textContent === '150'), null, { timeout: 1500 }), /Timeout/, 'Alice\'s view stays where she is')

    // Following again, then typing stops it too; the button's second click would as well.
    await chip.click()
    await waitLineVisible(a, 150, 'Alice follows Bob again')
    await a.locator('.monaco-editor textarea').focus()
    await a.getByText('Following bob').waitFor() // focus alone does not stop it
    await a.keyboard.press('ArrowUp')
    await a.getByText('Following bob').waitFor({ state: 'detached' })
    await chip.click()
    await a.getByText('Following bob').waitFor()
    await chip.click()
    await a.getByText('Following bob').waitFor({ state: 'detached' })
  }))

test('cursor name labels show when their person moves or types, fade after about 2 s, and show again on hover',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const id = await createDocument(srv, alice, 'notes.txt', 'first line\nsecond line\nthird line\n', { bob: 'editor' })
    const a = alice.page
    const b = bob.page
    await Promise.all([openDocument(a, id), openDocument(b, id)])
    await caretToEndOfLine(a, 1)
    await caretToEndOfLine(b, 3)
    await waitForCursorLabel(a, 'bob')
    await waitLabel(a, true, 'Bob\'s label to show when his cursor moves')
    const shownAt = Date.now()
    await waitLabel(a, false, 'Bob\'s label to fade')
    const fadedAfter = Date.now() - shownAt
    assert.ok(fadedAfter >= 1000, `the label stayed a while (${fadedAfter} ms)`)

    // Typing shows it again.
    await b.keyboard.type(' and more')
    await waitLabel(a, true, 'Bob\'s label to show when he types')
    await waitLabel(a, false, 'Bob\'s label to fade after typing')

    // Hovering his caret shows it; moving away hides it again.
    await a.locator('.yRemoteSelectionHead').hover({ force: true })
    await waitLabel(a, true, 'Bob\'s label to show on hover')
    await a.mouse.move(5, 5)
    await waitLabel(a, false, 'Bob\'s label to fade once the pointer left')
  }))

test('the save state: "All changes saved" only once the server has the edits; offline or with the server down it counts what is not yet sent',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const id = await createDocument(srv, alice, 'plan.md', 'plan\n')
    const a = alice.page
    await openDocument(a, id)
    await waitSaveState(a, 'All changes saved', 'saved after opening')

    // Offline: three keystrokes are three edits not yet sent.
    await alice.context.setOffline(true)
    await a.locator('[data-status="offline"]').waitFor()
    await caretToEndOfLine(a, 1)
    await a.keyboard.type('abc', { delay: 30 })
    await waitSaveState(a, 'Offline — 3 edits not yet sent', 'the count offline')
    assert.equal(await saveState(a).getAttribute('data-unsent'), '3')
    await alice.context.setOffline(false)
    await waitSaveState(a, 'All changes saved', 'saved once back online')
    const r = await srv.api('GET', `/api/documents/${id}/content`, as(alice))
    assert.equal(r.text, 'planabc\n', 'the server has the edits the moment the page says saved')

    // The server goes away while the browser stays online: the edits wait, and are never called
    // saved until the server is back and has them.
    await srv.stop()
    await a.locator('[data-status="connecting"]').waitFor({ timeout: 15000 })
    await a.keyboard.type('de', { delay: 30 })
    await waitSaveState(a, '2 edits not yet sent', 'the count with the server down')
    await srv.start()
    await waitConnected(a, 30000)
    await waitSaveState(a, 'All changes saved', 'saved once the server is back', 30000)
    const back = await srv.api('GET', `/api/documents/${id}/content`, as(alice))
    assert.equal(back.text, 'planabcde\n', 'the restarted server has them')

    // Typing online: saved again as soon as the server has it.
    await a.keyboard.type('f')
    await waitSaveState(a, 'All changes saved', 'saved after typing online')

    // A server that stops answering while the socket stays open (SIGSTOP): "Saving…" for a moment,
    // then the count — the open socket is no proof that the edits arrived.
    process.kill(srv.proc.pid, 'SIGSTOP')
    try {
      await a.keyboard.type('gh', { delay: 30 })
      await waitSaveState(a, '2 edits not yet sent', 'the count once the server stopped answering', 10000)
      assert.equal(await a.locator('[data-status]').getAttribute('data-status'), 'connected', 'the socket is still open')
    } finally {
      process.kill(srv.proc.pid, 'SIGCONT')
    }
    await waitSaveState(a, 'All changes saved', 'saved once the server answers again')
    assert.equal((await srv.api('GET', `/api/documents/${id}/content`, as(alice))).text, 'planabcdefgh\n')
  }, { 'jwt-secret': 'polish-secret-0123456789abcdef0123456789abcdef' }))

test('Copy link says "Copied" and announces it; the link is on the clipboard',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.httpUrl })
    const id = await createDocument(srv, alice, 'share-me.txt', 'x\n')
    const a = alice.page
    await openDocument(a, id)
    await a.getByRole('button', { name: 'Share', exact: true }).click()
    const dialog = a.getByRole('dialog', { name: /^Share/ })
    await dialog.getByRole('button', { name: 'Copy link' }).click()
    await dialog.getByRole('button', { name: '✓ Copied' }).waitFor()
    await dialog.getByRole('status').filter({ hasText: 'Link copied to the clipboard.' }).waitFor()
    assert.equal(await a.evaluate(() => navigator.clipboard.readText()), `${srv.httpUrl}/d/${id}`)
    await dialog.getByRole('button', { name: 'Copy link' }).waitFor({ timeout: 5000 }) // and back after a moment
  }))

test('server errors are sentences a person reads, with a readable fallback for codes the app does not know',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    await srv.account('taken')
    const p = await join('newcomer')
    const a = p.page
    await a.goto('/register')
    await a.getByLabel('Username').fill('newcomer')
    await a.getByLabel('Password').fill('short')
    await a.getByRole('button', { name: 'Create account' }).click()
    await a.getByText('Password must be 8 to 256 characters.', { exact: true }).waitFor()

    await a.getByLabel('Username').fill('taken')
    await a.getByLabel('Password').fill('long-enough-password')
    await a.getByRole('button', { name: 'Create account' }).click()
    await a.getByText('That username is taken.', { exact: true }).waitFor()

    await a.getByLabel('Username').fill('bad name!')
    await a.getByRole('button', { name: 'Create account' }).click()
    await a.getByText('A username may contain only letters, digits, “_”, “.” and “-”.', { exact: true }).waitFor()

    await a.getByRole('button', { name: 'Sign in' }).click()
    await a.getByLabel('Username or email').fill('taken')
    await a.getByLabel('Password').fill('not-the-password')
    await a.getByRole('button', { name: 'Sign in' }).click()
    await a.getByText('Wrong username or password.', { exact: true }).waitFor()

    await register(p)
    const id = await createDocument(srv, p, 'mine.txt', 'x\n')
    await openDocument(a, id)
    await a.getByRole('button', { name: 'Share' }).click()
    const dialog = a.getByRole('dialog', { name: /^Share/ })
    await dialog.getByLabel('Username to add').fill('nobody')
    await dialog.getByRole('button', { name: 'Add', exact: true }).click()
    await dialog.getByText('There is no user named “nobody”.', { exact: true }).waitFor()
    await a.keyboard.press('Escape')

    // An error the app has no sentence for still reads as one.
    await a.route('**/api/documents', (route) => route.request().method() === 'POST'
      ? route.fulfill({ status: 418, contentType: 'application/json', body: JSON.stringify({ error: { code: 'teapot', message: "the pot named 'tea' is busy" } }) })
      : route.continue())
    await a.goto('/')
    await a.getByRole('button', { name: 'New document' }).click()
    await a.getByLabel('File name').fill('new.txt')
    await a.getByRole('button', { name: 'Create' }).click()
    await a.getByText('The pot named “tea” is busy.', { exact: true }).waitFor()
  }))

test('a user menu with sign out on every page: documents, editor, a missing page and a missing document',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const id = await createDocument(srv, alice, 'menu.txt', 'x\n')
    const a = alice.page
    const menuButton = a.getByRole('button', { name: 'Account: alice' })

    const checkMenu = async (where) => {
      await menuButton.click()
      const menu = a.getByRole('menu')
      await menu.waitFor()
      await menu.getByRole('menuitem', { name: 'Sign out' }).waitFor()
      await menu.getByRole('menuitem', { name: 'Your documents' }).waitFor()
      assert.equal(await menuButton.getAttribute('aria-expanded'), 'true', where)
      await a.keyboard.press('Escape')
      await menu.waitFor({ state: 'detached' })
      assert.equal(await a.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Account: alice', `${where}: focus back on the button`)
    }

    await checkMenu('documents page')
    await openDocument(a, id)
    await checkMenu('editor')
    await a.goto('/no/such/page')
    await a.getByRole('heading', { name: 'Page not found' }).waitFor()
    await checkMenu('missing page')
    await a.goto('/d/999999')
    await a.getByRole('heading', { name: 'Document not found' }).waitFor()
    await checkMenu('missing document')

    // Keyboard: ArrowDown opens on the first item; "Your documents" goes home.
    await menuButton.focus()
    await a.keyboard.press('ArrowDown')
    await a.keyboard.press('Enter')
    await a.getByRole('heading', { name: 'Documents', exact: true }).waitFor()

    // Sign out from the editor.
    await openDocument(a, id)
    await menuButton.click()
    await a.getByRole('menuitem', { name: 'Sign out' }).click()
    await a.getByRole('heading', { name: 'Sign in' }).waitFor()
    assert.equal(await a.evaluate(() => window.localStorage.getItem('weft.session')), null)
    // … and the token is revoked on the server, not only forgotten here (POST /api/auth/logout).
    await waitFor(async () => (await srv.api('GET', '/api/me', as(alice))).status === 401, 5000, 'the token to be revoked')
  }))

test('indentation: each language\'s default (Python 4 spaces, Go tabs, JavaScript 2 spaces) unless the text already uses its own',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const a = alice.page
    const cases = [
      { title: 'new.py', content: 'def f():\n', indent: '    ', why: 'Python: 4 spaces' },
      { title: 'main.go', content: 'package main\n', indent: '\t', why: 'Go: a tab' },
      { title: 'app.js', content: 'const x = 1\n', indent: '  ', why: 'JavaScript: 2 spaces' },
      { title: 'old.js', content: 'function f () {\n    return 1\n}\n', indent: '    ', why: 'JavaScript indented by 4: detected' },
      { title: 'tabs.py', content: 'def f():\n\treturn 1\n', indent: '\t', why: 'Python indented with tabs: detected' }
    ]
    for (const c of cases) {
      const id = await createDocument(srv, alice, c.title, c.content)
      await openDocument(a, id)
      const lines = c.content.split('\n').length // the caret goes to the empty last line
      await waitFor(async () => (await a.locator('.monaco-editor .view-line').count()) >= lines, 10000, `${c.title} to show`)
      await caretToEndOfLine(a, lines)
      await a.keyboard.press('Tab')
      await a.keyboard.type('x')
      await waitServerText(srv, alice, id, (s) => s === `${c.content}${c.indent}x`, c.why)
    }
  }))

test('after access is revoked or the document deleted, the stopped editor disables its controls and stops asking the server',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const b = bob.page
    const id = await createDocument(srv, alice, 'revoked.py', 'x = 1\n', { bob: 'editor' })
    const other = await createDocument(srv, alice, 'deleted.py', 'y = 2\n', { bob: 'editor' })

    // Bob's metadata requests for the open document.
    let asked = 0
    b.on('request', (r) => { if (r.method() === 'GET' && new URL(r.url()).pathname === `/api/documents/${id}`) asked++ })
    const focus = () => b.evaluate(() => window.dispatchEvent(new Event('focus')))

    await openDocument(b, id)
    await alice.page.goto(`/d/${id}`)
    await waitConnected(alice.page)
    const language = b.getByRole('combobox', { name: 'Language' })
    assert.equal(await language.isDisabled(), false)
    assert.equal(await b.locator('.doc-heading-button').count(), 1, 'the name is a rename button')
    const before = asked
    await focus()
    await waitFor(() => asked > before, 5000, 'a focus to fetch the metadata again (the polling works)')

    assert.equal((await srv.api('DELETE', `/api/documents/${id}/members/bob`, as(alice))).status, 204)
    await b.getByRole('heading', { name: 'Access removed' }).waitFor({ timeout: 15000 })
    const assertStopped = async (where) => {
      assert.equal(await language.isDisabled(), true, `${where}: the language picker is disabled`)
      assert.equal(await b.locator('.doc-heading-button').count(), 0, `${where}: no rename`)
      assert.equal(await b.getByRole('button', { name: 'History' }).isDisabled(), true, `${where}: History`)
      assert.equal(await b.getByRole('button', { name: 'Who wrote this' }).isDisabled(), true, `${where}: Who wrote this`)
      for (const chip of await b.locator('.presence-chip').all()) assert.equal(await chip.isDisabled(), true, `${where}: follow`)
      assert.equal(await b.locator('[data-testid="editor"]').getAttribute('data-readonly'), 'true', `${where}: read-only text`)
      assert.ok(await b.getByRole('button', { name: 'Download your copy' }).isEnabled(), `${where}: the copy can still be downloaded`)
    }
    await assertStopped('revoked')
    const after = asked
    await focus()
    await assert.rejects(waitFor(() => asked > after, 1500, 'a request'), /request/, 'a stopped editor does not fetch the document again')

    // Deleted while open: the same.
    await b.goto(`/d/${other}`)
    await waitConnected(b)
    assert.equal((await srv.api('DELETE', `/api/documents/${other}`, as(alice))).status, 204)
    await b.getByRole('heading', { name: 'Document deleted' }).waitFor({ timeout: 15000 })
    await assertStopped('deleted')
  }))

test('the documents page reads each group a page at a time: “Show more” loads the next, the filter searches titles on the server',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    // 57 documents: more than a page (50); nine are named “needle”, needle-0 the oldest.
    for (let i = 0; i < 57; i++) await createDocument(srv, alice, i % 7 === 0 ? `needle-${i}.txt` : `doc-${i}.txt`, '')
    const a = alice.page
    await a.reload()
    const mine = a.getByRole('region', { name: /My documents/ })
    const rows = mine.getByRole('listitem')
    await waitFor(async () => (await rows.count()) === 50, 10000, 'the first page of 50')
    assert.match(await mine.locator('.count').textContent(), /^50\+$/)
    // The oldest (needle-0) is not on the first page; “Show more” brings the remaining 7.
    assert.equal(await mine.getByText('needle-0.txt', { exact: true }).count(), 0)
    await mine.getByRole('button', { name: 'Show more' }).click()
    await waitFor(async () => (await rows.count()) === 57, 10000, 'all 57 after Show more')
    assert.equal(await mine.getByRole('button', { name: 'Show more' }).count(), 0, 'no more to show')
    assert.equal(await mine.getByText('needle-0.txt', { exact: true }).count(), 1)

    // The filter is a server search: after a reload only the first page is here, and the search
    // still finds needle-0 among every document.
    await a.reload()
    await waitFor(async () => (await rows.count()) === 50, 10000, 'the first page again')
    await a.getByLabel('Filter documents').fill('NEEDLE')
    await waitFor(async () => (await rows.count()) === 9, 10000, 'the nine needles from the server')
    assert.equal(await mine.getByText('needle-0.txt', { exact: true }).count(), 1)
    assert.equal(await mine.getByRole('button', { name: 'Show more' }).count(), 0)
  }))

test('Chromium negotiates permessage-deflate with the server, and a compressed round trip works',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    await register(alice)
    const id = await createDocument(srv, alice, 'deflate.txt', 'hello\n')
    const got = await alice.page.evaluate(async ({ id, token }) => {
      const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws/${id}?token=${encodeURIComponent(token)}`)
      ws.binaryType = 'arraybuffer'
      const first = await new Promise((resolve, reject) => {
        ws.onmessage = (e) => resolve(new Uint8Array(e.data))
        ws.onerror = () => reject(new Error('WebSocket error'))
      })
      // A query-awareness message (y-websocket type 3), which Chromium sends compressed; the
      // server answers with the awareness it holds.
      const answer = new Promise((resolve) => { ws.onmessage = (e) => resolve(new Uint8Array(e.data)[0]) })
      ws.send(new Uint8Array([3]))
      const type = await answer
      const extensions = ws.extensions
      ws.close()
      return { extensions, first: first[0], type }
    }, { id, token: alice.token })
    assert.equal(got.extensions, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover')
    assert.equal(got.first, 0, 'sync step 1 first')
    assert.equal(got.type, 1, 'the awareness answer to a query sent compressed')
    const m = await srv.metrics()
    assert.ok(m.weft_ws_inflated_messages_total >= 1, 'the query arrived compressed and was inflated')
  }))
