// workspace_helpers.mjs — what the project workspace's browser tests share (workspace.test.mjs,
// import.test.mjs): locators of the active tab, a tab and a tree row; the active editor's text; waits
// for a file to be open and connected and for its text; a project made through the API, with files
// and members.
import assert from 'node:assert/strict'
import { waitFor } from '../server/harness.mjs'
import { as } from './browser.mjs'

// The panel of the active tab, and the tab and tree row of a path.
export const activePanel = (page) => page.locator('.file-tab-panel:not([hidden])')
export const tab = (page, filePath) => page.getByRole('tab').and(page.locator(`[data-path="${filePath}"]`))
export const row = (page, filePath) => page.getByRole('treeitem').and(page.locator(`[data-path="${filePath}"]`))

// The text of the active tab's editor, line by line in visual order (Monaco reuses line elements).
export function activeText (page) {
  return page.evaluate(() => {
    const panel = document.querySelector('.file-tab-panel:not([hidden])')
    if (!panel) return null
    const lines = [...panel.querySelectorAll('.monaco-editor .view-lines .view-line')]
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    return lines.map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n')
  })
}

// Waits until the active editor's text satisfies `predicate` (or equals it, given a string).
export async function waitActiveText (page, predicate, what, timeout = 15000) {
  const ok = typeof predicate === 'string' ? (s) => s === predicate : predicate
  let last = null
  await waitFor(async () => ok(last = await activeText(page)), timeout, what, () => `the editor shows ${JSON.stringify(last)}`)
}

// Waits until the active tab is `path`, its editor on screen and connected.
export async function waitActiveFile (page, filePath, timeout = 20000) {
  await page.locator(`.file-tab-panel:not([hidden])[data-path="${filePath}"] .monaco-editor`).waitFor({ timeout })
  await activePanel(page).locator('[data-status="connected"]').waitFor({ timeout })
}

// A project of `owner` with `files` ({path: text}) and `members` ({username: role}), through the
// API. Returns its id and its files' ids by path.
export async function newProject (srv, owner, name, files = {}, members = {}) {
  const r = await srv.api('POST', '/api/projects', { ...as(owner), body: { name } })
  assert.equal(r.status, 201, r.text)
  const ids = {}
  for (const [filePath, content] of Object.entries(files)) {
    const f = await srv.api('POST', `/api/projects/${r.json.id}/files`, { ...as(owner), body: { path: filePath, content } })
    assert.equal(f.status, 201, f.text)
    ids[filePath] = f.json.id
  }
  for (const [username, role] of Object.entries(members)) {
    const m = await srv.api('PUT', `/api/projects/${r.json.id}/members/${username}`, { ...as(owner), body: { role } })
    assert.equal(m.status, 200, m.text)
  }
  return { id: r.json.id, ids }
}

// "New project" on the documents page: the dialog, then the new project's page. Returns its id.
export async function createProjectInUi (page, name) {
  await page.getByRole('button', { name: 'New project' }).click()
  await page.getByRole('dialog', { name: 'New project' }).getByLabel('Project name').fill(name)
  await page.getByRole('dialog', { name: 'New project' }).getByRole('button', { name: 'Create' }).click()
  await page.waitForURL(/\/p\/\d+$/)
  return Number(new URL(page.url()).pathname.split('/')[2])
}
