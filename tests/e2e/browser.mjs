// browser.mjs — drives the web app (web/dist, served by `weft serve`) in Debian's Chromium through
// playwright-core (web/'s devDependency; no downloaded browser). One browser per test file; each
// person is a fresh browser context (own storage, own IndexedDB, own network emulation).
// Every wait is a condition with a deadline.
//
//   WEFT_CHROMIUM   the browser (default /usr/bin/chromium)
//   WEFT_WEB_DIST   the built web app to serve (default web/dist)
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { scenario, waitFor } from '../server/harness.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.resolve(here, '../..')
export const WEB_DIST = path.resolve(process.env.WEFT_WEB_DIST || path.join(REPO, 'web/dist'))
const require = createRequire(path.join(REPO, 'web/package.json'))
const { chromium } = require('playwright-core')

const CHROMIUM = process.env.WEFT_CHROMIUM || '/usr/bin/chromium'
export const VIEWPORT = { width: 1280, height: 720 } // a laptop screen
// A phone (an iPhone 12–15's CSS viewport), touch only.
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 }

export function checkPrerequisites () {
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: build the web app first (cd web && npm run build)`)
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (scripts/bootstrap installs Debian's chromium)`)
}

export async function launchBrowser () {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
}

// A person with their own browser context and one page. `log` collects the page's errors, to be
// printed when a test fails; `errors` the messages of its uncaught errors and `warnings` its console
// warnings, for tests that assert there are none. `device` overrides the context's options (PHONE).
export async function person (browser, baseURL, name, device = {}) {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORT, colorScheme: 'dark', ...device })
  const page = await context.newPage()
  const p = { name, context, page, log: [], errors: [], warnings: [] }
  watch(p, page)
  return p
}

export function watch (p, page) {
  page.on('pageerror', (e) => {
    p.errors.push(e.message)
    p.log.push(`[${p.name}] page error: ${e.message}`)
  })
  page.on('console', (m) => {
    if (m.type() === 'error') p.log.push(`[${p.name}] console: ${m.text()}`)
    if (m.type() === 'warning') p.warnings.push(m.text())
  })
}

// Runs fn(srv, join) with a server serving the web app; people made with `join(name, device)` are
// closed afterwards, and their page errors are added to a failure's message.
export function browserScenario (t, browser, fn, flags = {}) {
  return scenario(t, async (s) => {
    const srv = await s.server(flags, { staticDir: WEB_DIST })
    const people = []
    const join = async (name, device) => {
      const p = await person(browser, srv.httpUrl, name, device)
      people.push(p)
      s.onCleanup(() => p.context.close())
      return p
    }
    try {
      await fn(srv, join)
    } catch (e) {
      const logs = people.flatMap((p) => p.log)
      if (e instanceof Error && logs.length) e.message += `\n--- browser logs:\n${logs.slice(-40).join('\n')}`
      throw e
    }
  })
}

export const as = (p) => ({ token: p.token })

// Creates a document through the API as `owner` and shares it with `members` ({username: role}).
export async function createDocument (srv, owner, title, content, members = {}) {
  const r = await srv.api('POST', '/api/documents', { ...as(owner), body: { title, content } })
  assert.equal(r.status, 201, r.text)
  for (const [username, role] of Object.entries(members)) {
    const m = await srv.api('PUT', `/api/documents/${r.json.id}/members/${username}`, { ...as(owner), body: { role } })
    assert.equal(m.status, 200, m.text)
  }
  return r.json.id
}

// Registers through the sign-up form; resolves on the documents page.
export async function register (p, password = `${p.name}-password`) {
  const { page } = p
  await page.goto('/register')
  await page.getByLabel('Username').fill(p.name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor()
  p.token = await page.evaluate(() => JSON.parse(window.localStorage.getItem('weft.session')).token)
  p.user = await page.evaluate(() => JSON.parse(window.localStorage.getItem('weft.session')).user)
}

// The document's text as the server has it, and a wait until it satisfies `predicate`.
export async function serverText (srv, p, id) {
  const r = await srv.api('GET', `/api/documents/${id}/content`, as(p))
  assert.equal(r.status, 200, r.text)
  return r.text
}

export async function waitServerText (srv, p, id, predicate, what) {
  let last = ''
  await waitFor(async () => predicate(last = await serverText(srv, p, id)), 15000, what,
    () => `the server has ${JSON.stringify(last)}`)
}

// The text Monaco shows, line by line in visual order (Monaco reuses line elements, so DOM order
// is not line order). Fine for documents that fit on the screen, which these tests keep to.
export function editorText (page) {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.monaco-editor .view-lines .view-line')]
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    return lines.map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n')
  })
}

export async function waitForText (page, predicate, what, timeout = 15000) {
  let last = ''
  await waitFor(async () => predicate(last = await editorText(page)), timeout, what,
    () => `the editor shows ${JSON.stringify(last)}`)
  return last
}

export async function waitConnected (page, timeout = 15000) {
  await page.locator('[data-status="connected"]').waitFor({ timeout })
}

// Opens a document and waits until its editor is connected.
export async function openDocument (page, id) {
  await page.goto(`/d/${id}`)
  await page.locator('.monaco-editor').waitFor({ timeout: 20000 })
  await waitConnected(page)
}

// Puts the caret at the end of line `n` (1-based) of the editor.
export async function caretToEndOfLine (page, n) {
  await page.locator('.monaco-editor .view-lines').click()
  await page.keyboard.press('Control+Home')
  for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown')
  await page.keyboard.press('End')
}

// Waits until this page shows another person's caret labelled with their name.
export async function waitForCursorLabel (page, name, timeout = 15000) {
  await page.waitForFunction((who) => [...document.querySelectorAll('.yRemoteSelectionHead')]
    .some((el) => window.getComputedStyle(el, '::after').content === JSON.stringify(who)), name, { timeout })
}

// How many updates y-indexeddb holds for document `docId` in this page's browser context.
export function localUpdateCount (page, docId) {
  return page.evaluate(async (id) => {
    const dbs = await indexedDB.databases()
    const info = dbs.find((d) => d.name && d.name.startsWith('weft:') && d.name.includes(`:doc:${id}:`))
    if (!info) return 0
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(info.name)
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    try {
      return await new Promise((resolve, reject) => {
        const q = db.transaction('updates').objectStore('updates').count()
        q.onsuccess = () => resolve(q.result)
        q.onerror = () => reject(q.error)
      })
    } finally {
      db.close()
    }
  }, docId)
}
