// projects.test.mjs — the project routes of DESIGN.md §7 (wave 2 · 3) against a real weft serve:
// projects CRUD and pages, members and their rights over the project's files (also on the
// WebSocket), the tree, files and folders with every error (401/403/404/405/409/400), hostile names
// kept verbatim, a rename that keeps the document id and an open y-websocket connection, and
// deletes (file, folder, project) that take the documents and close their connections; search
// (literal, regex, case, pages, live and logged text) and the zip export read back independently;
// imports of .zip and .tar.gz (round trip through the export, hostile archives refused whole).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { scenario, rawWs, waitFor, within, tmpDir, TEST_TIMEOUT } from './harness.mjs'
import { zip, tarGz, readZip } from './archives.mjs'

function assertError (r, status, code, field) {
  assert.equal(r.status, status, `status (body ${r.text})`)
  assert.equal(r.json?.error?.code, code, `error code (body ${r.text})`)
  assert.equal(typeof r.json.error.message, 'string')
  if (field !== undefined) assert.equal(r.json.error.field, field, `error field (body ${r.text})`)
}

async function newProject (srv, body = { name: 'demo' }, token = srv.token) {
  const r = await srv.api('POST', '/api/projects', { body, token })
  assert.equal(r.status, 201, r.text)
  return r.json
}

async function newFile (srv, pid, path, content, token = srv.token) {
  const r = await srv.api('POST', `/api/projects/${pid}/files`, { body: content === undefined ? { path } : { path, content }, token })
  assert.equal(r.status, 201, `${path}: ${r.text}`)
  return r.json
}

async function tree (srv, pid, token = srv.token) {
  const r = await srv.api('GET', `/api/projects/${pid}/tree`, { token })
  assert.equal(r.status, 200, r.text)
  return r.json
}

const paths = (t) => t.files.map((f) => f.path)

