// editor.test.mjs — the web app end to end: real Chromium (Debian's), the built app (web/dist) and
// `weft serve` on loopback. Two people in two browser contexts register, share, type at once, see
// each other's text and named cursors; undo is per person; roles, going offline, closing a tab with
// unsent edits, an expired token and a deleted document behave as a user expects. The first test
// also saves the README's screenshots (docs/screenshots/).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import {
  REPO, checkPrerequisites, launchBrowser, register, editorText, waitForText, waitConnected,
  openDocument, caretToEndOfLine, waitForCursorLabel, localUpdateCount, watch, as, createDocument, serverText, waitServerText,
  browserScenario as sharedScenario
} from './browser.mjs'

const SCREENSHOTS = path.join(REPO, 'docs/screenshots')
const SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef'
let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

const browserScenario = (t, fn, flags) => sharedScenario(t, browser, fn, flags)

const GREET = [
  'import sys',
  '',
  '',
  'def greet(name):',
  '    # TODO:',
  '    return f"Hello, {name}!"',
  '',
  '',
  'def main():',
  '    # TODO:',
  '    print(greet(sys.argv[1]))',
  ''
].join('\n')
const ALICE_TYPES = ' say hello in every language'
const BOB_TYPES = ' default to world'
const withEdits = (a, b) => {
  const lines = GREET.split('\n')
  lines[4] += a
  lines[9] += b
  return lines.join('\n')
}

test('two people type at once: each sees the other\'s text and named cursor; undo is per person; a reload keeps the text',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])

    // Alice creates the document and shares it with Bob as an editor, all through the UI.
    const a = alice.page
    await a.getByRole('button', { name: 'New document' }).click()
    await a.getByLabel('File name').fill('greet.py')
    await a.getByRole('button', { name: 'Create' }).click()
    await a.waitForURL(/\/d\/\d+$/)
    const id = Number(new URL(a.url()).pathname.split('/').pop())
    await waitConnected(a)
    assert.equal(await a.getByRole('combobox', { name: 'Language' }).inputValue(), 'python', 'the language follows the extension')
    const put = await srv.api('PUT', `/api/documents/${id}/content`, { ...as(alice), body: GREET })
    assert.equal(put.status, 204, put.text)
    await waitForText(a, (text) => text === GREET, 'Alice to see the text put through the API')

    await a.getByRole('button', { name: 'Share' }).click()
    await a.getByLabel('Username to add').fill('bob')
    await a.getByRole('button', { name: 'Add', exact: true }).click()
    await a.locator('.member[data-username="bob"]').waitFor()
    await a.keyboard.press('Escape')

    const b = bob.page
    await openDocument(b, id)
    await waitForText(b, (text) => text === GREET, 'Bob to load the document')
    assert.equal(await b.locator('[data-testid="editor"]').getAttribute('data-readonly'), 'false')

    // Both type at the same time, on different lines.
    await caretToEndOfLine(a, 5)
    await caretToEndOfLine(b, 10)
    await Promise.all([a.keyboard.type(ALICE_TYPES, { delay: 15 }), b.keyboard.type(BOB_TYPES, { delay: 15 })])
    const both = withEdits(ALICE_TYPES, BOB_TYPES)
    await waitForText(a, (text) => text === both, 'Alice to see both edits')
    await waitForText(b, (text) => text === both, 'Bob to see both edits')
    await waitServerText(srv, alice, id, (text) => text === both, 'the server to hold both edits')

    // Each sees the other in the presence list and the other's caret labelled with their name.
    await a.locator('.presence [data-user="bob"]').waitFor()
    await b.locator('.presence [data-user="alice"]').waitFor()
    await waitForCursorLabel(a, 'bob')
    await waitForCursorLabel(b, 'alice')

    // Bob selects his last word: Alice sees the selection in Bob's color. Screenshot for the README.
    await b.keyboard.press('Control+Shift+ArrowLeft')
    await a.locator('[class*="yRemoteSelection-"]').first().waitFor()
    fs.mkdirSync(SCREENSHOTS, { recursive: true })
    await a.screenshot({ path: path.join(SCREENSHOTS, 'editor.png') })
    await b.keyboard.press('End')

    // Alice's undo takes back her edit only; redo brings it back.
    await a.keyboard.press('Control+z')
    const withoutAlice = withEdits('', BOB_TYPES)
    await waitForText(a, (text) => text === withoutAlice, 'Alice\'s undo to remove her edit and keep Bob\'s')
    await waitForText(b, (text) => text === withoutAlice, 'Bob to see Alice\'s undo')
    await a.keyboard.press('Control+Shift+z')
    await waitForText(a, (text) => text === both, 'Alice\'s redo')
    await waitForText(b, (text) => text === both, 'Bob to see Alice\'s redo')

    // After a reload the text is there.
    await a.reload()
    await a.locator('.monaco-editor').waitFor()
    await waitConnected(a)
    await waitForText(a, (text) => text === both, 'the text after a reload')
    await waitServerText(srv, alice, id, (text) => text === both, 'the server to keep the text')

    // The documents list, with something in each group. Screenshot for the README.
    await createDocument(srv, alice, 'README.md', '# greet\n')
    await createDocument(srv, alice, 'server.cpp', 'int main() {}\n', { bob: 'viewer' })
    await createDocument(srv, bob, 'notes.md', '- ship it\n', { alice: 'editor' })
    const pub = await createDocument(srv, bob, 'snippets.js', 'export {}\n')
    assert.equal((await srv.api('PATCH', `/api/documents/${pub}`, { ...as(bob), body: { is_public: true } })).status, 200)
    await a.goto('/')
    const section = (name) => a.getByRole('region', { name })
    await section(/My documents/).getByText('server.cpp').waitFor()
    assert.deepEqual(await section(/My documents/).locator('.doc-name').allTextContents(), ['server.cpp', 'README.md', 'greet.py'])
    assert.deepEqual(await section(/Shared with me/).locator('.doc-name').allTextContents(), ['notes.md'])
    assert.deepEqual(await section(/Public/).locator('.doc-name').allTextContents(), ['snippets.js'])
    await a.screenshot({ path: path.join(SCREENSHOTS, 'documents.png') })
  }))

