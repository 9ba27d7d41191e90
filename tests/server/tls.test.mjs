// tls.test.mjs — native TLS: with --tls-cert/--tls-key the server speaks https:// and wss://
// directly (no proxy), TLS 1.2 and 1.3 only, with HSTS on its answers. A self-signed certificate is made with the openssl CLI for the test.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import https from 'node:https'
import tls from 'node:tls'
import fs from 'node:fs'
import path from 'node:path'
import { WebSocket, Y, WebsocketProvider, TEST_TIMEOUT, waitFor, freePort, tmpDir, WEFT_BIN } from './harness.mjs'

// Trusts our self-signed certificate by not verifying it (this test checks the transport).
class InsecureWebSocket extends WebSocket {
  constructor (url, protocols) { super(url, protocols, { rejectUnauthorized: false }) }
}

const requestHttps = (method, url, { body, token } = {}) => new Promise((resolve, reject) => {
  const headers = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const req = https.request(url, { method, headers, rejectUnauthorized: false }, (res) => {
    let text = ''
    res.on('data', (c) => { text += c })
    res.on('end', () => resolve({ status: res.statusCode, body: text, headers: res.headers }))
  })
  req.on('error', reject)
  req.end(body === undefined ? undefined : JSON.stringify(body))
})
const getHttps = (url) => requestHttps('GET', url)

// The protocol a handshake offering versions up to `maxVersion` settles on, or 'refused'.
const handshake = (port, maxVersion) => new Promise((resolve) => {
  const s = tls.connect({ host: '127.0.0.1', port, minVersion: 'TLSv1', maxVersion, ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false },
    () => { resolve(s.getProtocol()); s.end() })
  s.on('error', () => resolve('refused'))
})

test('https and wss with --tls-cert/--tls-key', { timeout: TEST_TIMEOUT }, async () => {
  const dir = tmpDir('weft-tls-')
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
  const port = await freePort()
  let stderr = ''
  const proc = spawn(WEFT_BIN, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', path.join(dir, 'data'),
    '--static-dir', dir, '--tls-cert', cert, '--tls-key', key, '--max-body-bytes', '65536'], { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stderr.on('data', (c) => { stderr += c })
  proc.stdout.on('data', (c) => { stderr += c })
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)))
  const providers = []
  try {
    await waitFor(async () => (await getHttps(`https://127.0.0.1:${port}/readyz`)).status === 200, 10000,
      'the TLS server to be ready', () => stderr)
    const health = await getHttps(`https://127.0.0.1:${port}/healthz`)
    assert.equal(health.status, 200)
    // Over TLS every answer asks the browser to use nothing else (HSTS; docs/SECURITY.md).
    assert.equal(health.headers['strict-transport-security'], 'max-age=31536000')
    const page = await getHttps(`https://127.0.0.1:${port}/d/1`)
    assert.equal(page.headers['strict-transport-security'], 'max-age=31536000')
    // TLS 1.2 and 1.3 only: a client offering at most TLS 1.1 (which this Node can speak, at
    // security level 0) is refused.
    assert.equal(await handshake(port, 'TLSv1.1'), 'refused', 'TLS 1.1')
    assert.equal(await handshake(port, 'TLSv1.2'), 'TLSv1.2')

    // The API over https too: an account, and a document to open over wss.
    const reg = await requestHttps('POST', `https://127.0.0.1:${port}/api/auth/register`,
      { body: { username: 'tls', password: 'pw-tls-secret' } })
    assert.equal(reg.status, 201, `register over https: ${reg.body}`)
    const { token } = JSON.parse(reg.body)
    const created = await requestHttps('POST', `https://127.0.0.1:${port}/api/documents`,
      { body: { title: 'tls.txt', is_public: true }, token })
    assert.equal(created.status, 201, `create a document over https: ${created.body}`)
    const docId = String(JSON.parse(created.body).id)

    // A body over --max-body-bytes: the 413 arrives over TLS too (the close lingers until the body is read).
    const tooBig = await requestHttps('PUT', `https://127.0.0.1:${port}/api/documents/${docId}/content`,
      { body: 'x'.repeat(2 * 1024 * 1024), token })
    assert.equal(tooBig.status, 413, `an oversized body over https: ${tooBig.body}`)

    const docs = [new Y.Doc(), new Y.Doc()]
    for (const d of docs) {
      providers.push(new WebsocketProvider(`wss://127.0.0.1:${port}/ws`, docId, d,
        { WebSocketPolyfill: InsecureWebSocket, disableBc: true, params: { token } }))
    }
    await waitFor(() => providers.every((p) => p.synced), 10000, 'both providers to sync over wss', () => stderr)
    docs[0].getText('content').insert(0, 'secure ')
    docs[1].getText('content').insert(0, 'hello')
    await waitFor(() => docs[0].getText('content').toString() === docs[1].getText('content').toString() &&
      docs[0].getText('content').length === 12, 10000, 'edits to cross over wss')
  } finally {
    providers.forEach((p) => p.destroy())
    proc.kill('SIGTERM')
    assert.equal(await exited, 0, `server exit status; log:\n${stderr}`)
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