test('projects: create, get, list in pages, patch, delete; validation and rights', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const bob = await srv.account('bob')
  const p = await newProject(srv, { name: 'My project' })
  assert.equal(p.name, 'My project')
  assert.equal(p.is_public, false)
  assert.equal(p.role, 'owner')
  assert.deepEqual(p.owner, { id: srv.user.id, username: 'harness' })
  assert.match(p.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  assert.equal((await srv.api('GET', `/api/projects/${p.id}`)).json.name, 'My project')

  // Signed out, outsider, unknown, malformed.
  assertError(await srv.api('GET', '/api/projects', { token: null }), 401, 'unauthorized')
  assertError(await srv.api('POST', '/api/projects', { body: { name: 'x' }, token: null }), 401, 'unauthorized')
  assertError(await srv.api('GET', `/api/projects/${p.id}`, { token: null }), 401, 'unauthorized')
  assertError(await srv.api('GET', `/api/projects/${p.id}`, { token: bob.token }), 403, 'forbidden')
  assertError(await srv.api('GET', `/api/projects/${p.id}/tree`, { token: bob.token }), 403, 'forbidden')
  assertError(await srv.api('GET', '/api/projects/987654'), 404, 'not_found')
  assertError(await srv.api('GET', '/api/projects/abc'), 400, 'validation', 'project')
  assertError(await srv.api('GET', `/api/projects/${p.id}/nope`), 404, 'not_found')
  assertError(await srv.api('PUT', '/api/projects'), 405, 'method_not_allowed')
  assertError(await srv.api('POST', `/api/projects/${p.id}`), 405, 'method_not_allowed')
  assertError(await srv.api('GET', `/api/projects/${p.id}/files`), 405, 'method_not_allowed')

  for (const [body, field] of [[{}, 'name'], [{ name: '' }, 'name'], [{ name: '   ' }, 'name'], [{ name: 'a\nb' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'], [{ name: 5 }, 'name'], [{ name: 'ok', is_public: 'yes' }, 'is_public'], [{ name: 'ok', owner: 1 }, 'owner']]) {
    assertError(await srv.api('POST', '/api/projects', { body }), 400, 'validation', field)
  }
  assertError(await srv.api('POST', '/api/projects', { body: '{"name":' }), 400, 'bad_json')

  // Pages: newest first, next_cursor until the end; bob sees public projects and his own only.
  const ids = [p.id]
  for (let i = 0; i < 4; i++) ids.push((await newProject(srv, { name: `p${i}` })).id)
  const pub = await newProject(srv, { name: 'public one', is_public: true })
  ids.push(pub.id)
  const bobs = await newProject(srv, { name: 'bob private' }, bob.token)
  const seen = []
  let cursor = null
  for (let page = 0; page < 10; page++) {
    const r = await srv.api('GET', `/api/projects?limit=2${cursor ? `&before=${cursor}` : ''}`)
    assert.equal(r.status, 200, r.text)
    assert.ok(r.json.projects.length <= 2)
    seen.push(...r.json.projects.map((x) => x.id))
    cursor = r.json.next_cursor
    if (cursor === null) break
  }
  assert.deepEqual(seen, [...ids].reverse())
  const bobList = (await srv.api('GET', '/api/projects', { token: bob.token })).json.projects
  assert.deepEqual(bobList.map((x) => [x.id, x.role]), [[bobs.id, 'owner'], [pub.id, 'editor']])
  assertError(await srv.api('GET', '/api/projects?limit=0'), 400, 'validation', 'limit')
  assertError(await srv.api('GET', '/api/projects?before=x'), 400, 'validation', 'before')

  // Patch: editors rename, only the owner changes is_public; a public project's outsider edits.
  assert.equal((await srv.api('PATCH', `/api/projects/${pub.id}`, { body: { name: 'renamed by bob' }, token: bob.token })).json.name, 'renamed by bob')
  assertError(await srv.api('PATCH', `/api/projects/${pub.id}`, { body: { is_public: false }, token: bob.token }), 403, 'forbidden')
  assertError(await srv.api('DELETE', `/api/projects/${pub.id}`, { token: bob.token }), 403, 'forbidden')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}`, { body: { title: 'x' } }), 400, 'validation', 'title')
  const patched = await srv.api('PATCH', `/api/projects/${p.id}`, { body: { name: 'New name', is_public: true } })
  assert.equal(patched.status, 200, patched.text)
  assert.equal(patched.json.name, 'New name')
  assert.equal(patched.json.is_public, true)

  // Delete.
  assert.equal((await srv.api('DELETE', `/api/projects/${p.id}`)).status, 204)
  assertError(await srv.api('GET', `/api/projects/${p.id}`), 404, 'not_found')
  assertError(await srv.api('DELETE', `/api/projects/${p.id}`), 404, 'not_found')
}))

test('members: roles over the project and its files, on the API and the WebSocket', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ed = await srv.account('editor')
  const vw = await srv.account('viewer')
  const out = await srv.account('outsider')
  const p = await newProject(srv)
  const file = await newFile(srv, p.id, 'src/main.py', 'print(1)\n')

  assertError(await srv.api('PUT', `/api/projects/${p.id}/members/editor`, { body: { role: 'owner' } }), 400, 'validation', 'role')
  assertError(await srv.api('PUT', `/api/projects/${p.id}/members/nobody`, { body: { role: 'editor' } }), 404, 'not_found')
  assertError(await srv.api('PUT', `/api/projects/${p.id}/members/harness`, { body: { role: 'editor' } }), 400, 'validation', 'username')
  assertError(await srv.api('PUT', `/api/projects/${p.id}/members/bad%20name`, { body: { role: 'editor' } }), 400, 'validation', 'username')
  const put = await srv.api('PUT', `/api/projects/${p.id}/members/editor`, { body: { role: 'editor' } })
  assert.equal(put.status, 200, put.text)
  assert.deepEqual(put.json, { user: { id: ed.user.id, username: 'editor' }, role: 'editor' })
  assert.equal((await srv.api('PUT', `/api/projects/${p.id}/members/viewer`, { body: { role: 'viewer' } })).status, 200)
  assertError(await srv.api('PUT', `/api/projects/${p.id}/members/outsider`, { body: { role: 'editor' }, token: ed.token }), 403, 'forbidden')
  const members = await srv.api('GET', `/api/projects/${p.id}/members`, { token: vw.token })
  assert.deepEqual(members.json.map((m) => [m.user.username, m.role]), [['harness', 'owner'], ['editor', 'editor'], ['viewer', 'viewer']])
  assertError(await srv.api('GET', `/api/projects/${p.id}/members`, { token: out.token }), 403, 'forbidden')

  // The file's access is the project's: documents routes and the WebSocket follow it.
  assert.equal((await srv.api('GET', `/api/documents/${file.id}`, { token: vw.token })).json.role, 'viewer')
  assert.equal((await srv.api('GET', `/api/documents/${file.id}`, { token: ed.token })).json.role, 'editor')
  assertError(await srv.api('GET', `/api/documents/${file.id}`, { token: out.token }), 403, 'forbidden')
  assertError(await srv.api('PUT', `/api/documents/${file.id}/content`, { body: 'x', token: vw.token }), 403, 'forbidden')
  assert.equal((await srv.api('PUT', `/api/documents/${file.id}/content`, { body: 'print(2)\n', token: ed.token })).status, 204)
  assert.deepEqual((await srv.api('GET', `/api/documents/${file.id}/members`, { token: vw.token })).json.map((m) => m.user.username),
    ['harness', 'editor', 'viewer'], 'a file lists its project\'s members')
  assertError(await srv.api('PUT', `/api/documents/${file.id}/members/outsider`, { body: { role: 'editor' } }), 409, 'project_file')
  assertError(await srv.api('DELETE', `/api/documents/${file.id}/members/viewer`), 409, 'project_file')
  assertError(await srv.api('PATCH', `/api/documents/${file.id}`, { body: { is_public: true } }), 409, 'project_file')
  assertError(await srv.api('PATCH', `/api/documents/${file.id}`, { body: { title: 'other.py' } }), 409, 'project_file')
  assert.equal((await srv.api('PATCH', `/api/documents/${file.id}`, { body: { language: 'plaintext' }, token: ed.token })).json.language, 'plaintext')
  assert.equal((await within(rawWs(srv, file.id, out.token).closed, 5000))?.code, 4403, 'outsider: 4403 on the file')

  // Viewers read the tree but change nothing.
  assert.deepEqual(paths(await tree(srv, p.id, vw.token)), ['src/main.py'])
  assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'v.txt' }, token: vw.token }), 403, 'forbidden')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/${file.id}`, { body: { path: 'v.txt' }, token: vw.token }), 403, 'forbidden')
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/files/${file.id}`, { token: vw.token }), 403, 'forbidden')
  assertError(await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'v' }, token: vw.token }), 403, 'forbidden')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'src', to: 'v' }, token: vw.token }), 403, 'forbidden')
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/folders?path=src`, { token: vw.token }), 403, 'forbidden')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}`, { body: { name: 'v' }, token: vw.token }), 403, 'forbidden')
  // Editors do.
  await newFile(srv, p.id, 'by-editor.txt', 'e', ed.token)

  // Live connections follow role changes of the project: promote, demote, revoke.
  const v = s.client(srv, file.id, { name: 'viewer', token: vw.token })
  await v.waitSynced()
  assert.equal(v.text(), 'print(2)\n')
  await srv.api('PUT', `/api/projects/${p.id}/members/viewer`, { body: { role: 'editor' } })
  await waitFor(async () => {
    v.ytext.insert(v.ytext.length, '#')
    return (await srv.api('GET', `/api/documents/${file.id}/content`)).text.includes('#')
  }, 5000, 'the promoted viewer\'s edits to apply')
  assert.equal((await srv.api('DELETE', `/api/projects/${p.id}/members/viewer`)).status, 204)
  await waitFor(() => v.serverCloses().some((c) => c.code === 4403), 5000, 'the revoked member to be closed with 4403', () => JSON.stringify(v.closes))
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/members/viewer`), 404, 'not_found')
  assertError(await srv.api('GET', `/api/documents/${file.id}`, { token: vw.token }), 403, 'forbidden')

  // Making the project public lets everyone in as editors; private again closes outsiders.
  await srv.api('PATCH', `/api/projects/${p.id}`, { body: { is_public: true } })
  const o = s.client(srv, file.id, { name: 'outsider', token: out.token })
  await o.waitSynced()
  await srv.api('PATCH', `/api/projects/${p.id}`, { body: { is_public: false } })
  await waitFor(() => o.serverCloses().some((c) => c.code === 4403), 5000, 'the outsider to be closed when the project turns private', () => JSON.stringify(o.closes))
}))

