// api.test.mjs — the HTTP API of DESIGN.md §4 and its permissions on the WebSocket: every route's
// happy path and error statuses, validation, hostile strings, tokens (tampered, alg none,
// expired, deleted user), the login rate limit, viewers, revocation and deletion.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { scenario, rawWs, waitFor, within, Y, TEST_TIMEOUT } from './harness.mjs'

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef'

const b64url = (s) => Buffer.from(s).toString('base64url')
function signToken (claims, { alg = 'HS256', secret = SECRET } = {}) {
  const head = b64url(JSON.stringify({ alg, typ: 'JWT' }))
  const body = b64url(JSON.stringify(claims))
  if (alg === 'none') return `${head}.${body}.`
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')
  return `${head}.${body}.${sig}`
}

function assertError (r, status, code, field) {
  assert.equal(r.status, status, `status (body ${r.text})`)
  assert.equal(r.json?.error?.code, code, `error code (body ${r.text})`)
  assert.equal(typeof r.json.error.message, 'string')
  if (field !== undefined) assert.equal(r.json.error.field, field, `error field (body ${r.text})`)
}

// A Yjs update that appends `text` to a document holding `base`.
function appendUpdate (base, text) {
  const doc = new Y.Doc()
  const ytext = doc.getText('content')
  if (base) Y.applyUpdate(doc, base)
  const before = Y.encodeStateVector(doc)
  ytext.insert(ytext.length, text)
  return Y.encodeStateAsUpdate(doc, before)
}

test('registration, login and /api/me', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'jwt-secret': SECRET })
  const reg = await srv.api('POST', '/api/auth/register',
    { body: { username: 'Alice_1', email: 'Alice@Example.org', password: 'correct horse' }, token: null })
  assert.equal(reg.status, 201, reg.text)
  assert.equal(reg.json.user.username, 'Alice_1')
  assert.equal(reg.json.user.email, 'alice@example.org')
  assert.match(reg.json.user.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  assert.equal(reg.json.user.password_hash, undefined)
  const me = await srv.api('GET', '/api/me', { token: reg.json.token })
  assert.equal(me.status, 200)
  assert.equal(me.json.id, reg.json.user.id)

  // Login by username (any case) and by email; wrong password and unknown user look the same.
  for (const body of [{ username: 'alice_1', password: 'correct horse' }, { email: 'ALICE@example.org', password: 'correct horse' }]) {
    const r = await srv.api('POST', '/api/auth/login', { body, token: null })
    assert.equal(r.status, 200, `${JSON.stringify(body)}: ${r.text}`)
    assert.equal(r.json.user.id, reg.json.user.id)
  }
  const wrong = await srv.api('POST', '/api/auth/login', { body: { username: 'Alice_1', password: 'wrong horse' }, token: null })
  const nobody = await srv.api('POST', '/api/auth/login', { body: { username: 'nobody', password: 'wrong horse' }, token: null })
  assertError(wrong, 401, 'invalid_credentials')
  assertError(nobody, 401, 'invalid_credentials')
  assert.equal(wrong.text, nobody.text, 'the answers do not tell which usernames exist')

  // Duplicates (case-insensitive) → 409 naming the field.
  assertError(await srv.api('POST', '/api/auth/register', { body: { username: 'ALICE_1', password: 'password9' }, token: null }), 409, 'conflict', 'username')
  assertError(await srv.api('POST', '/api/auth/register', { body: { username: 'bob', email: 'alice@EXAMPLE.org', password: 'password9' }, token: null }), 409, 'conflict', 'email')

  // Validation, one field at a time.
  const bad = [
    [{ username: 'ab', password: 'password9' }, 'username'],
    [{ username: 'x'.repeat(51), password: 'password9' }, 'username'],
    [{ username: 'has space', password: 'password9' }, 'username'],
    [{ username: "o'neil", password: 'password9' }, 'username'],
    [{ username: 'okname', password: 'short' }, 'password'],
    [{ username: 'okname', password: 'p'.repeat(257) }, 'password'],
    [{ username: 'okname', password: 'password9', email: 'not-an-email' }, 'email'],
    [{ username: 'okname', password: 'password9', email: `${'a'.repeat(95)}@x.org` }, 'email'],
    [{ username: 'okname', password: 12345678 }, 'password'],
    [{ password: 'password9' }, 'username'],
    [{ username: 'okname', password: 'password9', admin: true }, 'admin']
  ]
  for (const [body, field] of bad) {
    assertError(await srv.api('POST', '/api/auth/register', { body, token: null }), 400, 'validation', field)
  }
  assertError(await srv.api('POST', '/api/auth/register', { body: '{"username":', token: null }), 400, 'bad_json')
  assertError(await srv.api('POST', '/api/auth/register', { body: '[1,2]', token: null }), 400, 'bad_json')
  assertError(await srv.api('POST', '/api/auth/register', { body: JSON.stringify({ username: 'big', password: 'x'.repeat(70000) }), token: null }), 413, 'payload_too_large')
  assertError(await srv.api('GET', '/api/auth/login', { token: null }), 405, 'method_not_allowed')
  assertError(await srv.api('GET', '/api/nope'), 404, 'not_found')
}))

