// account.test.mjs — the Account page in Chromium, on a phone (390×844) and a desktop: changing
// the password there keeps that tab working and sends the same person's other device, which has
// a document open, to the sign-in screen with a clear message (its socket closed 4401), without
// reconnecting; the sessions list and sign out everywhere.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, waitFor } from '../server/harness.mjs'
import {
  PHONE, checkPrerequisites, launchBrowser, register, openDocument, createDocument, browserScenario as sharedScenario
} from './browser.mjs'

let browser
before(async () => {
  checkPrerequisites()
  browser = await launchBrowser()
})
after(async () => { await browser?.close() })

const browserScenario = (t, fn, flags) => sharedScenario(t, browser, fn, flags)

// Signs `p` in through the form (a second device of an existing account).
async function signIn (p, username, password) {
  await p.page.goto('/login')
  await p.page.getByLabel('Username').fill(username)
  await p.page.getByLabel('Password').fill(password)
  await p.page.getByRole('button', { name: 'Sign in' }).click()
  await p.page.getByRole('heading', { name: 'Documents', exact: true }).waitFor()
}

async function noSidewaysScroll (page) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }))
  assert.ok(scroll <= client, `the page scrolls sideways (${scroll} > ${client})`)
}

for (const [label, device] of [['phone', PHONE], ['desktop', {}]]) {
  test(`account page (${label}): change the password, and the other device is sent to sign in`, { timeout: TEST_TIMEOUT }, (t) => browserScenario(t, async (srv, join) => {
    const here = await join('ann', device)
    await register(here, 'ann-password')
    const id = await createDocument(srv, here, 'notes.txt', 'hello\n')
    const there = await join('ann-laptop')
    await signIn(there, 'ann', 'ann-password')
    await openDocument(there.page, id)

    const a = here.page
    await a.getByRole('button', { name: /^Account/ }).click()
    await a.getByRole('menuitem', { name: 'Account' }).click()
    await a.getByRole('heading', { name: 'Account', exact: true }).waitFor()
    const sessions = a.getByRole('list', { name: 'Sessions' }).getByRole('listitem')
    await waitFor(async () => await sessions.count() === 2, 10000, 'both sessions to be listed')
    await a.getByText('This session').waitFor()
    await noSidewaysScroll(a)

    // A wrong current password is refused with a clear message.
    await a.getByLabel('Current password').fill('not-my-password')
    await a.getByLabel('New password').fill('ann-new-password')
    await a.getByRole('button', { name: 'Change password' }).click()
    await a.getByText('That is not your current password.').waitFor()

    await a.getByLabel('Current password').fill('ann-password')
    await a.getByLabel('New password').fill('ann-new-password')
    await a.getByRole('button', { name: 'Change password' }).click()
    await a.getByText('Password changed. Your other sessions were signed out.').waitFor()

    // The other device: back on the sign-in screen, saying why, and not reconnecting.
    const b = there.page
    await b.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 15000 })
    await b.getByText('Your session has ended').waitFor()
    await assert.rejects(b.waitForEvent('websocket', { timeout: 1500 }), /Timeout/, 'no reconnection after 4401')

    // This tab keeps working with its fresh token: the documents list loads, the document opens.
    const token = await a.evaluate(() => JSON.parse(window.localStorage.getItem('weft.session')).token)
    assert.notEqual(token, here.token)
    assert.equal((await srv.api('GET', '/api/me', { token })).status, 200)
    assert.equal((await srv.api('GET', '/api/me', { token: here.token })).status, 401)
    await openDocument(a, id)

    // The old password no longer signs in; the new one does, on the other device.
    await signIn(there, 'ann', 'ann-new-password')

    // Sign out everywhere, from the account page: both end on the sign-in screen.
    await a.goto('/account')
    await a.getByRole('button', { name: 'Sign out everywhere' }).click()
    await a.getByRole('dialog').getByRole('button', { name: 'Sign out everywhere' }).click()
    await a.getByRole('heading', { name: 'Sign in' }).waitFor()
    await a.getByText('You signed out everywhere').waitFor()
    await b.reload()
    await b.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 15000 })
  }))
}