test('a person made a viewer gets a read-only editor that still follows edits live; deleting the document stops it with a message',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const id = await createDocument(srv, alice, 'notes.txt', 'shared notes\n', { bob: 'editor' })
    const a = alice.page
    const b = bob.page
    await Promise.all([openDocument(a, id), openDocument(b, id)])
    await waitForText(b, (text) => text === 'shared notes\n', 'Bob to load the document')
    assert.equal(await b.locator('.badge-viewer').count(), 0)

    // Alice makes Bob a viewer from her share dialog; Bob's open editor turns read-only.
    await a.getByRole('button', { name: 'Share' }).click()
    await a.getByLabel('Role of bob').selectOption('viewer')
    await waitFor(async () => (await srv.api('GET', `/api/documents/${id}`, as(bob))).json?.role === 'viewer', 10000, 'the role change')
    await a.keyboard.press('Escape')
    await b.locator('[data-testid="editor"][data-readonly="true"]').waitFor({ timeout: 15000 })
    await b.locator('.badge-viewer', { hasText: 'Read-only' }).waitFor()

    // Bob's keys change nothing; Alice's edits reach him live.
    await b.locator('.monaco-editor .view-lines').click()
    await b.keyboard.type('zzz')
    await caretToEndOfLine(a, 1)
    await a.keyboard.type(' from alice')
    await waitForText(b, (text) => text.includes('from alice'), 'Bob to see Alice\'s edit')
    assert.equal(await editorText(b), 'shared notes from alice\n', 'Bob typed nothing into his read-only editor')
    await waitServerText(srv, alice, id, (text) => text === 'shared notes from alice\n', 'the server text')

    // Alice deletes the document: Bob is told, and his editor does not try to reconnect.
    assert.equal((await srv.api('DELETE', `/api/documents/${id}`, as(alice))).status, 204)
    await b.getByRole('heading', { name: 'Document deleted' }).waitFor({ timeout: 15000 })
    await assert.rejects(b.waitForEvent('websocket', { timeout: 1500 }), /Timeout/, 'no reconnection after 4404')
  }))