test('tokens: missing, tampered, alg none, expired, deleted user — refused by the API and the WebSocket', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'jwt-secret': SECRET })
  const doc = await srv.newDoc()
  const now = Math.floor(Date.now() / 1000)
  const sub = String(srv.user.id)
  // A token names its sign-in (sid) and the user's token version (tv): those of the harness's.
  const { sid, tv } = JSON.parse(Buffer.from(srv.token.split('.')[1], 'base64url'))
  const good = signToken({ sub, name: 'harness', iat: now, exp: now + 3600, sid, tv })
  assert.equal((await srv.api('GET', '/api/me', { token: good })).status, 200, 'a token we signed with the secret is accepted')
  const [h, p] = srv.token.split('.')
  const tampered = `${h}.${b64url(JSON.stringify({ sub: '999', name: 'x', iat: now, exp: now + 3600 }))}.${srv.token.split('.')[2]}`
  const bad = {
    none: signToken({ sub, iat: now, exp: now + 3600 }, { alg: 'none' }),
    tampered,
    wrongSecret: signToken({ sub, iat: now, exp: now + 3600 }, { secret: 'another-secret-0123456789abcdef0123456789' }),
    expired: signToken({ sub, iat: now - 7200, exp: now - 3600 }),
    deletedUser: signToken({ sub: '424242', iat: now, exp: now + 3600, sid, tv }),
    noSignIn: signToken({ sub, name: 'harness', iat: now, exp: now + 3600 }),
    otherSignIn: signToken({ sub, name: 'harness', iat: now, exp: now + 3600, sid: sid + 1000, tv }),
    olderVersion: signToken({ sub, name: 'harness', iat: now, exp: now + 3600, sid, tv: tv + 1 }),
    garbage: 'not.a.token',
    truncated: `${h}.${p}`
  }
  assertError(await srv.api('GET', '/api/me', { token: null }), 401, 'unauthorized')
  for (const [what, token] of Object.entries(bad)) {
    assertError(await srv.api('GET', '/api/me', { token }), 401, 'unauthorized', undefined)
    const raw = rawWs(srv, doc, token)
    const closed = await within(raw.closed, 5000)
    assert.equal(closed?.code, 4401, `${what}: WebSocket close code`)
  }
  const anonymous = rawWs(srv, doc, null)
  assert.equal((await within(anonymous.closed, 5000))?.code, 4401, 'no token: 4401')
  assert.ok((await srv.metrics()).weft_rejected_connections_total >= 11)
}))