test('files and folders: tree, create, paths refused or kept verbatim, 409 naming the path', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const p = await newProject(srv)
  const main = await newFile(srv, p.id, 'src/app/main.py', 'print("hé")\n')
  assert.equal(main.path, 'src/app/main.py')
  assert.equal(main.project_id, p.id)
  assert.equal(main.title, 'main.py')
  assert.equal(main.language, 'python')
  assert.equal((await srv.api('GET', `/api/documents/${main.id}/content`)).text, 'print("hé")\n')
  const empty = await newFile(srv, p.id, 'README')
  assert.equal(empty.language, 'plaintext')
  assert.equal((await srv.api('GET', `/api/documents/${empty.id}/content`)).text, '')

  // Duplicates and files inside files: 409 naming the path.
  const dup = await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'src/app/main.py' } })
  assertError(dup, 409, 'conflict', 'path')
  assert.ok(dup.json.error.message.includes('src/app/main.py'), dup.text)
  const inside = await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'README/notes.txt' } })
  assertError(inside, 409, 'conflict', 'path')
  assert.ok(inside.json.error.message.includes("'README'"), inside.text)
  assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'src/app' } }), 409, 'conflict', 'path')

  // Bad paths: 400 naming the field, nothing stored.
  for (const path of ['', '/abs.txt', '../up.txt', 'a/../b', 'a/./b', 'a//b', 'trailing/', 'back\\slash', 'nul\u0000x', 'new\nline', 'x'.repeat(256), `${'d/'.repeat(520)}f`]) {
    assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path } }), 400, 'validation', 'path')
    assertError(await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path } }), 400, 'validation', 'path')
  }
  assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { content: 'x' } }), 400, 'validation', 'path')
  assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 7 } }), 400, 'validation', 'path')
  assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'ok.txt', mode: 'x' } }), 400, 'validation', 'mode')
  assertError(await srv.api('POST', '/api/projects/987654/files', { body: { path: 'ok.txt' } }), 404, 'not_found')

  // Hostile names are stored and answered verbatim.
  const hostile = ["'; DROP TABLE documents; --.sql", '<script>alert(1)</script>.html', 'spaces and "quotes"/ünïcödé 字.md', '%2e%2e/x.txt', '$(rm -rf ~).sh']
  for (const path of hostile) assert.equal((await newFile(srv, p.id, path, path)).path, path)
  const t1 = await tree(srv, p.id)
  for (const path of hostile) assert.ok(paths(t1).includes(path), path)
  const sqlFile = t1.files.find((f) => f.path === hostile[0])
  assert.equal((await srv.api('GET', `/api/documents/${sqlFile.id}/content`)).text, hostile[0])
  assert.equal((await srv.api('GET', '/api/projects')).json.projects.length, 1, 'the tables are intact')

  // The tree: files by path with id, language, size, updated_at; folders implied and stored.
  assert.equal((await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'docs/empty' } })).status, 201)
  assertError(await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'docs/empty' } }), 409, 'conflict', 'path')
  assertError(await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'src' } }), 409, 'conflict', 'path')
  assertError(await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'README' } }), 409, 'conflict', 'path')
  const t2 = await tree(srv, p.id)
  assert.equal(t2.project_id, p.id)
  assert.deepEqual(paths(t2), [...paths(t2)].sort(), 'files by path')
  const m = t2.files.find((f) => f.id === main.id)
  assert.deepEqual(Object.keys(m).sort(), ['id', 'language', 'path', 'size', 'updated_at'])
  assert.equal(m.size, Buffer.byteLength('print("hé")\n'))
  assert.ok(t2.folders.some((f) => f.path === 'docs/empty' && f.stored))
  assert.ok(t2.folders.some((f) => f.path === 'docs' && !f.stored))
  assert.ok(t2.folders.some((f) => f.path === 'src/app' && !f.stored))

  // Project files are not listed among standalone documents; standalone ones still are.
  const standalone = await srv.newDoc({ title: 'loose.txt' })
  assert.deepEqual((await srv.api('GET', '/api/documents')).json.map((d) => d.id), [standalone])
  assert.equal((await srv.api('GET', `/api/documents/${standalone}`)).json.project_id, null)
}))