test('offline edits are kept, also across closing the tab, and merge when back online; nothing is lost',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const alice = await join('alice')
    const bob = await join('bob')
    await Promise.all([register(alice), register(bob)])
    const id = await createDocument(srv, alice, 'plan.md', 'line one\nline two\n', { bob: 'editor' })
    const a = alice.page
    const b = bob.page
    await Promise.all([openDocument(a, id), openDocument(b, id)])
    await waitForText(a, (text) => text === 'line one\nline two\n', 'Alice to load the document')
    await waitForText(b, (text) => text === 'line one\nline two\n', 'Bob to load the document')

    // Alice goes offline and keeps typing; Bob types too.
    await alice.context.setOffline(true)
    await a.locator('[data-status="offline"]').waitFor()
    await caretToEndOfLine(a, 1)
    await a.keyboard.type(' offline-A')
    await caretToEndOfLine(b, 2)
    await b.keyboard.type(' online-B')
    await waitServerText(srv, bob, id, (text) => text.includes('online-B'), 'Bob\'s edit to reach the server')
    assert.ok(!(await serverText(srv, bob, id)).includes('offline-A'), 'Alice\'s offline edit stays with her')
    assert.equal(await editorText(a), 'line one offline-A\nline two\n', 'Alice, offline, sees only her own edit')

    // Back online: both edits everywhere.
    await alice.context.setOffline(false)
    await waitConnected(a)
    const merged = 'line one offline-A\nline two online-B\n'
    await waitForText(a, (text) => text === merged, 'Alice to get Bob\'s edit')
    await waitForText(b, (text) => text === merged, 'Bob to get Alice\'s offline edit')
    await waitServerText(srv, bob, id, (text) => text === merged, 'the server to merge both')

    // Offline again, Alice types and closes the tab before anything was sent: the edit is kept in
    // her browser (IndexedDB) and reaches everyone when she opens the document again online.
    await alice.context.setOffline(true)
    await a.locator('[data-status="offline"]').waitFor()
    const stored = await localUpdateCount(a, id)
    await caretToEndOfLine(a, 1)
    await a.keyboard.type(' kept')
    await waitFor(async () => (await localUpdateCount(a, id)) >= stored + ' kept'.length, 10000, 'the edit to be stored in IndexedDB')
    await a.close()
    assert.equal(await serverText(srv, bob, id), merged, 'nothing of it was sent')
    await alice.context.setOffline(false)
    const a2 = await alice.context.newPage()
    watch(alice, a2)
    await openDocument(a2, id)
    const kept = 'line one offline-A kept\nline two online-B\n'
    await waitForText(a2, (text) => text === kept, 'Alice\'s reopened tab to show her kept edit')
    await waitForText(b, (text) => text === kept, 'Bob to get the edit kept offline')
    await waitServerText(srv, bob, id, (text) => text === kept, 'the server to get the edit kept offline')
  }))

test('an expired token and a missing document end in clear messages, not reconnect loops',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const { token, user } = await srv.account('alice')
    const id = await createDocument(srv, { token }, 'short.txt', 'short-lived\n')

    // A token that expires in a few seconds (signed with the server's secret).
    const now = Math.floor(Date.now() / 1000)
    const exp = now + 4
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
    // Of alice's sign-in (sid) at her token version (tv), as every token the server accepts.
    const { sid, tv } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'))
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: String(user.id), name: 'alice', iat: now, exp, sid, tv })}`
    const short = `${unsigned}.${crypto.createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`

    const alice = await join('alice')
    const a = alice.page
    await a.goto('/login')
    await a.evaluate((s) => window.localStorage.setItem('weft.session', s), JSON.stringify({ token: short, user }))

    await a.goto('/d/999999')
    await a.getByRole('heading', { name: 'Document not found' }).waitFor()

    await openDocument(a, id)
    await waitForText(a, (text) => text === 'short-lived\n', 'the document')
    // Offline until the token has expired, then back: the reconnection is refused with 4401.
    await alice.context.setOffline(true)
    await a.locator('[data-status="offline"]').waitFor()
    await waitFor(() => Date.now() / 1000 > exp + 1, 10000, 'the token to expire')
    await alice.context.setOffline(false)
    // The app goes back to the sign-in screen, saying why, and does not reconnect.
    await a.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 15000 })
    await a.getByText('Your session has ended').waitFor()
    await a.getByText('Your unsent edits are kept in this browser').waitFor()
    await assert.rejects(a.waitForEvent('websocket', { timeout: 1500 }), /Timeout/, 'no reconnection after 4401')
  }, { 'jwt-secret': SECRET }))
