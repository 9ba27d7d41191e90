// history.test.mjs — document versions captured by the server (wave 2 · 2), with real y-websocket
// clients: after a burst of typing once the document is quiet, at least every max interval during
// continuous typing, before a PUT replaces the text, before an edit that removes most of the
// text; named by editors; restored live for everyone; permissions (viewers read, editors name and
// restore, owners delete); and a deleted document's versions gone with it. Time is the server's
// own: the quiet period and the interval are shortened by flags, and every wait is a condition.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { TEST_TIMEOUT, scenario, waitFor } from './harness.mjs'

const QUIET = 600
const flags = { 'history-quiet-ms': QUIET, 'history-max-interval-ms': 60000 }

async function versions (srv, id, token = srv.token, query = '') {
  const r = await srv.api('GET', `/api/documents/${id}/versions${query}`, { token })
  assert.equal(r.status, 200, r.text)
  return r.json
}

async function versionText (srv, id, vid, token = srv.token) {
  const r = await srv.api('GET', `/api/documents/${id}/versions/${vid}/content`, { token })
  assert.equal(r.status, 200, r.text)
  return r.text
}

test('two people type: a version after each burst once quiet, with both as its users and its text', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server(flags)
  const bob = await srv.account('bob')
  const id = await srv.newDoc()
  const a = s.client(srv, id, { name: 'a' })
  const b = s.client(srv, id, { name: 'b', token: bob.token })
  await Promise.all([a.waitSynced(), b.waitSynced()])
  assert.deepEqual((await versions(srv, id)).versions, [], 'no version before any edit')

  a.ytext.insert(0, 'alpha\n')
  await waitFor(() => b.text() === 'alpha\n', 5000, 'b to see a\'s text')
  b.ytext.insert(b.ytext.length, 'beta\n')
  const first = await waitFor(async () => (await versions(srv, id)).versions.length === 1 && (await versions(srv, id)).versions[0],
    5000, 'a version once the document was quiet')
  assert.equal(first.kind, 'auto')
  assert.equal(first.name, null)
  assert.deepEqual(first.users.map((u) => u.username).sort(), ['bob', 'harness'])
  assert.equal(first.size, Buffer.byteLength('alpha\nbeta\n'))
  assert.equal(await versionText(srv, id, first.id), 'alpha\nbeta\n')
  const meta = await srv.api('GET', `/api/documents/${id}/versions/${first.id}`)
  assert.equal(meta.status, 200)
  assert.deepEqual(meta.json, first)

  // Quiet again with nothing new: no new version. A second burst by bob alone: a second version.
  b.ytext.insert(0, '# ')
  const second = await waitFor(async () => {
    const v = (await versions(srv, id)).versions
    return v.length === 2 && v[0]
  }, 5000, 'a second version after the second burst')
  assert.deepEqual(second.users.map((u) => u.username), ['bob'])
  assert.equal(await versionText(srv, id, second.id), '# alpha\nbeta\n')
  assert.equal(await versionText(srv, id, first.id), 'alpha\nbeta\n', 'the first version keeps its text')
}))

test('continuous typing gets a version at least every --history-max-interval-ms', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 60000, 'history-max-interval-ms': 400 })
  const id = await srv.newDoc()
  const a = s.client(srv, id)
  await a.waitSynced()
  const start = Date.now()
  let n = 0
  await waitFor(async () => {
    a.ytext.insert(a.ytext.length, `${n++} `) // never quiet for long
    return (await versions(srv, id)).versions.length >= 2
  }, 10000, 'two versions while typing goes on')
  s.log(`two versions after ${Date.now() - start} ms of continuous typing (${n} edits)`)
}))

