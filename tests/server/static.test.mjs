// static.test.mjs — the web app's files: MIME types, ETag revalidation, caching of hashed assets,
// index.html for client-side routes, and no way out of the static directory.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { TEST_TIMEOUT, scenario } from './harness.mjs'

// Sends a raw request line (fetch would normalize "../" away) and returns the status code.
const rawStatus = (port, target) => new Promise((resolve, reject) => {
  const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
  let data = ''
  sock.on('data', (c) => { data += c })
  sock.on('end', () => resolve({ status: Number(data.split(' ')[1]), body: data }))
  sock.on('error', reject)
})

test('static files: MIME, ETag, SPA fallback, no traversal', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  fs.mkdirSync(path.join(srv.staticDir, 'assets'))
  fs.writeFileSync(path.join(srv.staticDir, 'assets', 'app-1a2b.js'), 'console.log(1)\n')
  fs.writeFileSync(path.join(srv.staticDir, 'style.css'), 'body{}\n')
  fs.writeFileSync(path.join(path.dirname(srv.staticDir), 'secret.txt'), 'do not serve\n')

  const index = await fetch(`${srv.httpUrl}/`)
  assert.equal(index.status, 200)
  assert.match(index.headers.get('content-type'), /^text\/html/)
  assert.match(await index.text(), /weft test/)

  const js = await fetch(`${srv.httpUrl}/assets/app-1a2b.js`)
  assert.equal(js.status, 200)
  assert.match(js.headers.get('content-type'), /^text\/javascript/)
  assert.match(js.headers.get('cache-control'), /immutable/)
  const etag = js.headers.get('etag')
  assert.ok(etag, 'an ETag')
  const again = await fetch(`${srv.httpUrl}/assets/app-1a2b.js`, { headers: { 'If-None-Match': etag } })
  assert.equal(again.status, 304)

  const css = await fetch(`${srv.httpUrl}/style.css`)
  assert.match(css.headers.get('content-type'), /^text\/css/)
  assert.equal(css.headers.get('cache-control'), 'no-cache')

  const route = await fetch(`${srv.httpUrl}/doc/42`)
  assert.equal(route.status, 200, 'a client route gets index.html')
  assert.match(await route.text(), /weft test/)
  assert.equal((await fetch(`${srv.httpUrl}/missing.js`)).status, 404)
  const deepLink = await fetch(`${srv.httpUrl}/p/7/src/app/main.py`)
  assert.equal(deepLink.status, 200, 'a project\'s deep link to a file gets index.html')
  assert.match(await deepLink.text(), /weft test/)

  for (const target of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
    const r = await rawStatus(srv.port, target)
    assert.ok(r.status === 400 || r.status === 404, `${target} → ${r.status}`)
    assert.doesNotMatch(r.body, /do not serve/)
  }
  fs.rmSync(path.join(path.dirname(srv.staticDir), 'secret.txt'))
}))
