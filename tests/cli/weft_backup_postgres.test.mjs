// weft_backup_postgres.test.mjs — the PostgreSQL backup recipe of README ("Backups"): pg_dump
// --format=custom while a server serves and clients type, pg_restore into a fresh database, weft
// check on it, a server started on it serving every document as the dump holds it (with every edit
// the database had acknowledged before the dump began), and weft check --repair on PostgreSQL.
// Needs WEFT_TEST_POSTGRES_URL: run under tests/postgres/with-postgres.sh (scripts/test does);
// skipped without it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import fs from 'node:fs'
import { TEST_TIMEOUT, WEFT_BIN, Y, delay, freshPostgresDatabase, rng, scenario, tmpDir, waitFor } from '../server/harness.mjs'

const skip = process.env.WEFT_TEST_POSTGRES_URL ? false : 'needs WEFT_TEST_POSTGRES_URL (tests/postgres/with-postgres.sh)'

function run (cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => { stdout += d })
    p.stderr.on('data', (d) => { stderr += d })
    p.on('exit', (status) => resolve({ status, stdout, stderr }))
  })
}

function psql (url, sql) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`)
  return r.stdout.split('\n').filter((l) => l !== '')
}

// Every document of a Weft PostgreSQL database as real yjs reads it: id → Y.Doc.
function storedDocs (url) {
  const docs = new Map()
  for (const row of psql(url, "SELECT id, coalesce(encode(yjs_state, 'hex'), '') FROM documents ORDER BY id")) {
    const [id, state] = row.split('|')
    const doc = new Y.Doc()
    if (state) Y.applyUpdate(doc, Buffer.from(state, 'hex'))
    docs.set(Number(id), doc)
  }
  for (const row of psql(url, "SELECT document_id, encode(data, 'hex') FROM document_updates ORDER BY id")) {
    const [id, data] = row.split('|')
    Y.applyUpdate(docs.get(Number(id)), Buffer.from(data, 'hex'))
  }
  return docs
}

function covers (doc, sv) {
  const have = Y.decodeStateVector(Y.encodeStateVector(doc))
  for (const [client, clock] of sv) if ((have.get(client) ?? 0) < clock) return false
  return true
}

test('pg_dump while serving, pg_restore into a fresh database, weft check, serve it: documents identical', { skip, timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const url = freshPostgresDatabase()
  const srv = await s.server({ database: url, 'compact-threshold': 40 })
  const ids = [await srv.newDoc(), await srv.newDoc(), await srv.newDoc()]
  const clients = []
  for (let i = 0; i < 9; i++) clients.push({ c: s.client(srv, ids[i % 3]), doc: ids[i % 3] })
  await Promise.all(clients.map(({ c }) => c.waitSynced()))
  const r = rng(5)
  let typing = true
  const typists = clients.map(async ({ c }) => {
    while (typing) {
      c.ytext.insert(Math.floor(r() * (c.ytext.length + 1)), 'xyz'.slice(0, 1 + Math.floor(r() * 3)))
      await delay(15 + Math.floor(r() * 15))
    }
  })
  await delay(1000)
  const acked = clients.map(({ c, doc }) => ({ doc, sv: Y.decodeStateVector(Y.encodeStateVector(c.doc)) }))
  await waitFor(() => { const st = storedDocs(url); return acked.every(({ doc, sv }) => covers(st.get(doc), sv)) }, 15000, 'the database to hold what was typed')

  const dump = path.join(tmpDir('weft-pgdump-'), 'weft.dump')
  const d = await run('pg_dump', ['--format=custom', '--file', dump, url])
  assert.equal(d.status, 0, d.stderr)
  await delay(300)
  typing = false
  await Promise.all(typists)

  const restored = freshPostgresDatabase()
  const pr = await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restored, dump])
  assert.equal(pr.status, 0, pr.stderr)
  const chk = spawnSync(WEFT_BIN, ['check', '--database', restored, '--json'], { encoding: 'utf8' })
  assert.equal(chk.status, 0, chk.stdout + chk.stderr)
  assert.equal(JSON.parse(chk.stdout).documents, 3)

  const held = storedDocs(restored)
  for (const { doc, sv } of acked) assert.ok(covers(held.get(doc), sv), `document ${doc}: an acknowledged edit is missing`)
  const srv2 = await s.server({ database: restored })
  for (const id of ids) {
    const c = s.client(srv2, id)
    await c.waitSynced()
    assert.equal(c.text(), held.get(id).getText('content').toString(), `document ${id} as served from the restored database`)
    c.destroy()
  }
  assert.ok(await srv2.newDoc() > Math.max(...ids), 'sequences restored: new ids do not collide')

  // weft check on PostgreSQL: a tampered content column (of a compacted document) and an orphan
  // row, found and repaired.
  await srv2.stop()
  const compacted = psql(restored, 'SELECT id FROM documents WHERE yjs_state IS NOT NULL ORDER BY id LIMIT 1')[0]
  assert.ok(compacted, 'a document was compacted')
  psql(restored, `UPDATE documents SET content = 'tampered' WHERE id = ${compacted}`)
  psql(restored, 'ALTER TABLE project_folders DISABLE TRIGGER ALL')
  psql(restored, "INSERT INTO project_folders (project_id, path) VALUES (424242, 'lost')")
  psql(restored, 'ALTER TABLE project_folders ENABLE TRIGGER ALL')
  let c2 = spawnSync(WEFT_BIN, ['check', '--database', restored, '--json'], { encoding: 'utf8' })
  assert.equal(c2.status, 1, c2.stderr)
  assert.deepEqual(JSON.parse(c2.stdout).problems.map((p) => p.table).sort(), ['documents.content', 'project_folders.project_id'])
  c2 = spawnSync(WEFT_BIN, ['check', '--database', restored, '--repair'], { encoding: 'utf8' })
  assert.equal(c2.status, 0, c2.stdout + c2.stderr)
  assert.match(c2.stdout, /2 problem\(s\) found, 2 repaired, 0 remaining/)
  assert.notEqual(psql(restored, `SELECT content FROM documents WHERE id = ${compacted}`)[0], 'tampered')
  c2 = spawnSync(WEFT_BIN, ['check', '--database', restored], { encoding: 'utf8' })
  assert.equal(c2.status, 0, c2.stdout + c2.stderr)
  fs.rmSync(path.dirname(dump), { recursive: true, force: true })
}))
