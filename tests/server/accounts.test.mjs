// accounts.test.mjs — accounts people can manage (DESIGN.md §7, accounts): changing the password,
// signing out (this sign-in, or everywhere), the list of sign-ins with revoking one, and deleting
// the account. A revoked token is refused by the API (401) and by the WebSocket (4401), and the
// live connections opened with it — real y-websocket providers — are closed with 4401.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, rawWs, scenario, waitFor, within } from './harness.mjs'

function assertError (r, status, code) {
  assert.equal(r.status, status, `HTTP ${r.status} ${r.text}`)
  assert.equal(r.json?.error?.code, code, r.text)
}

// Signs `username` in once more (a second device); returns its token.
async function login (srv, username, password = `pw-${username}-secret`, headers = {}) {
  const r = await srv.api('POST', '/api/auth/login', { body: { username, password }, token: null, headers })
  assert.equal(r.status, 200, r.text)
  return r.json.token
}

const me = (srv, token) => srv.api('GET', '/api/me', { token })
const wsCloseCode = async (srv, doc, token) => (await within(rawWs(srv, doc, token).closed, 5000))?.code

// A provider closed by the server with `code`, and staying away: y-websocket reconnects after a
// close, and each attempt with the revoked token must be refused again with the same code.
async function closedFor (client, code, what) {
  await waitFor(() => client.serverCloses().some((c) => c.code === code), 5000, what,
    () => JSON.stringify(client.closes))
  assert.ok(client.serverCloses().every((c) => c.code === code), JSON.stringify(client.closes))
}

test('change password: the old one is required, other sign-ins are revoked (HTTP 401, WebSocket 4401), the caller gets a fresh token', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ann = await srv.account('ann')
  const laptop = await login(srv, 'ann')
  const doc = await srv.newDoc({ token: ann.token, is_public: false })
  const change = (body, token = ann.token) => srv.api('POST', '/api/me/password', { body, token })

  assertError(await change({ old_password: 'not-the-password', new_password: 'brand-new-pw-1' }), 403, 'wrong_password')
  assertError(await change({ old_password: 'pw-ann-secret', new_password: 'short' }), 400, 'validation')
  assertError(await change({ old_password: 'pw-ann-secret' }), 400, 'validation')
  assertError(await change({ old_password: 'pw-ann-secret', new_password: 'brand-new-pw-1' }, null), 401, 'unauthorized')
  assert.equal((await me(srv, laptop)).status, 200, 'a refused change revokes nothing')

  const onLaptop = s.client(srv, doc, { name: 'laptop', token: laptop })
  const here = s.client(srv, doc, { name: 'here', token: ann.token })
  await Promise.all([onLaptop.waitSynced(), here.waitSynced()])

  const r = await change({ old_password: 'pw-ann-secret', new_password: 'brand-new-pw-1' })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.user.username, 'ann')
  const fresh = r.json.token
  assert.notEqual(fresh, ann.token)

  // The other sign-in is gone everywhere: its live provider is closed with 4401 and stays out.
  await closedFor(onLaptop, 4401, 'the laptop provider to be closed with 4401')
  assertError(await me(srv, laptop), 401, 'unauthorized')
  assert.equal(await wsCloseCode(srv, doc, laptop), 4401)
  // The caller's old token is superseded by the fresh one (same sign-in, new token version) …
  assertError(await me(srv, ann.token), 401, 'unauthorized')
  assert.equal(await wsCloseCode(srv, doc, ann.token), 4401)
  // … whose live connection was left open.
  assert.deepEqual(here.serverCloses(), [], 'the caller\'s own provider stayed connected')
  assert.equal((await me(srv, fresh)).status, 200)
  const raw = rawWs(srv, doc, fresh)
  await raw.opened
  raw.ws.close()

  // The new password signs in, the old one does not.
  assertError(await srv.api('POST', '/api/auth/login', { body: { username: 'ann', password: 'pw-ann-secret' }, token: null }), 401, 'invalid_credentials')
  await login(srv, 'ann', 'brand-new-pw-1')
  const sessions = await srv.api('GET', '/api/me/sessions', { token: fresh })
  assert.equal(sessions.json.length, 2, 'the caller\'s sign-in and the new login')
}))

