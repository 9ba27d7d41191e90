// authorship.test.mjs — who wrote what (wave 2 · 2): GET …/blame and …/activity with real
// y-websocket clients and REST edits. The server learns which user each Yjs client id belongs to
// when it applies that client's first update (document_clients), and makes each user's REST edits
// as a client of their own, so blame names the right person per line after interleaved typing,
// PUT …/content and a restore, and still does after kill -9. Time is the server's: the quiet
// period is shortened by a flag and every wait is a condition.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor } from './harness.mjs'

const flags = { 'history-quiet-ms': 400, 'history-max-interval-ms': 60000, 'batch-window-ms': 20 }

async function blame (srv, id, query = '', token = srv.token) {
  const r = await srv.api('GET', `/api/documents/${id}/blame${query}`, { token })
  assert.equal(r.status, 200, r.text)
  return r.json
}

// Each line's text and its author's username ('?' for unknown), from a blame answer and the text.
function authors (b, text) {
  const names = new Map(b.users.map((u) => [u.id, u.username]))
  const lines = text.split('\n')
  assert.equal(b.lines.length, lines.length, 'one blame line per line of the text')
  return lines.map((line, i) => `${names.get(b.lines[i].user_id) ?? '?'}: ${line}`)
}

async function versions (srv, id) {
  return (await srv.api('GET', `/api/documents/${id}/versions`)).json.versions
}