test('rename keeps the id and an open y-websocket connection; folder moves are all or nothing', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ed = await srv.account('editor')
  const p = await newProject(srv)
  await srv.api('PUT', `/api/projects/${p.id}/members/editor`, { body: { role: 'editor' } })
  const f = await newFile(srv, p.id, 'src/old.txt', 'start\n')
  const a = s.client(srv, f.id, { name: 'a' })
  const b = s.client(srv, f.id, { name: 'b', token: ed.token })
  await Promise.all([a.waitSynced(), b.waitSynced()])
  assert.equal(b.text(), 'start\n')

  const renamed = await srv.api('PATCH', `/api/projects/${p.id}/files/${f.id}`, { body: { path: 'lib/new.py' } })
  assert.equal(renamed.status, 200, renamed.text)
  assert.equal(renamed.json.id, f.id)
  assert.equal(renamed.json.path, 'lib/new.py')
  assert.equal(renamed.json.title, 'new.py')
  assert.equal(renamed.json.language, 'python', 'the language follows the new extension')
  // Both connections stay open and keep converging.
  a.ytext.insert(a.ytext.length, 'after rename by a\n')
  await waitFor(() => b.text() === 'start\nafter rename by a\n', 5000, 'b to see a\'s edit after the rename', () => b.text())
  b.ytext.insert(0, '# b\n')
  await waitFor(() => a.text() === '# b\nstart\nafter rename by a\n', 5000, 'a to see b\'s edit', () => a.text())
  assert.deepEqual([a.serverCloses(), b.serverCloses()], [[], []], 'no connection was closed')
  assert.equal((await srv.api('GET', `/api/documents/${f.id}/content`)).text, '# b\nstart\nafter rename by a\n')
  assert.deepEqual(paths(await tree(srv, p.id)), ['lib/new.py'])

  // Rename errors.
  await newFile(srv, p.id, 'taken.txt')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/${f.id}`, { body: { path: 'taken.txt' } }), 409, 'conflict', 'path')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/${f.id}`, { body: { path: 'taken.txt/x' } }), 409, 'conflict', 'path')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/${f.id}`, { body: { path: '../x' } }), 400, 'validation', 'path')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/${f.id}`, { body: {} }), 400, 'validation', 'path')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/987654`, { body: { path: 'y' } }), 404, 'not_found')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/x`, { body: { path: 'y' } }), 400, 'validation', 'file')
  const other = await newProject(srv, { name: 'other' })
  assertError(await srv.api('PATCH', `/api/projects/${other.id}/files/${f.id}`, { body: { path: 'y' } }), 404, 'not_found')
  const standalone = await srv.newDoc()
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/files/${standalone}`, { body: { path: 'y' } }), 404, 'not_found')

  // Folder moves: every file under it, its stored folders; connections stay.
  await newFile(srv, p.id, 'lib/deep/x.js', 'x')
  await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'lib/empty' } })
  const moved = await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'lib', to: 'pkg/lib' }, token: ed.token })
  assert.equal(moved.status, 200, moved.text)
  assert.deepEqual(moved.json.files.map((x) => x.path).sort(), ['pkg/lib/deep/x.js', 'pkg/lib/new.py'])
  const t1 = await tree(srv, p.id)
  assert.deepEqual(paths(t1), ['pkg/lib/deep/x.js', 'pkg/lib/new.py', 'taken.txt'])
  assert.ok(t1.folders.some((x) => x.path === 'pkg/lib/empty' && x.stored))
  assert.ok(!t1.folders.some((x) => x.path === 'lib' || x.path.startsWith('lib/')))
  a.ytext.insert(0, '! ')
  await waitFor(() => b.text().startsWith('! '), 5000, 'edits to flow after the folder move')
  assert.deepEqual([a.serverCloses(), b.serverCloses()], [[], []])

  // Refused moves change nothing.
  const before = JSON.stringify(await tree(srv, p.id))
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'pkg', to: 'pkg/inner' } }), 400, 'validation', 'to')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'pkg', to: 'taken.txt' } }), 409, 'conflict', 'to')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'pkg', to: 'taken.txt/sub' } }), 409, 'conflict', 'to')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'nope', to: 'x' } }), 404, 'not_found')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: '../pkg', to: 'x' } }), 400, 'validation', 'from')
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'pkg' } }), 400, 'validation', 'to')
  // A move that would make one path longer than 1024 bytes is refused whole.
  await newFile(srv, p.id, `pkg/${'a'.repeat(250)}/${'b'.repeat(250)}/${'c'.repeat(250)}.txt`)
  const longBefore = JSON.stringify(await tree(srv, p.id))
  assertError(await srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'pkg', to: `${'x'.repeat(250)}/${'y'.repeat(100)}` } }), 400, 'validation', 'to')
  assert.equal(JSON.stringify(await tree(srv, p.id)), longBefore, 'nothing moved')
  assert.notEqual(before, longBefore)
}))

test('deleting files, folders and projects removes their documents and closes their connections', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const p = await newProject(srv)
  const one = await newFile(srv, p.id, 'one.txt', '1')
  const deep = await newFile(srv, p.id, 'src/a/deep.txt', 'deep')
  const shallow = await newFile(srv, p.id, 'src/b.txt', 'b')
  const keep = await newFile(srv, p.id, 'srcx/keep.txt', 'k')
  await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'src/empty' } })
  // A version of one file, to see history go with it.
  assert.equal((await srv.api('POST', `/api/documents/${deep.id}/versions`, { body: { name: 'v1' } })).status, 201)

  const c1 = s.client(srv, one.id, { name: 'one' })
  const c2 = s.client(srv, deep.id, { name: 'deep' })
  await Promise.all([c1.waitSynced(), c2.waitSynced()])

  // One file.
  assert.equal((await srv.api('DELETE', `/api/projects/${p.id}/files/${one.id}`)).status, 204)
  await waitFor(() => c1.serverCloses().some((c) => c.code === 4404), 5000, 'the deleted file\'s connection to close with 4404', () => JSON.stringify(c1.closes))
  assertError(await srv.api('GET', `/api/documents/${one.id}`), 404, 'not_found')
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/files/${one.id}`), 404, 'not_found')

  // A folder: every file under it, not its neighbour with a common prefix.
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/folders`), 400, 'validation', 'path')
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/folders?path=nope`), 404, 'not_found')
  assertError(await srv.api('DELETE', `/api/projects/${p.id}/folders?path=..%2Fsrc`), 400, 'validation', 'path')
  assert.equal((await srv.api('DELETE', `/api/projects/${p.id}/folders?path=src`)).status, 204)
  await waitFor(() => c2.serverCloses().some((c) => c.code === 4404), 5000, 'a connection under the folder to close with 4404', () => JSON.stringify(c2.closes))
  for (const f of [deep, shallow]) assertError(await srv.api('GET', `/api/documents/${f.id}`), 404, 'not_found')
  assertError(await srv.api('GET', `/api/documents/${deep.id}/versions`), 404, 'not_found')
  const t1 = await tree(srv, p.id)
  assert.deepEqual(paths(t1), ['srcx/keep.txt'])
  assert.deepEqual(t1.folders.map((x) => x.path), ['srcx'])

  // The project: its files go, connections close, the WebSocket refuses them afterwards.
  const c3 = s.client(srv, keep.id, { name: 'keep' })
  await c3.waitSynced()
  assert.equal((await srv.api('DELETE', `/api/projects/${p.id}`)).status, 204)
  await waitFor(() => c3.serverCloses().some((c) => c.code === 4404), 5000, 'the project\'s file connection to close with 4404', () => JSON.stringify(c3.closes))
  assertError(await srv.api('GET', `/api/documents/${keep.id}`), 404, 'not_found')
  assert.equal((await within(rawWs(srv, keep.id).closed, 5000))?.code, 4404)
  assertError(await srv.api('GET', `/api/projects/${p.id}/tree`), 404, 'not_found')
  if (process.env.WEFT_TEST_SERVER_DATABASE !== 'postgres') {
    assert.equal(srv.storedDocument(keep.id).exists, false, 'the row is gone from the database')
  }
}))