test('documents: create, list, get, patch, delete with owner/editor/viewer/outsider rules', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const owner = await srv.account('owner')
  const editor = await srv.account('editor')
  const viewer = await srv.account('viewer')
  const outsider = await srv.account('outsider')
  const as = (who) => ({ token: who.token })

  const created = await srv.api('POST', '/api/documents', { ...as(owner), body: { title: 'main.rs', content: 'fn main() {}\n' } })
  assert.equal(created.status, 201, created.text)
  const id = created.json.id
  assert.equal(created.json.language, 'rust', 'language inferred from the extension')
  assert.equal(created.json.is_public, false)
  assert.equal(created.json.role, 'owner')
  assert.deepEqual(created.json.owner, { id: owner.user.id, username: 'owner' })
  assert.equal((await srv.api('GET', `/api/documents/${id}/content`, as(owner))).text, 'fn main() {}\n')

  // Validation on create.
  for (const [body, field] of [[{}, 'title'], [{ title: '' }, 'title'], [{ title: 'x'.repeat(256) }, 'title'],
    [{ title: 'a\nb' }, 'title'], [{ title: 'ok', language: 'klingon' }, 'language'],
    [{ title: 'ok', is_public: 'yes' }, 'is_public'], [{ title: 'ok', owner_id: 1 }, 'owner_id']]) {
    assertError(await srv.api('POST', '/api/documents', { ...as(owner), body }), 400, 'validation', field)
  }
  assertError(await srv.api('POST', '/api/documents', { token: null, body: { title: 'x' } }), 401, 'unauthorized')

  // Outsiders see nothing of a private document.
  assertError(await srv.api('GET', `/api/documents/${id}`, as(outsider)), 403, 'forbidden')
  assertError(await srv.api('GET', `/api/documents/${id}/content`, as(outsider)), 403, 'forbidden')
  assertError(await srv.api('GET', '/api/documents/999999', as(owner)), 404, 'not_found')
  assertError(await srv.api('GET', '/api/documents/abc', as(owner)), 400, 'validation', 'id')

  // Sharing: owner only; unknown users 404; the owner cannot be a member.
  assertError(await srv.api('PUT', `/api/documents/${id}/members/editor`, { ...as(outsider), body: { role: 'editor' } }), 403, 'forbidden')
  assertError(await srv.api('PUT', `/api/documents/${id}/members/nobody_here`, { ...as(owner), body: { role: 'editor' } }), 404, 'not_found')
  assertError(await srv.api('PUT', `/api/documents/${id}/members/editor`, { ...as(owner), body: { role: 'admin' } }), 400, 'validation', 'role')
  assertError(await srv.api('PUT', `/api/documents/${id}/members/owner`, { ...as(owner), body: { role: 'editor' } }), 400, 'validation', 'username')
  const share = await srv.api('PUT', `/api/documents/${id}/members/EDITOR`, { ...as(owner), body: { role: 'editor' } })
  assert.equal(share.status, 200, share.text)
  assert.deepEqual(share.json, { user: { id: editor.user.id, username: 'editor' }, role: 'editor' })
  assert.equal((await srv.api('PUT', `/api/documents/${id}/members/viewer`, { ...as(owner), body: { role: 'viewer' } })).status, 200)
  assertError(await srv.api('PUT', `/api/documents/${id}/members/viewer`, { ...as(editor), body: { role: 'editor' } }), 403, 'forbidden')
  const members = await srv.api('GET', `/api/documents/${id}/members`, as(viewer))
  assert.deepEqual(members.json.map((m) => [m.user.username, m.role]), [['owner', 'owner'], ['editor', 'editor'], ['viewer', 'viewer']])

  // Lists carry the caller's role.
  const roleIn = async (who) => (await srv.api('GET', '/api/documents', as(who))).json.find((d) => d.id === id)?.role
  assert.equal(await roleIn(owner), 'owner')
  assert.equal(await roleIn(editor), 'editor')
  assert.equal(await roleIn(viewer), 'viewer')
  assert.equal(await roleIn(outsider), undefined, 'a private document is not listed for outsiders')

  // PATCH: editors may rename and change the language, only the owner changes visibility.
  const renamed = await srv.api('PATCH', `/api/documents/${id}`, { ...as(editor), body: { title: 'lib.rs', language: 'rust' } })
  assert.equal(renamed.status, 200, renamed.text)
  assert.equal(renamed.json.title, 'lib.rs')
  assertError(await srv.api('PATCH', `/api/documents/${id}`, { ...as(editor), body: { is_public: true } }), 403, 'forbidden')
  assertError(await srv.api('PATCH', `/api/documents/${id}`, { ...as(viewer), body: { title: 'x' } }), 403, 'forbidden')
  assertError(await srv.api('PATCH', `/api/documents/${id}`, { ...as(owner), body: { language: 'cobol' } }), 400, 'validation', 'language')
  const published = await srv.api('PATCH', `/api/documents/${id}`, { ...as(owner), body: { is_public: true } })
  assert.equal(published.json.is_public, true)
  assert.equal(await roleIn(outsider), 'editor', 'any signed-in user may edit a public document')
  assert.equal(await roleIn(viewer), 'viewer', 'an explicit viewer stays a viewer on a public document')

  // Content: viewers read, editors write; the text must be UTF-8.
  assertError(await srv.api('PUT', `/api/documents/${id}/content`, { ...as(viewer), body: 'x' }), 403, 'forbidden')
  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { ...as(outsider), body: 'pub fn x() {}\n' })).status, 204)
  assert.equal((await srv.api('GET', `/api/documents/${id}/content`, as(viewer))).text, 'pub fn x() {}\n')
  const latin1 = await fetch(`${srv.httpUrl}/api/documents/${id}/content`, { method: 'PUT', headers: { authorization: `Bearer ${owner.token}` }, body: Buffer.from([0x61, 0xff, 0x62]) })
  assert.equal(latin1.status, 400)

  // Removing a member: owner only, 404 for a non-member.
  assertError(await srv.api('DELETE', `/api/documents/${id}/members/viewer`, as(editor)), 403, 'forbidden')
  assert.equal((await srv.api('DELETE', `/api/documents/${id}/members/viewer`, as(owner))).status, 204)
  assertError(await srv.api('DELETE', `/api/documents/${id}/members/viewer`, as(owner)), 404, 'not_found')

  // Deleting: owner only; afterwards 404 everywhere.
  assertError(await srv.api('DELETE', `/api/documents/${id}`, as(editor)), 403, 'forbidden')
  assert.equal((await srv.api('DELETE', `/api/documents/${id}`, as(owner))).status, 204)
  assertError(await srv.api('GET', `/api/documents/${id}`, as(owner)), 404, 'not_found')
  assertError(await srv.api('GET', `/api/documents/${id}/content`, as(owner)), 404, 'not_found')
  assertError(await srv.api('DELETE', `/api/documents/${id}`, as(owner)), 404, 'not_found')
  assertError(await srv.api('PUT', `/api/documents/${id}`, as(owner)), 405, 'method_not_allowed')
}))