test('sign out everywhere: every token of the user 401, every live provider closed with 4401; other users untouched', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ann = await srv.account('ann')
  const bob = await srv.account('bob')
  const phone = await login(srv, 'ann')
  const doc = await srv.newDoc({ token: ann.token, is_public: true })
  const a1 = s.client(srv, doc, { name: 'ann-1', token: ann.token })
  const a2 = s.client(srv, doc, { name: 'ann-phone', token: phone })
  const b = s.client(srv, doc, { name: 'bob', token: bob.token })
  await Promise.all([a1.waitSynced(), a2.waitSynced(), b.waitSynced()])

  assertError(await srv.api('GET', '/api/auth/logout-all', { token: ann.token }), 405, 'method_not_allowed')
  const r = await srv.api('POST', '/api/auth/logout-all', { token: phone })
  assert.equal(r.status, 204, r.text)
  await closedFor(a1, 4401, 'ann\'s first provider to be closed with 4401')
  await closedFor(a2, 4401, 'ann\'s phone provider to be closed with 4401')
  for (const token of [ann.token, phone]) {
    assertError(await me(srv, token), 401, 'unauthorized')
    assert.equal(await wsCloseCode(srv, doc, token), 4401)
  }
  assertError(await srv.api('POST', '/api/auth/logout-all', { token: phone }), 401, 'unauthorized')
  // Bob was not signed out, and signing in again works.
  assert.equal((await me(srv, bob.token)).status, 200)
  assert.deepEqual(b.serverCloses(), [])
  b.ytext.insert(0, 'still here')
  await waitFor(async () => (await srv.api('GET', `/api/documents/${doc}/content`, { token: bob.token })).text === 'still here', 5000, 'bob\'s edit to land')
  const again = await login(srv, 'ann')
  assert.equal((await me(srv, again)).status, 200)
}))

test('POST /api/auth/logout revokes this sign-in only: its token 401, its WebSocket 4401, the user\'s other sign-ins untouched',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server()
    const doc = await srv.newDoc()
    const here = await srv.account('dave')
    const there = await srv.api('POST', '/api/auth/login', { body: { username: 'dave', password: 'pw-dave-secret' }, token: null })
    assert.equal(there.status, 200, there.text)
    const socket = rawWs(srv, doc, here.token) // a public document: both may open it
    const other = rawWs(srv, doc, there.json.token)
    // Admitted once the server's sync step 1 arrives.
    await waitFor(() => socket.messages.length > 0 && other.messages.length > 0, 5000, 'both sockets admitted')

    const out = await srv.api('POST', '/api/auth/logout', { token: here.token })
    assert.equal(out.status, 204, out.text)
    assert.equal((await srv.api('GET', '/api/me', { token: here.token })).status, 401, 'the token is dead on the server')
    assert.equal((await within(socket.closed, 5000))?.code, 4401, 'its socket is closed 4401')
    assert.equal((await srv.api('GET', '/api/me', { token: there.json.token })).status, 200, 'the other sign-in still works')
    assert.equal(await within(other.closed, 500, 'open'), 'open', 'the other sign-in\'s socket stays')
    assert.equal((await within(rawWs(srv, doc, here.token).closed, 5000))?.code, 4401, 'a reconnect with it is refused')
    assert.equal((await srv.api('POST', '/api/auth/logout', { token: here.token })).status, 401, 'twice: 401')
    assert.equal((await srv.api('GET', '/api/auth/logout', { token: there.json.token })).status, 405)
    other.ws.close()
  }))

test('sessions: listed with the current one marked, user agent and address; revoking one ends its token and its sockets only', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ann = await srv.account('ann')
  const other = await login(srv, 'ann', undefined, { 'user-agent': 'Weft test phone' })
  const bob = await srv.account('bob')
  const doc = await srv.newDoc({ token: ann.token, is_public: true })

  const list = await srv.api('GET', '/api/me/sessions', { token: ann.token })
  assert.equal(list.status, 200, list.text)
  assert.equal(list.json.length, 2)
  const current = list.json.filter((x) => x.current)
  assert.equal(current.length, 1, 'exactly one is the caller\'s')
  const phone = list.json.find((x) => !x.current)
  assert.equal(phone.user_agent, 'Weft test phone')
  assert.equal(phone.ip, '127.0.0.1')
  for (const x of list.json) {
    assert.match(x.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.match(x.last_seen_at, /^\d{4}-\d{2}-\d{2}T/)
  }
  assert.ok(!list.text.includes(ann.token) && !list.text.includes(other), 'no token in the listing')

  const onPhone = s.client(srv, doc, { name: 'phone', token: other })
  const here = s.client(srv, doc, { name: 'here', token: ann.token })
  await Promise.all([onPhone.waitSynced(), here.waitSynced()])

  // Someone else's session, a malformed id, an unknown one.
  assertError(await srv.api('DELETE', `/api/me/sessions/${phone.id}`, { token: bob.token }), 404, 'not_found')
  assertError(await srv.api('DELETE', '/api/me/sessions/abc', { token: ann.token }), 400, 'validation')
  assertError(await srv.api('DELETE', '/api/me/sessions/987654', { token: ann.token }), 404, 'not_found')
  assert.equal((await me(srv, other)).status, 200)

  assert.equal((await srv.api('DELETE', `/api/me/sessions/${phone.id}`, { token: ann.token })).status, 204)
  await closedFor(onPhone, 4401, 'the revoked session\'s provider to be closed with 4401')
  assertError(await me(srv, other), 401, 'unauthorized')
  assert.equal(await wsCloseCode(srv, doc, other), 4401)
  assert.equal((await me(srv, ann.token)).status, 200, 'the other session still works')
  assert.deepEqual(here.serverCloses(), [])
  const after = await srv.api('GET', '/api/me/sessions', { token: ann.token })
  assert.deepEqual(after.json.map((x) => x.id), current.map((x) => x.id))
  assertError(await srv.api('DELETE', `/api/me/sessions/${phone.id}`, { token: ann.token }), 404, 'not_found')
}))

