// offline.test.mjs — starting and going offline in Chromium. (1) Offline right after opening a
// document: the editor's web workers and its icon font came with the editor, so word suggestions
// (computed in the editor worker) and their icons (the codicon font) work with no network, no
// "Could not create web worker(s)". (2) Leaving the editor right after typing raises no uncaught
// "Canceled". (3) The app shell is installed for offline use: with the server gone and the browser
// offline, the app starts, a document opened before reopens from the service worker's cache and
// IndexedDB and takes edits, and they reach the server once it is back.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import {
  checkPrerequisites, launchBrowser, register, openDocument, waitForText, caretToEndOfLine,
  waitConnected, createDocument, waitServerText, localUpdateCount, watch, browserScenario
} from './browser.mjs'

let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

// The state of every codicon font face of the page ('unloaded', 'loading', 'loaded', 'error').
function codiconFaces (page) {
  return page.evaluate(() => [...document.fonts].filter((f) => /codicon/i.test(f.family)).map((f) => f.status))
}

const workerTrouble = (p) => [...p.errors, ...p.warnings].filter((m) => /web worker|worker failed/i.test(m))

const TEXT = 'greeting_message = "hello"\nprint(greeting_message)\n'

test('offline right after opening a document: suggestions (editor worker) and their icons work, with no worker errors',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, browser, async (srv, join) => {
    const alice = await join('alice')
    const a = alice.page
    await register(alice)
    const id = await createDocument(srv, alice, 'hello.py', TEXT)
    await openDocument(a, id)
    await alice.context.setOffline(true)
    await a.locator('[data-status="offline"]').waitFor()
    await waitForText(a, (text) => text === TEXT, 'the document')

    // Word-based suggestions come from the editor worker; their kind icons are codicon glyphs.
    await caretToEndOfLine(a, 3)
    await a.keyboard.type('greet')
    const suggestion = a.locator('.suggest-widget .monaco-list-row', { hasText: 'greeting_message' })
    await suggestion.first().waitFor({ timeout: 10000 }).catch((e) => {
      throw new Error(`no word suggestion offline: ${e.message}\nerrors and warnings: ${JSON.stringify(workerTrouble(alice))}`)
    })
    await a.keyboard.press('Escape')
    await waitFor(async () => (await codiconFaces(a)).length > 0 && (await codiconFaces(a)).every((s) => s === 'loaded'),
      5000, 'the codicon font to be loaded', async () => `its faces are ${JSON.stringify(await codiconFaces(a))}`)
    assert.ok(await a.evaluate(() => document.fonts.check('16px codicon')), 'document.fonts.check says the codicon font is there')
    assert.deepEqual(workerTrouble(alice), [], 'no worker errors or warnings')
    assert.deepEqual(alice.errors, [], 'no uncaught errors')
  }))

// Monaco's word highlighter runs 50 ms after each cursor move; an editor disposed before that used
// to reject the pending run with an uncaught "Canceled".
test('leaving an editor right after typing raises no uncaught "Canceled"',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, browser, async (srv, join) => {
    const alice = await join('alice')
    const a = alice.page
    await register(alice)
    const id = await createDocument(srv, alice, 'hello.py', TEXT)
    await openDocument(a, id)
    await waitForText(a, (text) => text === TEXT, 'the document')
    let typed = ''
    for (let i = 0; i < 6; i++) {
      await caretToEndOfLine(a, 3)
      await a.keyboard.type(`x${i}`)
      typed += `x${i}`
      // Leave at once: the click comes within a few milliseconds of the last key.
      await a.evaluate(() => document.querySelector('a.toolbar-back').click())
      await a.getByRole('heading', { name: 'Documents', exact: true }).waitFor()
      await a.goBack()
      await a.locator('.monaco-editor').waitFor()
      await waitForText(a, (text) => text === TEXT + typed, 'the edits kept')
    }
    // A rejected promise is reported on a later turn of the event loop; give it a moment.
    await a.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)))
    assert.deepEqual(alice.errors, [], 'no uncaught errors')
  }))

test('with the server gone and the browser offline, a document opened before reopens from the app shell and IndexedDB, takes edits, and they merge once back',
  { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, browser, async (srv, join) => {
    const alice = await join('alice')
    const a = alice.page
    await register(alice)
    const id = await createDocument(srv, alice, 'plan.md', 'line one\n')
    await openDocument(a, id)
    await waitForText(a, (text) => text === 'line one\n', 'the document')
    await waitFor(() => localUpdateCount(a, id).then((n) => n > 0), 10000, 'the document to be kept in IndexedDB')
    await waitFor(() => a.evaluate(() => navigator.serviceWorker?.controller != null), 20000,
      'a service worker to control the page (the app shell installed)')

    // The network is really gone: the server stops and the browser is offline.
    await alice.context.setOffline(true)
    await srv.stop()
    await a.close()
    const a2 = await alice.context.newPage()
    watch(alice, a2)
    await a2.goto(`/d/${id}`)
    await a2.locator('.monaco-editor').waitFor({ timeout: 20000 })
    await a2.locator('[data-status="offline"]').waitFor()
    await waitForText(a2, (text) => text === 'line one\n', 'the document from IndexedDB')
    const stored = await localUpdateCount(a2, id)
    await caretToEndOfLine(a2, 1)
    await a2.keyboard.type(' offline')
    await waitForText(a2, (text) => text === 'line one offline\n', 'the edit made offline')
    await waitFor(async () => (await localUpdateCount(a2, id)) >= stored + ' offline'.length, 10000, 'the edit to be stored in IndexedDB')
    assert.deepEqual(workerTrouble(alice), [], 'no worker errors or warnings')
    assert.deepEqual(alice.errors, [], 'no uncaught errors')

    // The documents page starts offline too.
    await a2.goto('/')
    await a2.getByRole('heading', { name: 'Documents', exact: true }).waitFor()
    await a2.locator(`.doc-row[data-doc-id="${id}"]`).waitFor()
    await a2.goto(`/d/${id}`)
    await waitForText(a2, (text) => text === 'line one offline\n', 'the edit kept across reloads offline')

    // Back: the server restarts, the browser goes online, the edit reaches the server.
    await srv.start()
    await alice.context.setOffline(false)
    await waitConnected(a2, 20000)
    await waitServerText(srv, alice, id, (text) => text === 'line one offline\n', 'the offline edit to reach the server')
    assert.deepEqual(alice.errors, [], 'no uncaught errors')
  }))