test('blame names who typed each line and the PUT\'s caller, and a restore keeps them; activity says how much; both survive kill -9',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server(flags)
    const bob = await srv.account('bob')
    const carol = await srv.account('carol')
    const viewer = await srv.account('vera')
    const id = await srv.newDoc({ is_public: false })
    for (const [name, role] of [['bob', 'editor'], ['carol', 'editor'], ['vera', 'viewer']]) {
      assert.equal((await srv.api('PUT', `/api/documents/${id}/members/${name}`, { body: { role } })).status < 300, true)
    }
    const a = s.client(srv, id, { name: 'a' }) // the harness user, the owner
    const b = s.client(srv, id, { name: 'b', token: bob.token })
    await Promise.all([a.waitSynced(), b.waitSynced()])

    // Interleaved typing: a, b, a, each line by one person; then b edits inside a's line.
    a.ytext.insert(0, 'fn alpha() {}\n')
    await waitFor(() => b.text().length === 14, 5000, 'b to see a\'s line')
    b.ytext.insert(b.ytext.length, 'fn beta() {}\n')
    await waitFor(() => a.text().endsWith('beta() {}\n'), 5000, 'a to see b\'s line')
    a.ytext.insert(a.ytext.length, 'fn gamma() {}\n')
    await waitFor(() => b.text().endsWith('gamma() {}\n'), 5000, 'b to see a\'s second line')
    b.ytext.insert(3, 'x') // "fn xalpha() {}": a's line with one character of b's
    await waitFor(() => a.text().startsWith('fn xalpha'), 5000, 'a to see b\'s edit')
    const first = await waitFor(async () => (await versions(srv, id))[0], 5000, 'a version of the typing')

    let text = a.text()
    let got = await blame(srv, id)
    assert.deepEqual(authors(got, text), ['harness: fn xalpha() {}', 'bob: fn beta() {}', 'harness: fn gamma() {}', '?: '])
    const inA = got.lines[0].runs
    const [aliceId, bobId] = [got.lines[0].user_id, got.lines[1].user_id]
    assert.deepEqual(inA.map((r) => [r.start, r.end, r.user_id]), [[0, 3, aliceId], [3, 4, bobId], [4, 14, aliceId]],
      'b\'s one character is a range of its own inside a\'s line')
    for (const line of got.lines.slice(0, 3)) {
      assert.equal(line.runs[0].version, first.id, 'the typing is in the first version')
      assert.equal(line.at, first.created_at)
    }

    // A REST edit counts as its caller's: carol appends a line with PUT.
    const put = await srv.api('PUT', `/api/documents/${id}/content`, { token: carol.token, body: text + 'fn delta() {}\n' })
    assert.equal(put.status, 204, put.text)
    await waitFor(() => a.text().endsWith('delta() {}\n'), 5000, 'a to see carol\'s PUT')
    text = a.text()
    got = await blame(srv, id)
    assert.deepEqual(authors(got, text).slice(0, 4),
      ['harness: fn xalpha() {}', 'bob: fn beta() {}', 'harness: fn gamma() {}', 'carol: fn delta() {}'])
    assert.equal(got.lines[3].runs[0].version, null, 'not in any version yet')
    assert.ok(got.lines[3].at, 'a time even before a version holds it (the last edit of its client)')

    // Bob deletes everything and restores the first version: the text is back as one edit by bob,
    // but blame follows the restored characters to who wrote them, and when.
    b.ytext.delete(0, b.ytext.length)
    b.ytext.insert(0, 'oops\n')
    await waitFor(() => a.text() === 'oops\n', 5000, 'a to see the deletion')
    const restored = await srv.api('POST', `/api/documents/${id}/versions/${first.id}/restore`, { token: bob.token })
    assert.equal(restored.status, 200, restored.text)
    await waitFor(() => a.text() === 'fn xalpha() {}\nfn beta() {}\nfn gamma() {}\n', 5000, 'a to see the restore')
    got = await blame(srv, id)
    assert.deepEqual(authors(got, a.text()), ['harness: fn xalpha() {}', 'bob: fn beta() {}', 'harness: fn gamma() {}', '?: '],
      'a restore changes no line\'s author')
    assert.deepEqual(got.lines[0].runs.map((r) => [r.start, r.end, r.user_id, r.version]),
      [[0, 3, aliceId, first.id], [3, 4, bobId, first.id], [4, 14, aliceId, first.id]])
    assert.equal(got.lines[2].at, first.created_at, 'nor its time')

    // Blame of a version is that version's text and authors.
    const old = await blame(srv, id, `?version=${first.id}`)
    assert.equal(old.version, first.id)
    assert.deepEqual(authors(old, 'fn xalpha() {}\nfn beta() {}\nfn gamma() {}\n'),
      ['harness: fn xalpha() {}', 'bob: fn beta() {}', 'harness: fn gamma() {}', '?: '])

    // Activity: per version and user, newest first, with amounts in UTF-16 units.
    // The last capture: the restored text once quiet (nothing is edited after it).
    const later = await waitFor(async () => {
      const v = await versions(srv, id)
      if (v[0]?.kind !== 'auto' || v[0].id === first.id) return false
      const r = await srv.api('GET', `/api/documents/${id}/versions/${v[0].id}/content`)
      return r.text === a.text() && v
    }, 5000, 'a version of the restored text')
    const act = await srv.api('GET', `/api/documents/${id}/activity`, { token: viewer.token })
    assert.equal(act.status, 200, act.text)
    const ofFirst = act.json.entries.filter((e) => e.version_id === first.id)
    assert.deepEqual(ofFirst.map((e) => [e.user.username, e.inserted]).sort(), [['bob', 14], ['harness', 28]])
    assert.ok(act.json.entries.some((e) => e.user.username === 'carol' && e.inserted === 14), JSON.stringify(act.json.entries))
    assert.ok(act.json.entries.some((e) => e.user.username === 'bob' && e.deleted >= 42), 'bob deleted the text')
    assert.equal(act.json.entries[0].version_id, later[0].id, 'newest first')
    const page = await srv.api('GET', `/api/documents/${id}/activity?limit=1`)
    assert.equal(page.json.next_cursor, later[0].id)
    assert.ok(page.json.entries.every((e) => e.version_id === later[0].id))

    // Authorship is stored: after kill -9 the old version's blame still names everyone.
    await waitFor(async () => (await srv.metrics()).weft_persist_queue_depth === 0, 5000, 'edits to be stored')
    await srv.kill9()
    await srv.start()
    const again = await blame(srv, id, `?version=${first.id}`)
    assert.deepEqual(again.lines.map((l) => l.user_id), old.lines.map((l) => l.user_id))
    assert.deepEqual((await blame(srv, id)).lines.map((l) => l.user_id), got.lines.map((l) => l.user_id))

    // Permissions and bad input.
    assert.equal((await srv.api('GET', `/api/documents/${id}/blame`, { token: viewer.token })).status, 200)
    const outsider = await srv.account('mallory')
    assert.ok([403, 404].includes((await srv.api('GET', `/api/documents/${id}/blame`, { token: outsider.token })).status))
    assert.equal((await srv.api('GET', `/api/documents/${id}/blame?version=999999`)).status, 404)
    assert.equal((await srv.api('GET', `/api/documents/${id}/blame?version=abc`)).status, 400)
    assert.equal((await srv.api('POST', `/api/documents/${id}/blame`)).status, 405)
    assert.equal((await srv.api('GET', `/api/documents/${id}/blame/x`)).status, 404)
  }))