test('PUT content and a deletion of most of the text are preceded by a version of what they replace', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 60000 })
  const id = await srv.newDoc()
  const original = 'line of code number one\n'.repeat(20) // 480 characters
  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: original })).status, 204)
  let v = (await versions(srv, id)).versions
  assert.equal(v.length, 1, 'the PUT of an empty document captured its (empty) state')
  assert.equal(v[0].kind, 'replace')
  assert.equal(await versionText(srv, id, v[0].id), '')

  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: 'replaced\n' })).status, 204)
  v = (await versions(srv, id)).versions
  assert.equal(v[0].kind, 'replace')
  assert.equal(await versionText(srv, id, v[0].id), original, 'the version before the second PUT has the text it replaced')

  // A client that selects most of the text and deletes it.
  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: original })).status, 204)
  const a = s.client(srv, id)
  await a.waitSynced()
  await waitFor(() => a.text() === original, 5000, 'the client to have the text')
  const before = (await versions(srv, id)).versions.length
  a.ytext.delete(0, 400)
  const oops = await waitFor(async () => {
    const list = (await versions(srv, id)).versions
    return list.length > before && list[0]
  }, 5000, 'an "oops" version')
  assert.equal(oops.kind, 'oops')
  assert.equal(await versionText(srv, id, oops.id), original, 'the oops version holds the text before the deletion')
  // A small deletion is not one.
  a.ytext.delete(0, 5)
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === original.slice(405), 5000, 'the small deletion applied')
  assert.equal((await versions(srv, id)).versions.length, before + 1)
  // Reconnecting sends the client's whole delete set (most of the text's ids) in its sync step 2,
  // which deletes nothing new: no "oops" version for it. Naming the state afterwards is the sync
  // point (captures are stored in the order taken).
  a.ytext.insert(0, 'y'.repeat(300)) // long enough again, with a delete set over half its length
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text.length === 375, 5000, 'the insert applied')
  a.provider.disconnect()
  a.provider.connect()
  await a.waitSynced()
  const named = await srv.api('POST', `/api/documents/${id}/versions`, { body: { name: 'after the reconnect' } })
  assert.equal(named.status, 201, named.text)
  const kinds = (await versions(srv, id)).versions.map((v) => v.kind)
  assert.deepEqual(kinds.slice(0, 3), ['named', 'oops', 'replace'], `versions, newest first: ${kinds.join(', ')}`)
}))

