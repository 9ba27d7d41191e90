// history_delete.test.mjs — a document's versions go with it: after DELETE /api/documents/{id}
// the versions API answers 404 for the list, each version, its content and its diff, and no row of
// document_versions is left for the document (read with the sqlite3 CLI, or psql when the servers
// run on PostgreSQL: WEFT_TEST_SERVER_DATABASE=postgres); another document's versions stay. A
// room that still held uncaptured edits when the document went adds no version afterwards.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { TEST_TIMEOUT, scenario, waitFor } from './harness.mjs'

// How many rows of document_versions the document has, read from the server's database itself.
function versionRows (srv, id) {
  const sql = `SELECT count(*) FROM document_versions WHERE document_id = ${Number(id)}`
  const r = srv.flags.database
    ? spawnSync('psql', [srv.flags.database, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-bail', '-cmd', '.timeout 5000', srv.dbPath, sql], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return Number(r.stdout.trim())
}

async function versionIds (srv, id) {
  const r = await srv.api('GET', `/api/documents/${id}/versions`)
  assert.equal(r.status, 200, r.text)
  return r.json.versions.map((v) => v.id)
}

test('deleting a document deletes its versions: 404 for each, and no row left', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 300, 'history-max-interval-ms': 60000 })
  const id = await srv.newDoc()
  const other = await srv.newDoc({ title: 'other.txt' })
  // Versions of three kinds: two PUTs ("replace"), a name, and typing once quiet ("auto").
  for (const [doc, text] of [[id, 'one\n'], [id, 'two\n'], [other, 'other\n'], [other, 'other 2\n']]) {
    assert.equal((await srv.api('PUT', `/api/documents/${doc}/content`, { body: text })).status, 204)
  }
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { body: { name: 'kept?' } })).status, 201)
  const c = s.client(srv, id)
  await c.waitSynced()
  c.ytext.insert(0, 'typed ')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/versions`)).json.versions[0].kind === 'auto',
    5000, 'a version of the typing once quiet')
  const made = await versionIds(srv, id)
  assert.equal(made.length, 4, `versions before the delete: ${made}`)
  assert.equal(versionRows(srv, id), made.length)
  const otherVersions = await versionIds(srv, other)
  assert.ok(otherVersions.length >= 1)

  assert.equal((await srv.api('DELETE', `/api/documents/${id}`)).status, 204)
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions`)).status, 404)
  for (const vid of made) {
    for (const p of ['', '/content', '/diff?against=current']) {
      const r = await srv.api('GET', `/api/documents/${id}/versions/${vid}${p}`)
      assert.equal(r.status, 404, `GET …/versions/${vid}${p}: ${r.status} ${r.text}`)
    }
    assert.equal((await srv.api('POST', `/api/documents/${id}/versions/${vid}/restore`)).status, 404)
  }
  assert.equal(versionRows(srv, id), 0, 'no row of document_versions is left')
  assert.deepEqual(await versionIds(srv, other), otherVersions, 'the other document keeps its versions')
  assert.equal(versionRows(srv, other), otherVersions.length)
}))

test('a room with uncaptured edits when its document is deleted leaves no version behind', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  // Versions only when the room unloads (and at shutdown): the typing below is still uncaptured.
  const srv = await s.server({ 'history-quiet-ms': 600000, 'history-max-interval-ms': 0, 'room-grace-ms': 50 })
  // The control: the same edit in a document that stays gets its version when the room unloads.
  const [id, kept] = [await srv.newDoc(), await srv.newDoc({ title: 'kept.txt' })]
  const c = s.client(srv, id)
  const k = s.client(srv, kept)
  await Promise.all([c.waitSynced(), k.waitSynced()])
  c.ytext.insert(0, 'typed, never captured\n')
  k.ytext.insert(0, 'typed, captured at unload\n')
  for (const [doc, client] of [[id, c], [kept, k]]) {
    await waitFor(async () => (await srv.api('GET', `/api/documents/${doc}/content`)).text === client.text(), 5000, 'the edit to reach the room')
  }
  assert.equal(versionRows(srv, id) + versionRows(srv, kept), 0)

  assert.equal((await srv.api('DELETE', `/api/documents/${id}`)).status, 204)
  await waitFor(() => c.serverCloses().some((x) => x.code === 4404), 5000, 'the client to be closed with 4404', () => JSON.stringify(c.closes))
  c.destroy()
  k.destroy()
  await waitFor(async () => (await srv.metrics()).weft_documents === 0, 5000, 'both rooms to unload')
  // The unload's capture runs on the blocking pool: stop the server, which waits for it.
  await srv.stop()
  assert.equal(versionRows(srv, kept), 1, 'the document that stays has its unload version')
  assert.equal(versionRows(srv, id), 0, 'no version of the deleted document')
}))
