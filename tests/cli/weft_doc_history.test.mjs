// weft_doc_history.test.mjs — `weft doc history DBFILE DOCID` against the database of a real
// server: the JSON lines carry what the versions API answers (oldest first), --text each
// version's text as GET …/versions/{vid}/content gives it, --out one file per version and
// versions.json; it reads a database the server is using and writes nothing; errors exit 2.
// Run: node --test tests/cli/  (WEFT_BIN points at the weft binary; default build/bin/weft).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { TEST_TIMEOUT, WEFT_BIN, scenario, tmpDir, waitFor } from '../server/harness.mjs'

const history = (...args) => spawnSync(WEFT_BIN, ['doc', 'history', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 })
const lines = (r) => r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')

async function restVersions (srv, id) {
  const r = await srv.api('GET', `/api/documents/${id}/versions?limit=200`)
  assert.equal(r.status, 200, r.text)
  return r.json.versions.reverse() // oldest first, as weft doc history prints them
}

async function restText (srv, id, vid) {
  const r = await srv.api('GET', `/api/documents/${id}/versions/${vid}/content`)
  assert.equal(r.status, 200, r.text)
  return r.text
}

// What weft doc history must print for a version the API describes.
const expectedLine = (v) => ({ id: v.id, created_at: v.created_at, kind: v.kind, name: v.name, size: v.size, users: v.users.map((u) => u.id) })

// A server on SQLite (whatever WEFT_TEST_SERVER_DATABASE says: the command reads SQLite files)
// with a document of several versions by two users; returns what the tests need.
async function documentWithHistory (s) {
  const dataDir = tmpDir('weft-data-')
  const srv = await s.server({ database: `sqlite:${path.join(dataDir, 'weft.db')}`, 'history-quiet-ms': 300, 'history-max-interval-ms': 60000 }, { dataDir })
  const bob = await srv.account('bob')
  const id = await srv.newDoc()
  const empty = await srv.newDoc({ title: 'empty.txt' })
  const a = s.client(srv, id, { name: 'harness' })
  const b = s.client(srv, id, { name: 'bob', token: bob.token })
  await Promise.all([a.waitSynced(), b.waitSynced()])
  const quietVersion = async (n) => waitFor(async () => (await restVersions(srv, id)).length === n, 10000, `version ${n} once quiet`)

  a.ytext.insert(0, 'first line\n')
  await quietVersion(1)
  b.ytext.insert(b.ytext.length, 'héllo 😀 wörld, "quoted" \\ tab\tend\n')
  await quietVersion(2)
  assert.equal((await srv.api('POST', `/api/documents/${id}/versions`, { body: { name: 'release «1» 🙂' } })).status, 201)
  a.ytext.insert(0, '字 ')
  b.ytext.delete(b.ytext.length - 4, 4)
  await quietVersion(3)
  // The PUT's "replace" capture is of version 3's state (no new row); its edit is version 4.
  assert.equal((await srv.api('PUT', `/api/documents/${id}/content`, { body: 'replaced\n' })).status, 204)
  await quietVersion(4)
  return { srv, id, empty, db: srv.dbPath, versions: await restVersions(srv, id) }
}

test('versions as JSON lines, oldest first, equal to the API; --text equals each version\'s content; read while the server runs', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const { srv, id, empty, db, versions } = await documentWithHistory(s)
  assert.equal(versions.length, 4)
  assert.ok(versions.some((v) => v.name === 'release «1» 🙂'))
  assert.ok(versions.some((v) => v.users.length === 2), 'a version with both users')

  // The server is running (WAL, its connection open): the command reads alongside it.
  let r = history(db, String(id))
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stderr, '')
  assert.deepEqual(lines(r), versions.map(expectedLine))
  for (const line of r.stdout.trimEnd().split('\n')) {
    assert.deepEqual(Object.keys(JSON.parse(line)), ['id', 'created_at', 'kind', 'name', 'size', 'users'])
  }

  r = history('--text', db, String(id))
  assert.equal(r.status, 0, r.stderr)
  const withText = lines(r)
  assert.equal(withText.length, versions.length)
  for (const [i, v] of versions.entries()) {
    const { text, ...meta } = withText[i]
    assert.deepEqual(meta, expectedLine(v))
    assert.equal(text, await restText(srv, id, v.id), `version ${v.id}'s text`)
    assert.equal(Buffer.byteLength(text), v.size)
  }

  // A document without versions prints nothing.
  r = history(db, String(empty))
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, '')

  // Stopped: the file is read and left exactly as it was.
  await srv.stop()
  const before = sha256(db)
  r = history('--text', db, String(id))
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(lines(r), withText)
  assert.equal(sha256(db), before, 'the database file is not written')
}))

