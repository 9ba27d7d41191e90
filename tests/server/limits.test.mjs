// limits.test.mjs — what one client may take (wave 2 · 6): WebSocket connections per user and per
// address (--max-connections-per-user, --max-connections-per-ip: refused with 4429, the slot given
// back when a connection ends) and the size of a document (--max-document-bytes: an update that
// would grow it beyond is refused with 4413, nothing of it applied, everyone else unaffected; a
// PUT of more text is a 413), and one client's awareness state (--max-awareness-bytes: 4413). Each
// refusal is counted on /metrics.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_TIMEOUT, scenario, waitFor, rawWs, WebSocket } from './harness.mjs'

// Opens a raw connection and waits until it is admitted (the server answers sync step 1 once the
// room has it) or closed.
async function connect (srv, id, token) {
  const raw = rawWs(srv, id, token)
  await raw.opened
  const outcome = await Promise.race([
    raw.closed.then((c) => ({ closed: c })),
    waitFor(() => raw.messages.length > 0, 5000, 'a first message').then(() => ({ admitted: true }))
  ])
  return { raw, ...outcome }
}

test('connections per user and per address: 4429 beyond the limit, the slot comes back when one closes',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server({ 'max-connections-per-user': 2, 'max-connections-per-ip': 3 })
    const id = await srv.newDoc()
    const bob = await srv.account('bob')
    const open = []
    for (let i = 0; i < 2; i++) {
      const c = await connect(srv, id)
      assert.ok(c.admitted, `connection ${i + 1} of the harness user is admitted`)
      open.push(c.raw.ws)
    }
    const third = await connect(srv, id)
    assert.equal(third.closed?.code, 4429, 'the user\'s third connection')
    assert.match(third.closed.reason, /too many connections of this user \(limit 2\)/)
    // Another user from the same address: one more fits the address's 3, then it is full.
    const b1 = await connect(srv, id, bob.token)
    assert.ok(b1.admitted, 'bob\'s first connection')
    open.push(b1.raw.ws)
    const b2 = await connect(srv, id, bob.token)
    assert.equal(b2.closed?.code, 4429, 'the address\'s fourth connection')
    assert.match(b2.closed.reason, /too many connections from this address \(limit 3\)/)
    // A connection that ends gives its slot back.
    open[0].close()
    await waitFor(async () => (await srv.metrics()).weft_connections === 2, 5000, 'the closed connection to be gone')
    const again = await connect(srv, id)
    assert.ok(again.admitted, 'a slot came back')
    open.push(again.raw.ws)
    const m = await srv.metrics()
    assert.equal(m.weft_connections_refused_per_user_total, 1)
    assert.equal(m.weft_connections_refused_per_ip_total, 1)
    for (const ws of open) ws.close()
  }))

test('a document may not grow beyond --max-document-bytes: 4413 for the update, nothing applied, others unaffected; PUT gets 413',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const LIMIT = 4096
    const srv = await s.server({ 'max-document-bytes': LIMIT, 'batch-window-ms': 20 })
    const id = await srv.newDoc()
    const a = s.client(srv, id, { name: 'a' })
    const b = s.client(srv, id, { name: 'b' })
    await Promise.all([a.waitSynced(), b.waitSynced()])
    a.ytext.insert(0, 'small start\n')
    await waitFor(() => b.text() === 'small start\n', 5000, 'b to see a small edit')

    b.ytext.insert(b.ytext.length, 'x'.repeat(LIMIT)) // one update beyond the limit
    await waitFor(() => b.serverCloses().some((c) => c.code === 4413), 5000, 'b to be closed with 4413',
      () => JSON.stringify(b.closes))
    assert.match(b.serverCloses().find((c) => c.code === 4413).reason, /would grow beyond 4096 bytes/)
    assert.equal((await srv.api('GET', `/api/documents/${id}/content`)).text, 'small start\n', 'nothing of it applied')
    assert.equal(a.text(), 'small start\n')
    assert.ok(a.connected, 'a stays connected')
    // a goes on editing within the limit.
    a.ytext.insert(0, '# ')
    await waitFor(async () => (await srv.api('GET', `/api/documents/${id}/content`)).text === '# small start\n', 5000,
      'a\'s next edit to be applied')

    const put = await srv.api('PUT', `/api/documents/${id}/content`, { body: 'y'.repeat(LIMIT + 1) })
    assert.equal(put.status, 413, put.text)
    assert.equal(put.json.error.code, 'document_too_large')
    assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: 'fits\n' })).status, 204)
    await waitFor(() => a.text() === 'fits\n', 5000, 'a to see the PUT that fits')
    assert.ok((await srv.metrics()).weft_updates_refused_too_large_total >= 1)
    b.destroy()
  }))