test('delete account: needs the password, refused (409, listed) while others are members of what it owns; otherwise its own documents and projects go with it', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const ann = await srv.account('ann')
  const bob = await srv.account('bob')
  const del = (body, token = ann.token) => srv.api('DELETE', '/api/me', { body, token })
  const shared = await srv.newDoc({ title: 'shared.txt', token: ann.token, is_public: false })
  const alone = await srv.newDoc({ title: 'alone.txt', token: ann.token, is_public: true })
  const bobs = await srv.newDoc({ title: 'bobs.txt', token: bob.token, is_public: false })
  assert.equal((await srv.api('PUT', `/api/documents/${shared}/members/bob`, { body: { role: 'editor' }, token: ann.token })).status, 200)
  assert.equal((await srv.api('PUT', `/api/documents/${bobs}/members/ann`, { body: { role: 'editor' }, token: bob.token })).status, 200)
  const project = await srv.api('POST', '/api/projects', { body: { name: 'team' }, token: ann.token })
  assert.equal(project.status, 201, project.text)
  const pid = project.json.id
  assert.equal((await srv.api('PUT', `/api/projects/${pid}/members/bob`, { body: { role: 'viewer' }, token: ann.token })).status, 200)
  const file = await srv.api('POST', `/api/projects/${pid}/files`, { body: { path: 'src/a.c', content: 'int a;' }, token: ann.token })
  assert.equal(file.status, 201, file.text)

  assertError(await del({ password: 'wrong-password' }), 403, 'wrong_password')
  assertError(await del({}), 400, 'validation')
  const refused = await del({ password: 'pw-ann-secret' })
  assertError(refused, 409, 'owns_shared')
  assert.deepEqual(refused.json.error.details, {
    documents: [{ id: shared, title: 'shared.txt' }],
    projects: [{ id: pid, name: 'team' }]
  })
  assert.equal((await me(srv, ann.token)).status, 200, 'a refused deletion keeps the account')
  assert.equal((await srv.api('GET', `/api/documents/${shared}`, { token: bob.token })).status, 200)

  // Once nobody else is a member, the account goes with what it owns.
  assert.equal((await srv.api('DELETE', `/api/documents/${shared}/members/bob`, { token: ann.token })).status, 204)
  assert.equal((await srv.api('DELETE', `/api/projects/${pid}/members/bob`, { token: ann.token })).status, 204)
  const watcher = s.client(srv, alone, { name: 'bob-watching', token: bob.token })
  const mine = s.client(srv, bobs, { name: 'ann-in-bobs', token: ann.token })
  await Promise.all([watcher.waitSynced(), mine.waitSynced()])

  assert.equal((await del({ password: 'pw-ann-secret' })).status, 204)
  assertError(await me(srv, ann.token), 401, 'unauthorized')
  assertError(await srv.api('POST', '/api/auth/login', { body: { username: 'ann', password: 'pw-ann-secret' }, token: null }), 401, 'invalid_credentials')
  for (const id of [shared, alone, file.json.id]) {
    assertError(await srv.api('GET', `/api/documents/${id}`, { token: bob.token }), 404, 'not_found')
  }
  assertError(await srv.api('GET', `/api/projects/${pid}`, { token: bob.token }), 404, 'not_found')
  // Her connection to bob's document is closed as signed out; bob's to her deleted one as gone.
  await closedFor(mine, 4401, 'ann\'s provider to be closed with 4401')
  await waitFor(() => watcher.serverCloses().some((c) => c.code === 4404), 5000, 'bob\'s provider on the deleted document to be closed with 4404')
  // Bob's document stays, without her.
  assert.equal((await srv.api('GET', `/api/documents/${bobs}`, { token: bob.token })).status, 200)
  const members = await srv.api('GET', `/api/documents/${bobs}/members`, { token: bob.token })
  assert.deepEqual(members.json.map((m) => m.user.username), ['bob'])
  // The name is free again.
  const back = await srv.account('ann')
  assert.notEqual(back.user.id, ann.user.id)
}))