test('the document list in pages: cursor, limit, filters, title search; bad parameters are 400; no parameters is the whole array', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ann = await srv.account('ann')
  const bob = await srv.account('bob')
  const as = (who) => ({ token: who.token })
  const made = []
  for (let i = 0; i < 13; i++) {
    const who = i % 2 === 0 ? ann : bob
    const title = i % 3 === 0 ? `Report_${i}.md` : `main${i}.py`
    const r = await srv.api('POST', '/api/documents', { ...as(who), body: { title, is_public: i % 4 === 1 } })
    assert.equal(r.status, 201, r.text)
    made.push(r.json)
  }
  // Bob shares one private document with ann.
  const sharedDoc = made.find((d) => d.owner.id === bob.user.id && !d.is_public)
  assert.equal((await srv.api('PUT', `/api/documents/${sharedDoc.id}/members/ann`, { ...as(bob), body: { role: 'viewer' } })).status, 200)

  const whole = await srv.api('GET', '/api/documents', as(ann))
  assert.equal(whole.status, 200)
  assert.ok(Array.isArray(whole.json), 'without parameters: the array of DESIGN.md §4')
  const walk = async (query) => {
    const seen = []
    let cursor = null
    for (let pages = 0; pages < 50; pages++) {
      const r = await srv.api('GET', `/api/documents?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, as(ann))
      assert.equal(r.status, 200, r.text)
      assert.ok(Array.isArray(r.json.documents))
      seen.push(...r.json.documents.map((d) => `${d.id}:${d.role}`))
      if (r.json.next_cursor === null) return seen
      cursor = r.json.next_cursor
    }
    assert.fail('the pages never ended')
  }
  const ids = (list) => list.map((d) => `${d.id}:${d.role}`)
  assert.deepEqual(await walk('limit=2'), ids(whole.json), 'pages of 2 walk the whole list in order')
  assert.deepEqual(await walk('limit=200'), ids(whole.json))
  assert.deepEqual(await walk('filter=mine&limit=3'), ids(whole.json.filter((d) => d.role === 'owner')))
  assert.deepEqual(await walk('filter=shared&limit=1'), [`${sharedDoc.id}:viewer`])
  assert.deepEqual(await walk('filter=public&limit=2'), ids(whole.json.filter((d) => d.is_public && d.role !== 'owner')))
  assert.deepEqual(await walk('q=rEpOrT_&limit=2'), ids(whole.json.filter((d) => d.title.startsWith('Report_'))))
  assert.deepEqual(await walk('q=%25'), [], 'a % in the search is a percent sign, not a wildcard')
  const first = await srv.api('GET', '/api/documents?limit=1', as(ann))
  assert.equal(first.json.documents.length, 1)
  assert.equal(typeof first.json.next_cursor, 'string')
  // Someone else's cursor is only a position: bob walking from it sees his own list.
  const bobs = await srv.api('GET', `/api/documents?limit=200&cursor=${first.json.next_cursor}`, as(bob))
  assert.equal(bobs.status, 200)
  assert.ok(bobs.json.documents.every((d) => d.role !== 'none'))

  for (const [query, field] of [['limit=0', 'limit'], ['limit=-1', 'limit'], ['limit=x', 'limit'], ['filter=everyone', 'filter'],
    ['cursor=zz.1', 'cursor'], ['cursor=3132.x', 'cursor'], ['cursor=27.1', 'cursor'], ['cursor=.5', 'cursor'], [`q=${'x'.repeat(201)}`, 'q']]) {
    assertError(await srv.api('GET', `/api/documents?${query}`, as(ann)), 400, 'validation', field)
  }
  assertError(await srv.api('GET', '/api/documents?limit=2', { token: null }), 401, 'unauthorized')
}))

test('hostile strings are stored verbatim and harmless', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const hostile = ["x'); DROP TABLE users;--", '" OR 1=1 --', "Robert'); DELETE FROM documents; --",
    '%s%n%x', '<script>alert(1)</script>', 'naïve 字 😀 \\ \u202e']
  const ids = []
  for (const title of hostile) {
    const r = await srv.api('POST', '/api/documents', { body: { title, content: title } })
    assert.equal(r.status, 201, `${title}: ${r.text}`)
    assert.equal(r.json.title, title)
    ids.push(r.json.id)
  }
  for (const [i, id] of ids.entries()) {
    assert.equal((await srv.api('GET', `/api/documents/${id}`)).json.title, hostile[i])
    assert.equal((await srv.api('GET', `/api/documents/${id}/content`)).text, hostile[i])
  }
  // Logins with injection strings are plain wrong credentials, and accounts still work.
  for (const username of ["' OR '1'='1", 'harness\' --', '" OR ""="']) {
    assertError(await srv.api('POST', '/api/auth/login', { body: { username, password: "' OR '1'='1" }, token: null }), 401, 'invalid_credentials')
  }
  assertError(await srv.api('PUT', `/api/documents/${ids[0]}/members/${encodeURIComponent("x' OR 1=1 --")}`, { body: { role: 'editor' } }), 400, 'validation', 'username')
  assert.equal((await srv.api('GET', '/api/me')).status, 200)
  assert.equal((await srv.api('GET', '/api/documents')).json.length, hostile.length)
}))

test('login attempts are rate-limited per username and per IP (429 + Retry-After)', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'auth-rate-limit': 4 })
  // The harness's sign-in used one registration attempt of this IP's budget.
  let limited = null
  for (let i = 0; i < 6 && !limited; i++) {
    const r = await srv.api('POST', '/api/auth/login', { body: { username: 'harness', password: 'wrong password' }, token: null })
    if (r.status === 429) limited = { r, after: i }
    else assertError(r, 401, 'invalid_credentials')
  }
  assert.ok(limited, 'a burst of wrong passwords is refused with 429')
  assert.equal(limited.after, 4, 'after exactly the configured 4 attempts')
  assertError(limited.r, 429, 'rate_limited')
  const retry = Number(limited.r.headers.get('retry-after'))
  assert.ok(retry >= 1 && retry <= 15, `Retry-After ${retry}`)
  // Even the right password is refused now (the attempt is not even checked).
  assert.equal((await srv.api('POST', '/api/auth/login', { body: { username: 'harness', password: 'pw-harness-secret' }, token: null })).status, 429)
  // The IP's budget is spent too: another username from here is refused as well.
  assert.equal((await srv.api('POST', '/api/auth/login', { body: { username: 'someone', password: 'whatever1' }, token: null })).status, 429)
  // Signed-in calls are not limited.
  assert.equal((await srv.api('GET', '/api/me')).status, 200)
}))

test('WebSocket permissions: viewer is read-only, outsider 4403, unknown 4404, revoke and delete close', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const editor = await srv.account('editor')
  const viewer = await srv.account('viewer')
  const outsider = await srv.account('outsider')
  const id = await srv.newDoc({ is_public: false })
  await srv.api('PUT', `/api/documents/${id}/members/editor`, { body: { role: 'editor' } })
  await srv.api('PUT', `/api/documents/${id}/members/viewer`, { body: { role: 'viewer' } })

  // Unknown document and outsider.
  assert.equal((await within(rawWs(srv, 987654).closed, 5000))?.code, 4404, 'unknown document: 4404')
  assert.equal((await within(rawWs(srv, id, outsider.token).closed, 5000))?.code, 4403, 'outsider: 4403')

  const owner = s.client(srv, id, { name: 'owner' })
  const ed = s.client(srv, id, { name: 'editor', token: editor.token })
  const vw = s.client(srv, id, { name: 'viewer', token: viewer.token })
  await Promise.all([owner.waitSynced(), ed.waitSynced(), vw.waitSynced()])

  // Sessions: three connections, with who they are.
  const sessions = await waitFor(async () => {
    const r = await srv.api('GET', `/api/documents/${id}/sessions`)
    return r.json.length === 3 && r.json
  }, 5000, 'three open sessions')
  assert.deepEqual(sessions.map((x) => x.user.username).sort(), ['editor', 'harness', 'viewer'])
  assert.ok(sessions.every((x) => typeof x.instance_id === 'string' && x.instance_id.length > 0))

  // The viewer sees edits live, but its own are not applied.
  owner.ytext.insert(0, 'from owner\n')
  await waitFor(() => vw.text() === 'from owner\n', 5000, 'the viewer to see the owner\'s edit')
  const droppedBefore = (await srv.metrics()).weft_viewer_updates_dropped_total ?? 0
  vw.ytext.insert(0, 'VIEWER WAS HERE ')
  await waitFor(async () => ((await srv.metrics()).weft_viewer_updates_dropped_total ?? 0) > droppedBefore, 5000, 'the viewer update to be counted as dropped')
  ed.ytext.insert(ed.ytext.length, 'from editor\n')
  await waitFor(() => owner.text() === 'from owner\nfrom editor\n', 5000, 'the owner to see the editor\'s edit', () => owner.text())
  assert.equal((await srv.api('GET', `/api/documents/${id}/content`)).text, 'from owner\nfrom editor\n', 'the server holds no viewer edit')
  // A raw viewer connection sending an update: still not applied.
  const rawViewer = rawWs(srv, id, viewer.token)
  await rawViewer.opened
  const update = appendUpdate(null, 'RAW VIEWER')
  rawViewer.ws.send(Buffer.concat([Buffer.from([0, 2]), encodeVarUint(update.length), Buffer.from(update)]))
  await waitFor(async () => ((await srv.metrics()).weft_viewer_updates_dropped_total ?? 0) > droppedBefore + 1, 5000, 'the raw viewer update to be dropped')
  assert.ok(!(await srv.api('GET', `/api/documents/${id}/content`)).text.includes('RAW VIEWER'))
  rawViewer.ws.close()

  // PUT content reaches connected editors live.
  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: 'from owner\nput by API\nfrom editor\n' })).status, 204)
  await waitFor(() => ed.text() === 'from owner\nput by API\nfrom editor\n', 5000, 'the editor to see the PUT', () => ed.text())

  // Demoting the editor: its later edits are no longer applied (connection kept).
  await srv.api('PUT', `/api/documents/${id}/members/editor`, { body: { role: 'viewer' } })
  const closesBefore = ed.serverCloses().length
  const dropped = (await srv.metrics()).weft_viewer_updates_dropped_total
  ed.ytext.insert(0, 'DEMOTED ')
  await waitFor(async () => (await srv.metrics()).weft_viewer_updates_dropped_total > dropped, 5000, 'the demoted editor\'s update to be dropped')
  assert.equal(ed.serverCloses().length, closesBefore, 'a demoted member stays connected')

  // Revoking the viewer closes its connection with 4403, and it cannot come back.
  await srv.api('DELETE', `/api/documents/${id}/members/viewer`)
  await waitFor(() => vw.serverCloses().some((c) => c.code === 4403), 5000, 'the revoked viewer to be closed with 4403', () => JSON.stringify(vw.closes))
  vw.destroy()
  assert.equal((await within(rawWs(srv, id, viewer.token).closed, 5000))?.code, 4403)

  // Deleting the document closes everyone with 4404.
  await srv.api('DELETE', `/api/documents/${id}`)
  await waitFor(() => owner.serverCloses().some((c) => c.code === 4404) && ed.serverCloses().some((c) => c.code === 4404),
    5000, 'everyone to be closed with 4404', () => JSON.stringify([owner.closes, ed.closes]))
  owner.destroy()
  ed.destroy()
  await waitFor(async () => (await srv.metrics()).weft_connections === 0, 5000, 'no connections left')
}))

test('making a public document private closes outsiders (4403) and keeps members', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const member = await srv.account('member')
  const outsider = await srv.account('outsider')
  const id = await srv.newDoc({ is_public: true })
  await srv.api('PUT', `/api/documents/${id}/members/member`, { body: { role: 'editor' } })
  const m = s.client(srv, id, { name: 'member', token: member.token })
  const o = s.client(srv, id, { name: 'outsider', token: outsider.token })
  await Promise.all([m.waitSynced(), o.waitSynced()])
  o.ytext.insert(0, 'public edit ')
  await waitFor(() => m.text() === 'public edit ', 5000, 'the member to see the outsider\'s edit on a public document')
  assert.equal((await srv.api('PATCH', `/api/documents/${id}`, { body: { is_public: false } })).status, 200)
  await waitFor(() => o.serverCloses().some((c) => c.code === 4403), 5000, 'the outsider to be closed with 4403', () => JSON.stringify(o.closes))
  assert.deepEqual(m.serverCloses(), [], 'the member stays connected')
  m.ytext.insert(m.ytext.length, 'member edit')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === 'public edit member edit', 5000, 'the member can still edit')
}))

test('sessions rows: closed on disconnect, and a crashed instance closes its own on restart', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server({ 'instance-id': 'node-a' })
  const id = await srv.newDoc()
  const a = s.client(srv, id, { name: 'a' })
  await a.waitSynced()
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/sessions`)).json.length === 1, 5000, 'one session')
  a.destroy()
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/sessions`)).json.length === 0, 5000, 'the session closed on disconnect')
  const b = s.client(srv, id, { name: 'b' })
  await b.waitSynced()
  await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/sessions`)).json.length === 1, 5000, 'b\'s session')
  await srv.kill9()
  b.destroy()
  await srv.start()
  const after = await srv.api('GET', `/api/documents/${id}/sessions`)
  assert.deepEqual(after.json, [], 'the crashed run\'s session rows were closed at start')
}))

test('CORS: same origin by default, configured origins get preflights and headers', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const closed = await s.server()
  const pre = await fetch(`${closed.httpUrl}/api/documents`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
  assert.equal(pre.status, 403)
  assert.equal(pre.headers.get('access-control-allow-origin'), null)
  const plain = await closed.api('GET', '/api/me', { headers: { origin: 'https://evil.example' } })
  assert.equal(plain.headers.get('access-control-allow-origin'), null)

  const open = await s.server({ 'cors-origins': 'https://app.example, https://other.example' })
  const ok = await fetch(`${open.httpUrl}/api/documents`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
  assert.equal(ok.status, 204)
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example')
  assert.match(ok.headers.get('access-control-allow-methods'), /PATCH/)
  assert.match(ok.headers.get('access-control-allow-headers'), /Authorization/i)
  const call = await open.api('GET', '/api/me', { headers: { origin: 'https://other.example' } })
  assert.equal(call.status, 200)
  assert.equal(call.headers.get('access-control-allow-origin'), 'https://other.example')
  const denied = await fetch(`${open.httpUrl}/api/documents`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
  assert.equal(denied.status, 403)
}))

function encodeVarUint (n) {
  const out = []
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return Buffer.from(out)
}