test('--out DIR writes <id>.txt per version and versions.json', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const { srv, id, db, versions } = await documentWithHistory(s)
  const out = path.join(tmpDir('weft-history-out-'), 'export', 'nested')
  s.onCleanup(() => fs.rmSync(path.dirname(path.dirname(out)), { recursive: true, force: true }))
  const r = history(db, String(id), '--out', out)
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout, '', 'nothing on stdout with --out')
  assert.deepEqual(fs.readdirSync(out).sort(), [...versions.map((v) => `${v.id}.txt`), 'versions.json'].sort())
  for (const v of versions) {
    assert.equal(fs.readFileSync(path.join(out, `${v.id}.txt`), 'utf8'), await restText(srv, id, v.id), `${v.id}.txt`)
  }
  const index = JSON.parse(fs.readFileSync(path.join(out, 'versions.json'), 'utf8'))
  assert.deepEqual(index, { document_id: id, versions: versions.map((v) => ({ ...expectedLine(v), file: `${v.id}.txt` })) })

  // Again into the same directory: the files are rewritten, not added to.
  assert.equal(history(db, String(id), '--out', out).status, 0)
  assert.equal(fs.readdirSync(out).length, versions.length + 1)
}))

test('errors exit 2 with a message: missing file, not a Weft database, unknown document, bad DOCID, unusable DIR', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const { srv, id, db } = await documentWithHistory(s)
  const dir = tmpDir('weft-history-err-')
  s.onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }))
  const notSqlite = path.join(dir, 'notes.txt')
  fs.writeFileSync(notSqlite, 'this is not a database, just some text that is long enough to have a header\n'.repeat(20))
  const otherSqlite = path.join(dir, 'other.db')
  assert.equal(spawnSync('sqlite3', [otherSqlite, 'CREATE TABLE t (x); INSERT INTO t VALUES (1);']).status, 0)
  const aFile = path.join(dir, 'a-file')
  fs.writeFileSync(aFile, '')
  const missing = path.join(dir, 'missing.db')

  const cases = [
    [[missing, String(id)], `${missing}: no such file`],
    [[dir, String(id)], `${dir}: is a directory`],
    [[notSqlite, String(id)], `${notSqlite}: not a Weft database`],
    [[otherSqlite, String(id)], `${otherSqlite}: not a Weft database`],
    [[db, '424242'], `${db}: no document 424242`],
    [[db, 'abc'], 'DOCID must be a positive integer, got "abc"'],
    [[db, '0'], 'DOCID must be a positive integer, got "0"'],
    [[db, String(id), '--out', aFile], `${aFile}: cannot create directory`]
  ]
  for (const [args, message] of cases) {
    const r = history(...args)
    assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}, stderr ${r.stderr}`)
    assert.ok(r.stderr.startsWith(`weft doc history: ${message}`), `${args.join(' ')}: ${r.stderr}`)
    assert.equal(r.stdout, '')
  }
  assert.ok(!fs.existsSync(missing), 'a missing database is not created')

  // A deleted document is an unknown one.
  assert.equal((await srv.api('DELETE', `/api/documents/${id}`)).status, 204)
  const r = history(db, String(id))
  assert.equal(r.status, 2)
  assert.equal(r.stderr, `weft doc history: ${db}: no document ${id}\n`)
}))