test('search: literal and regex, case, positions, pages, live and stored text, errors', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'batch-window-ms': 20 })
  const out = await srv.account('outsider')
  const p = await newProject(srv)
  await newFile(srv, p.id, 'src/a.py', 'def foo():\n    return FOO\n')
  const b = await newFile(srv, p.id, 'b.txt', 'nothing\nfoo😀foo\n')
  const c = await newFile(srv, p.id, 'c.md')
  const search = (q, extra = '') => srv.api('GET', `/api/projects/${p.id}/search?q=${encodeURIComponent(q)}${extra}`)

  const r = await search('foo')
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.files, 3)
  assert.deepEqual(r.json.matches.map((m) => [m.file.path, m.line, m.column, m.length]),
    [['b.txt', 2, 1, 3], ['b.txt', 2, 6, 3], ['src/a.py', 1, 5, 3], ['src/a.py', 2, 12, 3]],
    'by path, line and column; columns in UTF-16 units; case folded by default')
  assert.equal(r.json.matches[0].file.id, b.id)
  assert.equal(r.json.matches[3].snippet, '    return FOO')
  assert.equal(r.json.matches[3].snippet_column, 12)
  assert.equal(r.json.next_cursor, null)
  assert.equal((await search('foo', '&case=true')).json.matches.length, 3)
  assert.deepEqual((await search('fo+\\(', '&regex=true')).json.matches.map((m) => [m.file.path, m.line]), [['src/a.py', 1]])
  assert.equal((await search('fo+\\(')).json.matches.length, 0, 'a literal query takes regex characters literally')
  assert.equal((await search('(a+)+$', '&regex=1')).status, 200)

  // Pages: limit and cursor walk the same matches.
  const walked = []
  let cursor = 0
  for (let i = 0; i < 10 && cursor !== null; i++) {
    const page = await search('foo', `&limit=1&cursor=${cursor}`)
    assert.equal(page.status, 200, page.text)
    walked.push(...page.json.matches.map((m) => `${m.file.path}:${m.line}:${m.column}`))
    cursor = page.json.next_cursor
  }
  assert.deepEqual(walked, r.json.matches.map((m) => `${m.file.path}:${m.line}:${m.column}`))

  // Errors.
  assertError(await search('(unclosed', '&regex=true'), 400, 'bad_regex', 'q')
  assertError(await srv.api('GET', `/api/projects/${p.id}/search`), 400, 'validation', 'q')
  assertError(await search('x', '&regex=maybe'), 400, 'validation', 'regex')
  assertError(await search('x', '&limit=-1'), 400, 'validation', 'limit')
  assertError(await search('x'.repeat(1001)), 400, 'validation', 'q')
  assertError(await srv.api('GET', `/api/projects/${p.id}/search?q=x`, { token: out.token }), 403, 'forbidden')
  assertError(await srv.api('GET', `/api/projects/${p.id}/search?q=x`, { token: null }), 401, 'unauthorized')
  assertError(await srv.api('GET', '/api/projects/987654/search?q=x'), 404, 'not_found')
  assertError(await srv.api('POST', `/api/projects/${p.id}/search?q=x`), 405, 'method_not_allowed')

  // Live text of an open file, before anything is compacted.
  const live = s.client(srv, c.id, { name: 'live' })
  await live.waitSynced()
  live.ytext.insert(0, 'a zebra in c\n')
  await waitFor(async () => (await search('zebra')).json.matches.length === 1, 5000, 'the live edit to be found')

  // Stored text with a log not yet compacted: after kill -9, nothing is loaded.
  if (process.env.WEFT_TEST_SERVER_DATABASE !== 'postgres') {
    await waitFor(() => srv.storedDocument(c.id).text.includes('zebra'), 5000, 'the edit to be logged')
    live.destroy()
    await srv.kill9()
    await srv.start()
    assert.ok(srv.storedDocument(c.id).updates > 0, 'the log is not compacted')
    const after = await search('zebra')
    assert.deepEqual(after.json.matches.map((m) => [m.file.path, m.line, m.column]), [['c.md', 1, 3]])
  }
}))