test('an awareness state beyond --max-awareness-bytes: 4413 with a reason, nothing of it seen by others, a normal cursor still fine',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const LIMIT = 2048
    const srv = await s.server({ 'max-awareness-bytes': LIMIT })
    const id = await srv.newDoc()
    const a = s.client(srv, id, { name: 'a' })
    const b = s.client(srv, id, { name: 'b' })
    await Promise.all([a.waitSynced(), b.waitSynced()])
    a.awareness.setLocalStateField('user', { name: 'Ada', color: '#f00' })
    await waitFor(() => b.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 5000, 'b to see a normal state')

    b.awareness.setLocalStateField('cursor', 'x'.repeat(LIMIT)) // one state beyond the limit
    await waitFor(() => b.serverCloses().some((c) => c.code === 4413), 5000, 'b to be closed with 4413',
      () => JSON.stringify(b.closes))
    assert.match(b.serverCloses().find((c) => c.code === 4413).reason, /awareness state larger than 2048 bytes/)
    assert.equal(a.awareness.getStates().get(b.doc.clientID)?.cursor, undefined, 'a never saw the oversized state')
    assert.ok(a.connected, 'a stays connected')
    a.awareness.setLocalStateField('cursor', { line: 3 })
    const c = s.client(srv, id, { name: 'c' })
    await c.waitSynced()
    await waitFor(() => c.awareness.getStates().get(a.doc.clientID)?.cursor?.line === 3, 5000, 'a newcomer to see a\'s state')
    assert.ok((await srv.metrics()).weft_awareness_refused_too_large_total >= 1)
    b.destroy()
  }))

test('--api-rate-limit: a caller beyond it gets 429 with Retry-After, another user from the same address does not; counted',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server({ 'api-rate-limit': 5 })
    const bob = await srv.account('bob')
    const answers = []
    for (let i = 0; i < 8; i++) answers.push(await srv.api('GET', '/api/documents'))
    const ok = answers.filter((r) => r.status === 200).length
    assert.ok(ok >= 3 && ok <= 5, `the harness user got ${ok} answers within its 5 a minute`)
    const refused = answers.find((r) => r.status === 429)
    assert.ok(refused, 'the requests beyond the limit are refused')
    assert.equal(refused.json.error.code, 'rate_limited')
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After says when to come back')
    assert.equal((await srv.api('GET', '/api/documents', { token: bob.token })).status, 200,
      'bob, signed in from the same address, has a bucket of his own')
    assert.ok((await srv.metrics()).weft_api_rate_limited_total >= 3)
  }))

test('a login flood waits on --bcrypt-threads: the API still answers at once, and beyond 16 a thread it gets 503',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server({ 'bcrypt-threads': 1, 'auth-rate-limit': 0 })
    await srv.account('flood')
    const done = []
    // fetch itself: the last of 17 logins on one thread may wait longer than srv.api's 15 s on a
    // busy machine (bcrypt at cost 12 takes 0.25–0.75 s).
    const login = async () => {
      const r = await fetch(`${srv.httpUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'flood', password: 'pw-flood-secret' }),
        signal: AbortSignal.timeout(60000)
      })
      const answer = { status: r.status, headers: r.headers, json: await r.json() }
      done.push(answer.status)
      return answer
    }
    const logins = Array.from({ length: 28 }, login)
    await new Promise((resolve) => setTimeout(resolve, 100)) // every login has reached the server
    const list = await srv.api('GET', '/api/documents')
    const loginsBefore = done.filter((status) => status === 200).length
    assert.equal(list.status, 200)
    assert.ok(loginsBefore <= 2, `the document list waited for ${loginsBefore} logins (each ~0.25 s of bcrypt)`)
    const answers = await Promise.all(logins)
    const statuses = answers.map((r) => r.status)
    const busy = answers.filter((r) => r.status === 503)
    assert.ok(busy.length >= 28 - 17, `503 beyond 16 waiting: ${statuses}`)
    assert.equal(busy[0].json.error.code, 'busy')
    assert.equal(busy[0].headers.get('retry-after'), '1')
    assert.equal(statuses.filter((x) => x === 200).length + busy.length, 28, `only 200 and 503: ${statuses}`)
    const m = await srv.metrics()
    assert.equal(m.weft_bcrypt_refused_busy_total, busy.length)
    assert.equal(m.weft_bcrypt_queue_depth, 0)
  }))

// Behind a proxy (--trusted-proxies): a connection from a trusted proxy counts as from the address
// its X-Forwarded-For names, so the per-address limits count clients, not the proxy; a peer that is
// not a trusted proxy cannot choose its address by writing the header.
test('--trusted-proxies: per-address limits count the address X-Forwarded-For names, only when the peer is a trusted proxy',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const open = (srv, id, xff) => {
      const ws = new WebSocket(`${srv.wsBase}/${id}?token=${encodeURIComponent(srv.token)}`, { headers: { 'X-Forwarded-For': xff } })
      ws.on('error', () => {})
      const messages = []
      ws.on('message', (m) => messages.push(m))
      const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)))
      return Promise.race([
        closed.then((code) => ({ ws, code })),
        waitFor(() => messages.length > 0, 5000, 'a first message').then(() => ({ ws, code: null }))
      ])
    }
    for (const [flags, counted] of [[{ 'trusted-proxies': '127.0.0.0/8' }, 'forwarded'], [{}, 'peer']]) {
      const srv = await s.server({ 'max-connections-per-ip': 1, 'max-connections-per-user': 0, ...flags })
      const id = await srv.newDoc()
      const first = await open(srv, id, '203.0.113.1')
      assert.equal(first.code, null, `${counted}: the first connection is admitted`)
      const other = await open(srv, id, '203.0.113.2')
      const same = await open(srv, id, '198.51.100.9, 203.0.113.1') // the client's own entry is not trusted
      if (counted === 'forwarded') {
        assert.equal(other.code, null, 'another client behind the proxy has its own slot')
        assert.equal(same.code, 4429, 'the same client again is over its limit')
      } else {
        assert.equal(other.code, 4429, 'without trusted proxies the header is ignored: one address')
        assert.equal(same.code, 4429)
      }
      for (const c of [first, other, same]) c.ws.close()
      await srv.stop()
    }
  }))