test('naming, renaming, deleting, paging and permissions; hostile names are kept verbatim', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 60000 })
  const ed = await srv.account('editor1')
  const vw = await srv.account('viewer1')
  const id = await srv.newDoc({ is_public: false })
  await srv.api('PUT', `/api/documents/${id}/members/editor1`, { body: { role: 'editor' } })
  await srv.api('PUT', `/api/documents/${id}/members/viewer1`, { body: { role: 'viewer' } })
  const names = ['before refactor', '<script>alert(1)</script>', "'); DROP TABLE document_versions; --", 'ünïcødé 字 🙂']
  const made = []
  for (const [i, name] of names.entries()) {
    await srv.api('PUT', `/api/documents/${id}/content`, { body: `text ${i}\n` })
    const r = await srv.api('POST', `/api/documents/${id}/versions`, { token: ed.token, body: { name } })
    assert.equal(r.status, 201, r.text)
    assert.equal(r.json.name, name, 'the name is stored verbatim')
    assert.equal(await versionText(srv, id, r.json.id), `text ${i}\n`)
    made.push(r.json)
  }
  // Viewers read but neither name nor restore; editors do not delete.
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { token: vw.token, body: { name: 'x' } })).status, 403)
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions/${made[0].id}/restore`, { token: vw.token })).status, 403)
  assert.equal((await srv.api('PATCH', `/api/documents/${id}/versions/${made[0].id}`, { token: vw.token, body: { name: 'x' } })).status, 403)
  assert.equal((await srv.api('DELETE', `/api/documents/${id}/versions/${made[0].id}`, { token: ed.token })).status, 403)
  const outsider = await srv.account('outsider1')
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions`, { token: outsider.token })).status, 403)
  const seen = await versions(srv, id, vw.token)
  assert.ok(seen.versions.length >= names.length)
  // Bad input.
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { token: ed.token, body: { name: '' } })).status, 400)
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { token: ed.token, body: { name: 'a'.repeat(256) } })).status, 400)
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { token: ed.token, body: { nom: 'x' } })).status, 400)
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions/999999`)).status, 404)
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions/abc`)).status, 400)

  // Paging: newest first, two at a time, following next_cursor to the end.
  const all = (await versions(srv, id)).versions
  const paged = []
  let cursor = null
  do {
    const page = await versions(srv, id, srv.token, `?limit=2${cursor ? `&before=${cursor}` : ''}`)
    assert.ok(page.versions.length <= 2)
    paged.push(...page.versions)
    cursor = page.next_cursor
  } while (cursor)
  assert.deepEqual(paged.map((v) => v.id), all.map((v) => v.id))
  assert.deepEqual(all.map((v) => v.id), [...all.map((v) => v.id)].sort((x, y) => y - x), 'newest first')

  // Diffs: against the live text, and between two versions (runs the UI can render).
  await srv.api('PUT', `/api/documents/${id}/content`, { body: 'text 3\nadded line\n' })
  let d = await srv.api('GET', `/api/documents/${id}/versions/${made[0].id}/diff?against=current`, { token: vw.token })
  assert.equal(d.status, 200, d.text)
  assert.equal(d.json.against, 'current')
  assert.deepEqual(d.json.runs, [{ op: 'delete', lines: ['text 0'] }, { op: 'insert', lines: ['text 3', 'added line'] }])
  assert.deepEqual([d.json.added, d.json.removed], [2, 1])
  d = await srv.api('GET', `/api/documents/${id}/versions/${made[2].id}/diff?against=${made[3].id}`)
  assert.equal(d.status, 200, d.text)
  assert.equal(d.json.from.id, made[2].id)
  assert.equal(d.json.against.id, made[3].id)
  assert.deepEqual(d.json.runs, [{ op: 'delete', lines: ['text 2'] }, { op: 'insert', lines: ['text 3'] }])
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions/${made[2].id}/diff?against=999999`)).status, 404)
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions/${made[2].id}/diff?against=x`)).status, 400)

  // Rename and clear.
  let r = await srv.api('PATCH', `/api/documents/${id}/versions/${made[1].id}`, { token: ed.token, body: { name: 'renamed' } })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.name, 'renamed')
  r = await srv.api('PATCH', `/api/documents/${id}/versions/${made[1].id}`, { token: ed.token, body: { name: null } })
  assert.equal(r.json.name, null)

  // The owner deletes a version in the middle: the later ones keep their text.
  assert.equal((await srv.api('DELETE', `/api/documents/${id}/versions/${made[1].id}`)).status, 204)
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions/${made[1].id}`)).status, 404)
  for (const i of [0, 2, 3]) assert.equal(await versionText(srv, id, made[i].id), `text ${i}\n`)

  // A deleted document's versions are gone with it.
  assert.equal((await srv.api('DELETE', `/api/documents/${id}`)).status, 204)
  assert.equal((await srv.api('GET', `/api/documents/${id}/versions`)).status, 404)
}))

// A capture stores only what is new since the room's last one, when the head holds that. Deleting
// the newest version takes away the state the next capture builds on: it must still be whole.
test('after the newest version is deleted, the next one still has the whole text and its UTF-8 size', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 60000 })
  const id = await srv.newDoc()
  const a = s.client(srv, id)
  await a.waitSynced()
  const name = async (n) => {
    const r = await srv.api('POST', `/api/documents/${id}/versions`, { body: { name: n } })
    assert.equal(r.status, 201, r.text)
    return r.json
  }
  a.ytext.insert(0, 'héllo')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === 'héllo', 5000, 'the server to have the text')
  const first = await name('first')
  assert.equal(first.size, Buffer.byteLength('héllo'), 'size in UTF-8 bytes')
  a.ytext.insert(a.ytext.length, ' wörld 🙂')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === 'héllo wörld 🙂', 5000, 'the second edit')
  const second = await name('second')
  assert.equal(await versionText(srv, id, second.id), 'héllo wörld 🙂')
  assert.equal((await srv.api('DELETE', `/api/documents/${id}/versions/${second.id}`)).status, 204)
  a.ytext.insert(a.ytext.length, '!')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === 'héllo wörld 🙂!', 5000, 'the third edit')
  const third = await name('third')
  assert.equal(await versionText(srv, id, third.id), 'héllo wörld 🙂!')
  assert.equal(third.size, Buffer.byteLength('héllo wörld 🙂!'))
  assert.equal(await versionText(srv, id, first.id), 'héllo')
  // And the capture after it builds on it again.
  a.ytext.insert(0, '> ')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === '> héllo wörld 🙂!', 5000, 'the fourth edit')
  const fourth = await name('fourth')
  assert.equal(await versionText(srv, id, fourth.id), '> héllo wörld 🙂!')
}))

test('restore: the other person sees it live, it is itself in history, and it survives kill -9', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 60000, 'batch-window-ms': 20 })
  const bob = await srv.account('bob')
  const id = await srv.newDoc()
  const a = s.client(srv, id, { name: 'a' })
  const b = s.client(srv, id, { name: 'b', token: bob.token })
  await Promise.all([a.waitSynced(), b.waitSynced()])
  a.ytext.insert(0, 'good code\n')
  await waitFor(() => b.text() === 'good code\n', 5000, 'b to have the text')
  const named = await srv.api('POST', `/api/documents/${id}/versions`, { body: { name: 'good' } })
  assert.equal(named.status, 201)
  b.ytext.delete(0, b.ytext.length)
  b.ytext.insert(0, 'bad paste\n')
  await waitFor(() => a.text() === 'bad paste\n', 5000, 'a to see the bad paste')

  const r = await srv.api('POST', `/api/documents/${id}/versions/${named.json.id}/restore`, { token: bob.token })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.restored.id, named.json.id)
  assert.equal(r.json.before.kind, 'restore')
  await waitFor(() => a.text() === 'good code\n' && b.text() === 'good code\n', 5000, 'both to see the restore live',
    () => JSON.stringify([a.text(), b.text()]))
  assert.equal(await versionText(srv, id, r.json.before.id), 'bad paste\n', 'the state before the restore is a version')

  // Persisted: the restore is an edit like any other.
  await waitFor(async () => (await srv.metrics()).weft_persist_queue_depth === 0, 5000, 'the restore to be stored')
  await srv.kill9()
  await srv.start()
  assert.equal((await srv.api('GET', `/api/documents/${id}/content`)).text, 'good code\n')
  const after = (await versions(srv, id)).versions
  assert.ok(after.some((v) => v.id === r.json.before.id && v.kind === 'restore'))
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions/424242/restore`)).status, 404)
}))