test('export: a zip of every file\'s live text and the empty folders', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const vw = await srv.account('viewer')
  const out = await srv.account('outsider')
  const p = await newProject(srv)
  await srv.api('PUT', `/api/projects/${p.id}/members/viewer`, { body: { role: 'viewer' } })
  const texts = {
    'src/main.py': 'print("hé")\n'.repeat(200),
    'README.md': '# demo\n',
    'empty.txt': '',
    'ünï 字/<odd> \'name\'.md': 'x'
  }
  const ids = {}
  for (const [path, text] of Object.entries(texts)) ids[path] = (await newFile(srv, p.id, path, text)).id
  await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'docs/empty' } })
  assertError(await srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'src' } }), 409, 'conflict', 'path')
  const live = s.client(srv, ids['README.md'], { name: 'live' })
  await live.waitSynced()
  live.ytext.insert(live.ytext.length, 'live line\n')
  texts['README.md'] += 'live line\n'
  await waitFor(async () => (await srv.api('GET', `/api/documents/${ids['README.md']}/content`)).text === texts['README.md'], 5000, 'the live edit to reach the server')

  const r = await fetch(`${srv.httpUrl}/api/projects/${p.id}/export`, { headers: { authorization: `Bearer ${vw.token}` } })
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'application/zip')
  assert.match(r.headers.get('content-disposition'), new RegExp(`attachment; filename="project-${p.id}\\.zip"`))
  const zip = Buffer.from(await r.arrayBuffer())
  const entries = readZip(zip)
  const byName = Object.fromEntries(entries.map((e) => [e.name, e.data.toString('utf8')]))
  assert.deepEqual(Object.keys(byName).sort(), [...Object.keys(texts), 'docs/empty/'].sort())
  for (const [path, text] of Object.entries(texts)) assert.equal(byName[path], text, path)
  assert.equal(entries.find((e) => e.name === 'src/main.py').method, 8, 'deflated')
  // Info-ZIP's unzip (scripts/bootstrap installs it) reads it too.
  if (!spawnSync('unzip', ['-v']).error) {
    const dir = tmpDir('weft-export-')
    const file = path.join(dir, 'export.zip')
    fs.writeFileSync(file, zip)
    const tested = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' })
    assert.equal(tested.status, 0, `unzip -t: ${tested.stdout} ${tested.stderr}`)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  assertError(await srv.api('GET', `/api/projects/${p.id}/export`, { token: out.token }), 403, 'forbidden')
  assertError(await srv.api('GET', '/api/projects/987654/export'), 404, 'not_found')
  // An empty project exports an empty archive.
  const empty = await newProject(srv, { name: 'empty' })
  const e = await fetch(`${srv.httpUrl}/api/projects/${empty.id}/export`, { headers: { authorization: `Bearer ${srv.token}` } })
  assert.equal(readZip(Buffer.from(await e.arrayBuffer())).length, 0)
}))

async function importArchive (srv, pid, body, { token = srv.token, query = '' } = {}) {
  return srv.api('POST', `/api/projects/${pid}/import${query}`, { body, token, headers: { 'content-type': 'application/zip' } })
}

const fileText = async (srv, id) => (await srv.api('GET', `/api/documents/${id}/content`)).text

test('import: a zip and a tar.gz land whole; binaries skipped; export gives the same bytes back', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const vw = await srv.account('viewer')
  const p = await newProject(srv)
  await srv.api('PUT', `/api/projects/${p.id}/members/viewer`, { body: { role: 'viewer' } })
  const texts = {
    'src/main.py': 'def main():\n    print("héllo 🙂")\n',
    'src/lib/util.js': 'export const x = 1\r\nexport const y = 2\r\n',
    'README.md': '# demo\n',
    'empty.txt': '',
    'ünï 字/<odd> \'name\'.md': 'x'
  }
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
  const archive = zip([
    { name: 'src/' }, { name: 'src/lib/' },
    ...Object.entries(texts).map(([name, data]) => ({ name, data })),
    { name: 'docs/empty/' },
    { name: 'img/logo.png', data: png },
    { name: 'latin1.txt', data: Buffer.from([0x63, 0x61, 0x66, 0xe9]) },
    { name: '__MACOSX/._README.md', data: 'meta' }
  ])
  assertError(await importArchive(srv, p.id, archive, { token: vw.token }), 403, 'forbidden')
  assertError(await importArchive(srv, p.id, archive, { token: null }), 401, 'unauthorized')
  assertError(await importArchive(srv, 987654, archive), 404, 'not_found')
  assertError(await srv.api('GET', `/api/projects/${p.id}/import`), 405, 'method_not_allowed')
  const r = await importArchive(srv, p.id, archive)
  assert.equal(r.status, 201, r.text)
  assert.deepEqual(r.json.files.map((f) => f.path).sort(), Object.keys(texts).sort())
  assert.deepEqual(r.json.skipped.sort((a, b) => a.path.localeCompare(b.path)), [
    { path: '__MACOSX/._README.md', reason: 'metadata' },
    { path: 'img/logo.png', reason: 'binary' },
    { path: 'latin1.txt', reason: 'binary' }
  ])
  const tr = await tree(srv, p.id)
  assert.deepEqual(paths(tr).sort(), Object.keys(texts).sort())
  assert.ok(tr.folders.some((f) => f.path === 'docs/empty' && f.stored), 'the empty folder is kept')
  assert.ok(!tr.folders.some((f) => f.path === 'src' && f.stored), 'a folder with files is implied, not stored')
  for (const f of r.json.files) assert.equal(await fileText(srv, f.id), texts[f.path], f.path)
  const main = tr.files.find((f) => f.path === 'src/main.py')
  assert.equal(main.language, 'python')

  // The export gives every text back byte for byte, and importing it again into a new project
  // makes the same tree and texts.
  const ex = await fetch(`${srv.httpUrl}/api/projects/${p.id}/export`, { headers: { authorization: `Bearer ${srv.token}` } })
  const exported = Buffer.from(await ex.arrayBuffer())
  const back = Object.fromEntries(readZip(exported).filter((e) => !e.name.endsWith('/')).map((e) => [e.name, e.data.toString('utf8')]))
  assert.deepEqual(back, texts)
  const q = await newProject(srv, { name: 'copy' })
  const again = await importArchive(srv, q.id, exported)
  assert.equal(again.status, 201, again.text)
  assert.deepEqual(paths(await tree(srv, q.id)).sort(), Object.keys(texts).sort())
  for (const f of again.json.files) assert.equal(await fileText(srv, f.id), texts[f.path], `copy of ${f.path}`)

  // A tar.gz as npm packs one ("package/…"), under a folder of the project (?path=), with "./".
  const tgz = tarGz([
    { name: './' }, { name: './package/' },
    { name: './package/index.js', data: 'module.exports = 42\n' },
    { name: 'package/lib/a.ts', data: 'export {}\n' }
  ])
  const v = await srv.api('POST', `/api/projects/${p.id}/import?path=vendor/pkg`, { body: tgz, headers: { 'content-type': 'application/gzip' } })
  assert.equal(v.status, 201, v.text)
  assert.deepEqual(v.json.files.map((f) => f.path).sort(), ['vendor/pkg/package/index.js', 'vendor/pkg/package/lib/a.ts'])
  assert.equal(await fileText(srv, v.json.files.find((f) => f.path.endsWith('index.js')).id), 'module.exports = 42\n')
  // An imported file is a live document like any other.
  const c = s.client(srv, main.id, { name: 'editor' })
  await c.waitSynced()
  assert.equal(c.ytext.toString(), texts['src/main.py'])
}))

