// roles.test.mjs — role changes of a live connection. A demoted editor stays connected and
// read-only; what it types meanwhile stays in its own Y.Doc (the server applies none of it). When
// it is promoted again the server asks it for what it lacks (sync step 1), so the text typed while
// read-only and everything typed after it reach everyone at once — as they would on a reconnect.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor } from './harness.mjs'

const dropped = async (srv) => (await srv.metrics()).weft_viewer_updates_dropped_total ?? 0

test('an editor demoted to viewer and promoted back: new edits reach everyone at once, with the read-only ones', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const editor = await srv.account('eddie')
  const id = await srv.newDoc({ is_public: false })
  const role = (r) => srv.api('PUT', `/api/documents/${id}/members/eddie`, { body: { role: r } })
  assert.equal((await role('editor')).status, 200)

  const owner = s.client(srv, id, { name: 'owner' })
  const ed = s.client(srv, id, { name: 'ed', token: editor.token })
  await Promise.all([owner.waitSynced(), ed.waitSynced()])
  ed.ytext.insert(0, 'one ')
  await waitFor(() => owner.text() === 'one ', 5000, 'the owner to see the editor\'s edit')

  assert.equal((await role('viewer')).status, 200)
  // The demotion is in force once an update of ed's is dropped (typed while read-only).
  let typed = 0
  await waitFor(async () => {
    const before = await dropped(srv)
    ed.ytext.insert(ed.ytext.length, `two${typed++} `)
    return waitFor(async () => await dropped(srv) > before, 1000, 'the drop').then(() => true, () => false)
  }, 10000, 'an update of the demoted editor to be dropped')
  const readOnly = `two${typed - 1} `
  assert.ok(!owner.text().includes(readOnly), 'what was typed while read-only reached the owner')
  const content = await srv.api('GET', `/api/documents/${id}/content`)
  assert.ok(!content.text.includes(readOnly), 'what was typed while read-only reached the server')

  assert.equal((await role('editor')).status, 200)
  await waitFor(async () => {
    if (owner.text().includes('three')) return true
    if (!ed.text().includes('three')) ed.ytext.insert(ed.ytext.length, 'three')
    return false
  }, 5000, 'the owner to see the edit typed after the promotion',
  () => `owner: ${JSON.stringify(owner.text())} ed: ${JSON.stringify(ed.text())}`)
  await waitFor(() => owner.text() === ed.text(), 5000, 'owner and editor to agree')
  assert.ok(owner.text().endsWith(`${readOnly}three`), 'the text typed while read-only arrived with the promotion')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === ed.text(), 5000,
    'the server to hold the same text')
  assert.deepEqual(ed.serverCloses(), [], 'the editor stayed connected throughout')
}))
