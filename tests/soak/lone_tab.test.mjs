// lone_tab.test.mjs — the real-time version of tests/server/lone_user.test.mjs: one person opens a
// document in Chromium and leaves the tab alone for WEFT_SOAK_MINUTES (default 10) of wall-clock
// time. The tab must stay on one WebSocket and never show anything but "connected". Not part of
// `make test` (it takes minutes); run with `make soak-lone-tab`.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { scenario, TEST_TIMEOUT } from '../server/harness.mjs'
import { WEB_DIST, checkPrerequisites, launchBrowser, person, register, openDocument } from '../e2e/browser.mjs'

const MINUTES = Number(process.env.WEFT_SOAK_MINUTES || 10)
let browser

before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

test(`a lone idle tab stays on one WebSocket for ${MINUTES} minutes`, { timeout: MINUTES * 60000 + TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({}, { staticDir: WEB_DIST })
  const p = await person(browser, srv.httpUrl, 'lone')
  s.onCleanup(() => p.context.close())
  await register(p)
  const r = await srv.api('POST', '/api/documents', { token: p.token, body: { title: 'alone.py', content: 'print(1)\n' } })
  assert.equal(r.status, 201, r.text)
  const sockets = []
  p.page.on('websocket', (ws) => sockets.push({ url: ws.url().replace(/token=[^&]+/, 'token=…'), at: Date.now() }))
  await openDocument(p.page, r.json.id)
  // Every status the connection indicator shows, as it changes.
  await p.page.evaluate(() => {
    window.__statuses = []
    const seen = () => document.querySelector('[data-status]')?.getAttribute('data-status')
    let last = seen()
    window.__statuses.push(last)
    new MutationObserver(() => {
      const now = seen()
      if (now !== last) { last = now; window.__statuses.push(now) }
    }).observe(document.body, { subtree: true, attributes: true, childList: true })
  })
  const start = Date.now()
  for (let m = 1; m <= MINUTES; m++) {
    await new Promise((resolve) => setTimeout(resolve, 60000))
    s.log(`${m} min: ${sockets.length} WebSocket(s), statuses ${JSON.stringify(await p.page.evaluate(() => window.__statuses))}`)
  }
  const statuses = await p.page.evaluate(() => window.__statuses)
  s.log(`after ${Math.round((Date.now() - start) / 1000)} s: ${sockets.length} WebSocket(s); statuses ${JSON.stringify(statuses)}; page errors ${JSON.stringify(p.log)}`)
  assert.equal(sockets.length, 1, `the tab opened ${sockets.length} WebSockets: ${JSON.stringify(sockets)}`)
  assert.deepEqual(statuses, ['connected'], 'the connection indicator changed')
}))
