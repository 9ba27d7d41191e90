// security.test.mjs — what docs/SECURITY.md claims of HTTP responses and logs: the security
// headers on every kind of answer (the web app's index.html, a hashed asset, a client-side route,
// a revalidation, the API's successes and errors, the server's own endpoints, a refused body),
// no caching of answers that carry tokens, and no password or token in the log even at debug
// level. The web app's policy working in a browser is tests/e2e/csp.test.mjs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'

// The harness reads WEFT_TEST_LOG_LEVEL when it loads: the servers of this file log everything.
process.env.WEFT_TEST_LOG_LEVEL = 'debug'
const { TEST_TIMEOUT, scenario, rawWs, within } = await import('./harness.mjs')

// A Content-Security-Policy as {directive: [sources]}.
function parsePolicy (value) {
  assert.ok(value, 'a Content-Security-Policy header')
  const out = {}
  for (const part of value.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) out[name] = sources
  }
  return out
}

// The headers every answer carries, whatever it is.
function assertBaseline (headers, what) {
  assert.equal(headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`)
  assert.equal(headers.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`)
  assert.equal(headers.get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`)
  assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin', `${what}: COOP`)
  assert.equal(headers.get('cross-origin-resource-policy'), 'same-origin', `${what}: CORP`)
  const permissions = headers.get('permissions-policy') ?? ''
  for (const feature of ['camera', 'microphone', 'geolocation']) {
    assert.match(permissions, new RegExp(`(^|, )${feature}=\\(\\)`), `${what}: Permissions-Policy refuses ${feature}`)
  }
  assert.equal(headers.get('strict-transport-security'), null, `${what}: no HSTS over plain HTTP`)
  assert.equal(headers.get('set-cookie'), null, `${what}: no cookie, ever`)
  assert.equal(headers.get('server'), null, `${what}: no Server header naming software or version`)
  const policy = parsePolicy(headers.get('content-security-policy'))
  assert.deepEqual(policy['frame-ancestors'], ["'none'"], `${what}: frame-ancestors`)
  return policy
}

// The web app's policy: scripts from this origin only (no inline, no eval), no plugins, no <base>,
// Monaco's blob: workers, and connections to this origin (y-websocket included).
function assertAppPolicy (headers, what) {
  const p = assertBaseline(headers, what)
  assert.deepEqual(p['default-src'], ["'self'"], `${what}: default-src`)
  assert.deepEqual(p['script-src'], ["'self'"], `${what}: script-src (no 'unsafe-inline', no 'unsafe-eval')`)
  assert.deepEqual(p['object-src'], ["'none'"], `${what}: object-src`)
  assert.deepEqual(p['base-uri'], ["'none'"], `${what}: base-uri`)
  assert.deepEqual(p['connect-src'], ["'self'"], `${what}: connect-src`)
  assert.deepEqual(p['worker-src'], ["'self'", 'blob:'], `${what}: worker-src`)
  for (const [name, sources] of Object.entries(p)) {
    assert.ok(!sources.includes('*') && !sources.includes("'unsafe-eval'"), `${what}: ${name} ${sources.join(' ')}`)
  }
}

// Answers that are not the web app load nothing at all.
function assertNoContentPolicy (headers, what) {
  const p = assertBaseline(headers, what)
  assert.deepEqual(p['default-src'], ["'none'"], `${what}: default-src`)
}

// The API's answers: not stored by any cache, never rendered as a page.
function assertApi (r, what) {
  assertNoContentPolicy(r.headers, what)
  assert.equal(r.headers.get('cache-control'), 'no-store', `${what}: Cache-Control`)
  assert.equal(r.headers.get('content-disposition'), 'attachment', `${what}: Content-Disposition`)
}

// The header block of a raw HTTP answer, as a Headers object.
const rawHeaders = (port, request) => new Promise((resolve, reject) => {
  const sock = net.connect(port, '127.0.0.1', () => sock.write(request))
  let data = ''
  sock.on('data', (c) => { data += c })
  sock.on('end', () => {
    const [head] = data.split('\r\n\r\n')
    const [statusLine, ...lines] = head.split('\r\n')
    const headers = new Headers()
    for (const l of lines) headers.append(l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim())
    resolve({ status: Number(statusLine.split(' ')[1]), headers })
  })
  sock.on('error', reject)
})

test('security headers on the web app, the API and the server\'s own endpoints; answers with tokens are not cached',
  { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
    const srv = await s.server({ 'max-body-bytes': 4096 })
    fs.mkdirSync(path.join(srv.staticDir, 'assets'))
    fs.writeFileSync(path.join(srv.staticDir, 'assets', 'index-1a2b.js'), 'console.log(1)\n')
    fs.writeFileSync(path.join(srv.staticDir, 'sw.js'), 'self.addEventListener("fetch", () => {})\n')

    // The web app: every file gets the app's policy (a worker runs under its own file's).
    for (const target of ['/', '/index.html', '/assets/index-1a2b.js', '/sw.js', '/d/42', '/p/7/src/main.py', '/account']) {
      const r = await fetch(`${srv.httpUrl}${target}`)
      assert.equal(r.status, 200, target)
      await r.arrayBuffer()
      assertAppPolicy(r.headers, target)
    }
    const asset = await fetch(`${srv.httpUrl}/assets/index-1a2b.js`)
    await asset.arrayBuffer()
    const revalidated = await fetch(`${srv.httpUrl}/assets/index-1a2b.js`, { headers: { 'If-None-Match': asset.headers.get('etag') } })
    assert.equal(revalidated.status, 304)
    assertAppPolicy(revalidated.headers, 'a 304')
    const listing = await fetch(`${srv.httpUrl}/assets/`)
    assert.equal(listing.status, 404, 'a directory without an index.html is not found…')
    assert.doesNotMatch(await listing.text(), /index-1a2b/, '… and never listed')
    const post = await fetch(`${srv.httpUrl}/`, { method: 'POST', body: 'x' })
    assert.equal(post.status, 405, 'the web app takes GET and HEAD only')
    await post.arrayBuffer()
    assertNoContentPolicy(post.headers, 'a refused method')
    const missing = await fetch(`${srv.httpUrl}/missing.js`)
    assert.equal(missing.status, 404)
    await missing.arrayBuffer()
    assertNoContentPolicy(missing.headers, 'a missing file')

    // The API: successes and errors alike; sign-ins answer a token and must not be cached.
    const reg = await srv.api('POST', '/api/auth/register', { body: { username: 'carol', password: 'pw-carol-secret' }, token: null })
    assert.equal(reg.status, 201, reg.text)
    assertApi(reg, 'register')
    const login = await srv.api('POST', '/api/auth/login', { body: { username: 'carol', password: 'pw-carol-secret' }, token: null })
    assert.equal(login.status, 200, login.text)
    assertApi(login, 'login')
    const wrong = await srv.api('POST', '/api/auth/login', { body: { username: 'carol', password: 'wrong-password' }, token: null })
    assert.equal(wrong.status, 401)
    assertApi(wrong, 'a refused login')
    const changed = await srv.api('POST', '/api/me/password', { body: { old_password: 'pw-carol-secret', new_password: 'pw-carol-secret-2' }, token: login.json.token })
    assert.equal(changed.status, 200, changed.text)
    assertApi(changed, 'a password change (a fresh token)')
    for (const [method, target, token] of [['GET', '/api/documents', srv.token], ['GET', '/api/me', null], ['GET', '/api/nope', srv.token]]) {
      const r = await srv.api(method, target, { token })
      assertApi(r, `${method} ${target} (${r.status})`)
    }
    const content = await srv.api('POST', '/api/documents', { body: { title: 'a.txt', content: 'hello' } })
    const text = await srv.api('GET', `/api/documents/${content.json.id}/content`)
    assert.equal(text.text, 'hello')
    assertApi(text, 'a document\'s text')
    const preflight = await fetch(`${srv.httpUrl}/api/documents`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } })
    assert.equal(preflight.status, 403)
    await preflight.arrayBuffer()
    assertNoContentPolicy(preflight.headers, 'a refused preflight')

    // The server's own endpoints, a WebSocket URL without an upgrade, a refused body.
    for (const target of ['/healthz', '/readyz', '/metrics', '/ws/1']) {
      const r = await fetch(`${srv.httpUrl}${target}`)
      await r.arrayBuffer()
      assertNoContentPolicy(r.headers, target)
    }
    const tooBig = await rawHeaders(srv.port, `PUT /api/documents/${content.json.id}/content HTTP/1.1\r\nHost: x\r\n` +
      `Authorization: Bearer ${srv.token}\r\nContent-Length: 100000\r\n\r\n`)
    assert.equal(tooBig.status, 413)
    assertNoContentPolicy(tooBig.headers, 'a refused body')
  }))

test('no password, token or query string in the log, even at --log-level debug', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const password = 'pw-never-logged-7f3a9c'
  const reg = await srv.api('POST', '/api/auth/register', { body: { username: 'erin', password }, token: null })
  assert.equal(reg.status, 201, reg.text)
  const login = await srv.api('POST', '/api/auth/login', { body: { username: 'erin', password }, token: null })
  assert.equal((await srv.api('POST', '/api/auth/login', { body: { username: 'erin', password: `${password}-wrong` }, token: null })).status, 401)
  assert.equal((await srv.api('POST', '/api/me/password', { body: { old_password: password, new_password: `${password}-new` }, token: login.json.token })).status, 200)
  const id = await srv.newDoc()
  const ws = rawWs(srv, id, login.json.token) // dead since the password change: refused, its token in the URL
  await within(ws.closed, 5000)
  await fetch(`${srv.httpUrl}/ws/${id}?token=${reg.json.token}&marker=query-never-logged`)
  await fetch(`${srv.httpUrl}/api/documents?token=${reg.json.token}&marker=query-never-logged`)
  await srv.api('GET', '/api/me', { token: `${reg.json.token}x` }) // a bad token: 401
  const log = srv.stderr().split('\n').filter((l) => !l.startsWith('[harness]')).join('\n')
  assert.match(log, /registered user/, 'the log was read')
  for (const secret of [password, reg.json.token, login.json.token, 'query-never-logged']) {
    assert.ok(!log.includes(secret), `the log holds ${secret.slice(0, 12)}…`)
  }
}))

test('passwords: any Unicode, spaces and emoji included, counted in characters; 8 to 256', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const password = 'wörter mit Leerzeichen 😀 字' // no composition rule: any characters
  assert.equal((await srv.api('POST', '/api/auth/register', { body: { username: 'frank', password }, token: null })).status, 201)
  assert.equal((await srv.api('POST', '/api/auth/login', { body: { username: 'frank', password }, token: null })).status, 200)
  assert.equal((await srv.api('POST', '/api/auth/login', { body: { username: 'frank', password: password.normalize('NFD') }, token: null })).status, 401,
    'compared as sent (no normalization)')
  assert.equal((await srv.api('POST', '/api/auth/register', { body: { username: 'gina', password: '😀😀😀😀😀😀😀😀' }, token: null })).status, 201,
    'eight emoji are eight characters')
  assert.equal((await srv.api('POST', '/api/auth/register', { body: { username: 'hank', password: '😀😀😀😀😀😀😀' }, token: null })).status, 400)
  assert.equal((await srv.api('POST', '/api/auth/register', { body: { username: 'hank', password: 'x'.repeat(256) }, token: null })).status, 201)
}))

test('an unexpected failure answers 500 with a generic message; the detail goes to the log only', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  if ((process.env.WEFT_TEST_SERVER_DATABASE || 'sqlite') !== 'sqlite') return t.skip('holds a SQLite lock')
  const srv = await s.server()
  // Another connection holds the database's write lock: the server's write fails after its
  // busy timeout (5 s) with an error the API did not expect.
  const holder = spawn('sqlite3', [srv.dbPath], { stdio: ['pipe', 'pipe', 'inherit'] })
  s.onCleanup(() => holder.kill())
  const locked = new Promise((resolve) => holder.stdout.on('data', (c) => { if (String(c).includes('locked')) resolve() }))
  holder.stdin.write('BEGIN IMMEDIATE;\n.print locked\n')
  await locked
  const r = await srv.api('POST', '/api/documents', { body: { title: 'during the lock.txt' } })
  holder.stdin.end('ROLLBACK;\n')
  assert.equal(r.status, 500, r.text)
  assert.deepEqual(r.json, { error: { code: 'internal', message: 'internal error; see the server log' } })
  assertApi(r, 'a 500')
  assert.match(srv.stderr(), /POST \/api\/documents: .*locked/i, 'the log has what happened')
}))
