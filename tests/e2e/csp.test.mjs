// csp.test.mjs — the web app's Content-Security-Policy (server/security_headers.hpp) does not get
// in the app's way: in real Chromium, two people register, open a JSON document (Monaco, its
// editor and JSON workers from blob: URLs, the codicon font, y-websocket on the same origin),
// type, see each other's cursor (styles written at run time), use suggestions and the find widget,
// open History's diff editor and the Account page, with the service worker installed — and not
// one policy violation is reported, neither as a `securitypolicyviolation` event nor on the
// console. The policy is checked to be in force: an injected inline script is refused (and that
// refusal is seen by the same listeners, so they do hear violations). A title made of HTML is shown
// as text.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor, TEST_TIMEOUT } from '../server/harness.mjs'
import {
  checkPrerequisites, launchBrowser, register, openDocument, caretToEndOfLine, waitForCursorLabel,
  waitServerText, createDocument, as, browserScenario as sharedScenario
} from './browser.mjs'

let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

const browserScenario = (t, fn, flags) => sharedScenario(t, browser, fn, flags)

// Records every violation a page (any document it loads) reports: the DOM event, which also says
// what was blocked, and Chromium's console message for it (and any complaint about the
// Permissions-Policy header, such as a feature it does not know).
async function recordViolations (p) {
  p.violations = []
  await p.context.addInitScript(() => {
    window.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`)
    })
  })
  p.page.on('console', (m) => {
    if (/Content Security Policy|Refused to|Permissions-Policy/i.test(m.text())) p.violations.push(`console: ${m.text()}`)
  })
  p.workers = []
  p.page.on('worker', (w) => {
    p.workers.push(w.url())
    w.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) p.violations.push(`worker console: ${m.text()}`)
    })
  })
}

async function violations (p) {
  const events = await p.page.evaluate(() => window.__csp ?? [])
  return [...p.violations, ...events.map((e) => `event: ${e}`)]
}

const DOC = '{\n  "name": "weft",\n  "tags": ["a", "b"]\n}\n'

test('the web app runs under its Content-Security-Policy without a single violation', { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
  const alice = await join('alice')
  const bob = await join('bob')
  await recordViolations(alice)
  await recordViolations(bob)

  // The policy is there on the page itself.
  const first = await alice.page.goto('/register')
  assert.match(first.headers()['content-security-policy'] ?? '', /script-src 'self'/)
  await Promise.all([register(alice), register(bob)])

  // The service worker installs (worker-src 'self') and controls the page after a reload.
  await alice.page.evaluate(() => navigator.serviceWorker.ready.then(() => true))

  // A title made to be HTML is shown as text (React escapes it); were it ever parsed, its inline
  // handler would be refused by the policy and reported below.
  const hostile = '<img src=x onerror="window.__xss=1">.txt'
  await createDocument(srv, alice, hostile, 'x\n', { bob: 'viewer' })
  await bob.page.reload()
  await bob.page.getByText(hostile).first().waitFor()
  assert.equal(await bob.page.evaluate(() => window.__xss), undefined)

  const id = await createDocument(srv, alice, 'package.json', DOC, { bob: 'editor' })
  const a = alice.page
  const b = bob.page
  await openDocument(a, id)
  await openDocument(b, id)

  // Typing: y-websocket's updates over ws:// to this origin (connect-src 'self').
  await caretToEndOfLine(a, 3)
  await a.keyboard.type(',\n  "typed": true', { delay: 10 })
  await caretToEndOfLine(b, 2)
  await b.keyboard.type(' ', { delay: 10 })
  await waitServerText(srv, alice, id, (text) => text.includes('"typed": true') && text.includes('"weft", '), 'both edits on the server')
  // Remote cursors: their colors are <style> elements written at run time.
  await waitForCursorLabel(a, 'bob')

  // The JSON worker (a blob: worker) validates: a syntax error gets Monaco's squiggle.
  await a.keyboard.type(' oops', { delay: 10 })
  await a.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 15000 })
  assert.ok(alice.workers.some((u) => u.startsWith('blob:')), `Monaco's workers run from blob: URLs (${alice.workers})`)
  await a.keyboard.press('Control+z')
  // Suggestions (the worker again) and the find widget (codicon font).
  await a.keyboard.press('Control+Space')
  await a.locator('.monaco-editor .suggest-widget').first().waitFor({ state: 'attached', timeout: 10000 })
  await a.keyboard.press('Escape')
  await a.keyboard.press('Control+f')
  await a.locator('.monaco-editor .find-widget').first().waitFor({ timeout: 10000 })
  assert.ok(await a.evaluate(() => document.fonts.check('16px codicon')), 'the codicon font loaded')
  await a.keyboard.press('Escape')

  // History's diff editor, and the Account page.
  const version = await srv.api('POST', `/api/documents/${id}/versions`, { ...as(alice), body: { name: 'checked' } })
  assert.equal(version.status, 201, version.text)
  await a.getByRole('button', { name: 'History', exact: true }).click()
  await a.getByTestId('history-panel').locator(`.version-button[data-version-id="${version.json.id}"]`).click()
  await a.locator('[data-testid="version-diff"] .monaco-diff-editor').first().waitFor({ timeout: 15000 })
  await a.goto('/account')
  await a.getByRole('heading', { name: 'Account', level: 1 }).waitFor()

  for (const p of [alice, bob]) assert.deepEqual(await violations(p), [], `${p.name}: no policy violation`)

  // The listeners hear violations, and the policy is enforced: an inline script does not run.
  const ran = await a.evaluate(() => {
    const s = document.createElement('script')
    s.textContent = 'window.__inlineRan = true'
    document.head.append(s)
    return window.__inlineRan === true
  })
  assert.equal(ran, false, 'an inline script is refused')
  await waitFor(async () => (await violations(alice)).some((v) => v.includes('script-src')), 5000, 'the refusal to be reported')
}))