test('thinning keeps all of the last day, the newest of each hour up to 30 days, the newest of each day after, and every named version', {
  timeout: TEST_TIMEOUT,
  skip: process.env.WEFT_TEST_SERVER_DATABASE === 'postgres' ? 'ages versions with the sqlite3 CLI' : false
}, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'history-quiet-ms': 60000 })
  const id = await srv.newDoc()
  const texts = new Map()
  const made = []
  // Each PUT captures the text it replaces (a "replace" version).
  // The capture is stored on the blocking pool after the PUT is answered: wait for each.
  for (let i = 0; i < 6; i++) {
    assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: `text ${i}\n` })).status, 204)
    made.push(await waitFor(async () => {
      const v = (await versions(srv, id)).versions
      return v.length === i + 1 && v[0]
    }, 5000, `the version before PUT ${i}`))
  }
  const named = await srv.api('POST', `/api/documents/${id}/versions`, { body: { name: 'keep me' } })
  assert.equal(named.status, 201)
  made.push(named.json)
  for (const v of made) texts.set(v.id, await versionText(srv, id, v.id))

  // Age them: two in one UTC day 40 days ago, two in one UTC hour 5 days ago, one 2 hours ago,
  // one left as is, and the named one 60 days ago.
  const day = 24 * 3600 * 1000
  const at = (ms) => new Date(ms).toISOString()
  const midnight = (ms) => ms - (ms % day)
  const old = midnight(Date.now() - 40 * day)
  const fiveDays = midnight(Date.now() - 5 * day) + 10 * 3600 * 1000
  const ages = [at(old + 10 * 3600e3), at(old + 15 * 3600e3), at(fiveDays + 10 * 60e3), at(fiveDays + 50 * 60e3),
    at(Date.now() - 2 * 3600e3), null, at(Date.now() - 60 * day)]
  for (const [i, when] of ages.entries()) {
    if (!when) continue
    const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', srv.dbPath,
      `UPDATE document_versions SET created_at = '${when}' WHERE id = ${made[i].id}`], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
  }
  // The next capture thins.
  // (Its state is the named version's, so it adds no row; thinning runs after it all the same, on
  // the blocking pool after the PUT is answered: wait until the count settles at what is kept.)
  const expectKept = [made[1], made[3], made[4], made[5], made[6]].map((v) => v.id)
  const expectGone = [made[0], made[2]].map((v) => v.id)
  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: 'last\n' })).status, 204)
  const left = await waitFor(async () => {
    const v = (await versions(srv, id)).versions.map((x) => x.id)
    return v.length <= expectKept.length && v
  }, 5000, 'the thinning after the last capture')
  for (const k of expectKept) assert.ok(left.includes(k), `version ${k} kept (left: ${left})`)
  for (const g of expectGone) assert.ok(!left.includes(g), `version ${g} thinned (left: ${left})`)
  for (const k of expectKept) assert.equal(await versionText(srv, id, k), texts.get(k), `version ${k} keeps its text`)
}))