test('import: hostile and conflicting archives are refused whole, with the entry named', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'max-body-bytes': 256 * 1024, 'max-project-bytes': 1024 * 1024 })
  const p = await newProject(srv)
  await newFile(srv, p.id, 'src/app.py', 'keep me\n')
  const before = await tree(srv, p.id)
  const ok = { name: 'good.txt', data: 'fine' }
  const cases = [
    ['traversal', zip([ok, { name: '../evil.txt', data: 'x' }]), 400, 'unsafe_path', '../evil.txt'],
    ['deep traversal', zip([ok, { name: 'a/../../evil.txt', data: 'x' }]), 400, 'unsafe_path', 'a/../../evil.txt'],
    ['absolute', zip([ok, { name: '/etc/passwd', data: 'x' }]), 400, 'unsafe_path', '/etc/passwd'],
    ['absolute in tar', tarGz([ok, { name: '/etc/passwd', data: 'x' }]), 400, 'unsafe_path', '/etc/passwd'],
    // Absolute once its "./" goes (found by fuzz/fuzz_archive.cpp).
    ['absolute after ./', zip([ok, { name: './/etc/passwd', data: 'x' }]), 400, 'unsafe_path', './/etc/passwd'],
    ['zip symlink', zip([ok, { name: 'link', data: '/etc/passwd', mode: 0o120777 }]), 400, 'link', 'link'],
    ['tar symlink', tarGz([ok, { name: 'link', type: '2', link: '/etc/passwd' }]), 400, 'link', 'link'],
    ['tar hard link', tarGz([ok, { name: 'hard', type: '1', link: 'good.txt' }]), 400, 'link', 'hard'],
    ['existing file', zip([ok, { name: 'src/app.py', data: 'overwrite?' }]), 409, 'conflict', 'src/app.py'],
    ['under a file', zip([ok, { name: 'src/app.py/x', data: 'x' }]), 409, 'conflict', 'src/app.py'],
    ['twice', zip([ok, { name: 'dup.txt', data: '1' }, { name: 'dup.txt', data: '2' }]), 409, 'conflict', 'dup.txt'],
    ['file and folder', zip([ok, { name: 'x', data: '1' }, { name: 'x/y', data: '2' }]), 409, 'conflict', 'x'],
    ['control character', zip([ok, { name: 'a\u0001b.txt', data: '1' }]), 400, 'invalid_path', 'a\u0001b.txt'],
    ['not an archive', Buffer.from('hello, this is not a zip'), 415, 'unsupported_archive'],
    ['truncated zip', zip([ok, { name: 'b.txt', data: 'y'.repeat(5000) }]).subarray(0, 60), 415, 'unsupported_archive'],
    ['file over the limit', zip([ok, { name: 'big.txt', data: 'a'.repeat(300 * 1024) }]), 413, 'file_too_large', 'big.txt'],
    ['bomb', tarGz([ok, ...Array.from({ length: 6 }, (_, i) => ({ name: `b${i}.txt`, data: 'a'.repeat(200 * 1024) }))]), 413, 'project_too_large']
  ]
  for (const [what, body, status, code, named] of cases) {
    const r = await importArchive(srv, p.id, body)
    assertError(r, status, code)
    if (named) assert.ok(r.json.error.message.includes(`'${named}'`), `${what}: the message names ${named}: ${r.json.error.message}`)
    assert.deepEqual(await tree(srv, p.id), before, `${what}: nothing was imported`)
  }
  assertError(await importArchive(srv, p.id, ''), 400, 'validation', 'body')
  // A plain file create beyond the project's byte limit is refused too.
  await newFile(srv, p.id, 'fill.txt', 'f'.repeat(200 * 1024))
  const huge = 'h'.repeat(200 * 1024)
  for (let i = 0; i < 4; i++) await newFile(srv, p.id, `fill${i}.txt`, huge)
  assertError(await srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'over.txt', content: huge } }), 413, 'project_too_large')
}))

// A y-websocket client of a project's live channel (/ws/projects/<id>): counts the server's
// rewrites of its `tree` text (one per change of the tree) and carries presence.
function projectClient (s, srv, pid, opts = {}) {
  const c = s.client(srv, `projects/${pid}`, opts)
  c.treeChanges = 0
  c.doc.getText('tree').observe(() => { c.treeChanges++ })
  return c
}

test('live tree: the project room announces every change of the tree, carries presence, and is read-only', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ed = await srv.account('editor')
  const out = await srv.account('outsider')
  const p = await newProject(srv)
  await srv.api('PUT', `/api/projects/${p.id}/members/editor`, { body: { role: 'editor' } })
  const a = projectClient(s, srv, p.id, { name: 'owner' })
  const b = projectClient(s, srv, p.id, { name: 'editor', token: ed.token })
  await a.waitSynced()
  await b.waitSynced()

  // Each change of the tree, whoever makes it and by whichever route, reaches both.
  const changes = [
    ['create a file', () => srv.api('POST', `/api/projects/${p.id}/files`, { body: { path: 'src/a.py', content: 'x = 1\n' }, token: ed.token })],
    ['create a folder', () => srv.api('POST', `/api/projects/${p.id}/folders`, { body: { path: 'docs' } })],
    ['rename a file', async () => {
      const id = (await tree(srv, p.id)).files[0].id
      return srv.api('PATCH', `/api/projects/${p.id}/files/${id}`, { body: { path: 'src/b.py' } })
    }],
    ['move a folder', () => srv.api('PATCH', `/api/projects/${p.id}/folders`, { body: { from: 'src', to: 'lib' } })],
    ['import', () => importArchive(srv, p.id, zip([{ name: 'imported.txt', data: 'hi' }]))],
    ['change a language', async () => {
      const id = (await tree(srv, p.id)).files.find((f) => f.path === 'imported.txt').id
      return srv.api('PATCH', `/api/documents/${id}`, { body: { language: 'markdown' } })
    }],
    ['delete a file (documents route)', async () => {
      const id = (await tree(srv, p.id)).files.find((f) => f.path === 'imported.txt').id
      return srv.api('DELETE', `/api/documents/${id}`)
    }],
    ['delete a folder', () => srv.api('DELETE', `/api/projects/${p.id}/folders?path=docs`)],
    ['rename the project', () => srv.api('PATCH', `/api/projects/${p.id}`, { body: { name: 'renamed' } })]
  ]
  for (const [what, change] of changes) {
    const [ca, cb] = [a.treeChanges, b.treeChanges]
    const r = await change()
    assert.ok(r.status < 300, `${what}: ${r.status} ${r.text}`)
    await waitFor(() => a.treeChanges > ca && b.treeChanges > cb, 5000, `${what} to reach both clients`)
  }
  // Reading changes nothing.
  const [ca, cb] = [a.treeChanges, b.treeChanges]
  await tree(srv, p.id)
  await srv.api('GET', `/api/projects/${p.id}/search?q=x`)

  // Presence: who is in which file, seen by the other.
  a.awareness.setLocalStateField('user', { name: 'owner', color: '#e91e63' })
  a.awareness.setLocalStateField('file', 'lib/b.py')
  await waitFor(() => [...b.awareness.getStates().values()].some((st) => st.file === 'lib/b.py' && st.user?.name === 'owner'), 5000, 'the owner\'s file to reach the editor')
  assert.equal(a.treeChanges, ca)
  assert.equal(b.treeChanges, cb)

  // Clients cannot write the channel: an edit of b stays b's own.
  b.doc.getText('tree').insert(0, 'forged')
  const c = projectClient(s, srv, p.id, { name: 'late' })
  await c.waitSynced()
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.ok(!c.doc.getText('tree').toString().includes('forged'), `a client's write reached others: ${c.doc.getText('tree').toString()}`)

  // Who may connect: outsiders and unknown projects are refused; a removed member is closed;
  // deleting the project closes everyone with 4404.
  assert.equal((await within(rawWs(srv, `projects/${p.id}`, out.token).closed, 5000))?.code, 4403, 'outsider')
  assert.equal((await within(rawWs(srv, 'projects/987654').closed, 5000))?.code, 4404, 'unknown project')
  assert.equal((await within(rawWs(srv, 'projects/abc').closed, 5000))?.code, 4404, 'malformed id')
  assert.equal((await within(rawWs(srv, `projects/${p.id}`, null).closed, 5000))?.code, 4401, 'signed out')
  await srv.api('DELETE', `/api/projects/${p.id}/members/editor`)
  await waitFor(() => b.serverCloses().some((x) => x.code === 4403), 5000, 'the removed member to be closed with 4403', () => JSON.stringify(b.closes))
  // Public, then private again: outsiders in, then out, members stay (they reconnect at once).
  await srv.api('PATCH', `/api/projects/${p.id}`, { body: { is_public: true } })
  const o = projectClient(s, srv, p.id, { name: 'outsider', token: out.token })
  await o.waitSynced()
  await srv.api('PATCH', `/api/projects/${p.id}`, { body: { is_public: false } })
  await waitFor(() => o.serverCloses().some((x) => x.code === 4403), 5000, 'the outsider to be refused once private', () => JSON.stringify(o.closes))
  await a.waitSynced()
  const before = a.treeChanges
  await newFile(srv, p.id, 'after.txt', '')
  await waitFor(() => a.treeChanges > before, 5000, 'the owner, reconnected, to hear of changes again')
  await srv.api('DELETE', `/api/projects/${p.id}`)
  await waitFor(() => a.serverCloses().some((x) => x.code === 4404), 5000, 'deleting the project to close its room with 4404', () => JSON.stringify(a.closes))
}))

test('live tree after kill -9: the channel comes back made afresh, its clients reconnect and hear changes', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const p = await newProject(srv)
  const a = projectClient(s, srv, p.id, { name: 'a' })
  await a.waitSynced()
  a.awareness.setLocalStateField('file', 'x.py')
  assert.equal((await srv.kill9()).signal, 'SIGKILL')
  await waitFor(() => !a.connected, 5000, 'the client to notice the server is gone')
  await srv.start()
  await a.waitSynced(15000)
  const b = projectClient(s, srv, p.id, { name: 'b' })
  await b.waitSynced()
  // a's presence is announced again on reconnect, and the room announces changes as before.
  await waitFor(() => [...b.awareness.getStates().values()].some((st) => st.file === 'x.py'), 5000, 'a\'s presence after the restart')
  const [ca, cb] = [a.treeChanges, b.treeChanges]
  await newFile(srv, p.id, 'new.txt', 'hi')
  await waitFor(() => a.treeChanges > ca && b.treeChanges > cb, 5000, 'a change after the restart to reach both')
}))
