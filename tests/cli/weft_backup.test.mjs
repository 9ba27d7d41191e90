// weft_backup.test.mjs — `weft backup`, `weft restore` and `weft check` on SQLite (README,
// "Backups"): a backup taken while 20 real y-websocket providers type holds every edit the
// database had acknowledged when it started, restores into a new data directory and is served
// from there; restore refuses a target with a database and files that are not Weft databases;
// check finds each kind of damage made on purpose in a copy, and --repair fixes what it can.
// Run: node --test tests/cli/  (WEFT_BIN points at the weft binary; default build/bin/weft).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { TEST_TIMEOUT, WEFT_BIN, Y, delay, rng, scenario, tmpDir, waitFor } from '../server/harness.mjs'

const weft = (...args) => spawnSync(WEFT_BIN, args, { encoding: 'utf8' })

// The same, without blocking the event loop (the providers keep typing meanwhile).
function weftAsync (...args) {
  return new Promise((resolve) => {
    const p = spawn(WEFT_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => { stdout += d })
    p.stderr.on('data', (d) => { stderr += d })
    p.on('exit', (status) => resolve({ status, stdout, stderr }))
  })
}

function sqlite (db, sql) {
  const r = spawnSync('sqlite3', ['-bail', '-cmd', '.timeout 5000', db, sql], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`sqlite3 ${sql}: ${r.stderr || r.error}`)
  return r.stdout.split('\n').filter((l) => l !== '')
}

// Every document of a Weft SQLite file as real yjs reads it: id → Y.Doc of yjs_state and the log.
// only: that document alone (the others may hold blobs yjs cannot read).
function storedDocs (db, only = null) {
  const where = only === null ? '' : ` WHERE id = ${Number(only)}`
  const whereLog = only === null ? '' : ` WHERE document_id = ${Number(only)}`
  const docs = new Map()
  for (const row of sqlite(db, `SELECT id, hex(yjs_state) FROM documents${where} ORDER BY id`)) {
    const [id, state] = row.split('|')
    const doc = new Y.Doc()
    if (state) Y.applyUpdate(doc, Buffer.from(state, 'hex'))
    docs.set(Number(id), doc)
  }
  for (const row of sqlite(db, `SELECT document_id, hex(data) FROM document_updates${whereLog} ORDER BY id`)) {
    const [id, data] = row.split('|')
    if (docs.has(Number(id))) Y.applyUpdate(docs.get(Number(id)), Buffer.from(data, 'hex'))
  }
  return docs
}

// Whether `doc` holds everything of the state vector `sv` (client → clock).
function covers (doc, sv) {
  const have = Y.decodeStateVector(Y.encodeStateVector(doc))
  for (const [client, clock] of sv) if ((have.get(client) ?? 0) < clock) return false
  return true
}

const json = (r) => { assert.ok(r.stdout, r.stderr); return JSON.parse(r.stdout) }

test('a backup taken while 20 providers type holds every acknowledged edit; restore and serve it', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const dataDir = tmpDir('weft-data-')
  const database = `sqlite:${path.join(dataDir, 'weft.db')}`
  // A low compaction threshold, so that states and content columns are rewritten during the test.
  const srv = await s.server({ database, 'compact-threshold': 40, 'history-quiet-ms': 200 }, { dataDir })
  const ids = []
  for (let i = 0; i < 5; i++) ids.push(await srv.newDoc({ title: `doc${i}.txt` }))
  const clients = []
  for (let i = 0; i < 20; i++) clients.push({ c: s.client(srv, ids[i % 5]), doc: ids[i % 5] })
  await Promise.all(clients.map(({ c }) => c.waitSynced()))

  const r = rng(16)
  let typing = true
  let edits = 0
  const typists = clients.map(async ({ c }) => {
    while (typing) {
      const at = Math.floor(r() * (c.ytext.length + 1))
      c.ytext.insert(at, 'abcdefghij'.slice(0, 1 + Math.floor(r() * 4)) + (r() < 0.1 ? '\n' : ''))
      if (c.ytext.length > 20 && r() < 0.15) c.ytext.delete(Math.floor(r() * (c.ytext.length - 2)), 2)
      edits++
      await delay(10 + Math.floor(r() * 15))
    }
  })
  await delay(1500)

  // What each client had typed by now, once the database holds it: acknowledged edits.
  const acked = clients.map(({ c, doc }) => ({ doc, sv: Y.decodeStateVector(Y.encodeStateVector(c.doc)) }))
  await waitFor(() => {
    const stored = storedDocs(srv.dbPath)
    return acked.every(({ doc, sv }) => covers(stored.get(doc), sv))
  }, 15000, 'the database to hold what the clients typed')

  const backupFile = path.join(tmpDir('weft-backup-'), 'weft-backup.db')
  const editsBefore = edits
  const started = Date.now()
  const b = await weftAsync('backup', '--data-dir', dataDir, '--to', backupFile, '--pages-per-step', '4')
  const ms = Date.now() - started
  assert.equal(b.status, 0, b.stderr)
  assert.match(b.stdout, /^backed up .* pages of \d+ bytes in \d+ step\(s\)/)
  s.log(`backup: ${ms} ms, ${b.stdout.trim()}; ${edits - editsBefore} edits typed meanwhile`)
  assert.ok(edits > editsBefore, 'the providers kept typing during the backup')
  assert.deepEqual(fs.readdirSync(path.dirname(backupFile)), ['weft-backup.db'], 'no temporary file left')
  await delay(500) // more edits, which the backup must not need
  typing = false
  await Promise.all(typists)
  assert.ok(srv.running, 'the server kept serving')

  const backup = storedDocs(backupFile)
  assert.deepEqual([...backup.keys()], ids)
  for (const { doc, sv } of acked) assert.ok(covers(backup.get(doc), sv), `document ${doc}: an acknowledged edit is missing from the backup`)
  // Snapshot semantics: the live documents went on past it.
  await waitFor(() => ids.every((id) => clients.filter((x) => x.doc === id).every(({ c }) => c.text() === clients.find((x) => x.doc === id).c.text())), 10000, 'clients to converge')
  assert.ok(ids.some((id) => backup.get(id).getText('content').toString() !== clients.find((x) => x.doc === id).c.text()), 'edits after the backup are not in it')

  // Restore into a new data directory; the file is intact (check) and a server serves it.
  const restoredDir = path.join(tmpDir('weft-restored-'), 'data')
  const rr = weft('restore', '--from', backupFile, '--data-dir', restoredDir)
  assert.equal(rr.status, 0, rr.stderr)
  assert.match(rr.stdout, /^restored /)
  const chk = weft('check', '--data-dir', restoredDir, '--json')
  assert.equal(chk.status, 0, chk.stdout + chk.stderr)
  assert.equal(json(chk).documents, 5)
  assert.deepEqual(json(chk).problems, [])

  const srv2 = await s.server({ database: `sqlite:${path.join(restoredDir, 'weft.db')}` }, { dataDir: restoredDir })
  for (const id of ids) {
    const c = s.client(srv2, id)
    await c.waitSynced()
    assert.equal(c.text(), backup.get(id).getText('content').toString(), `document ${id} as served after the restore`)
    c.destroy()
  }
  const listed = await srv2.api('GET', '/api/documents')
  assert.equal(listed.status, 200, listed.text)
}))

test('restore refuses a target that has a database, a file that is not a database, and a SQLite file that is not Weft\'s', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const dir = tmpDir('weft-restore-')
  // A real backup to restore: of a database made by a server's migrations.
  const live = path.join(dir, 'live')
  const srv = await s.server({ database: `sqlite:${path.join(live, 'weft.db')}` }, { dataDir: live })
  await srv.newDoc()
  await srv.stop()
  const backupFile = path.join(dir, 'good.db')
  let r = weft('backup', '--data-dir', live, '--to', backupFile)
  assert.equal(r.status, 0, r.stderr)

  // A target that already has a database: refused, and left as it was.
  r = weft('restore', '--from', backupFile, '--data-dir', live)
  assert.equal(r.status, 2)
  assert.match(r.stderr, /weft\.db exists: the target already has a database/)
  const target = path.join(dir, 'target')
  fs.mkdirSync(target)
  fs.writeFileSync(path.join(target, 'weft.db'), 'keep me')
  r = weft('restore', '--from', backupFile, '--data-dir', target)
  assert.equal(r.status, 2)
  assert.equal(fs.readFileSync(path.join(target, 'weft.db'), 'utf8'), 'keep me')

  // Files that are not Weft databases: refused before anything is written.
  const empty = path.join(dir, 'empty')
  const garbage = path.join(dir, 'garbage.db')
  fs.writeFileSync(garbage, Buffer.alloc(8192, 0x5a))
  r = weft('restore', '--from', garbage, '--data-dir', empty)
  assert.equal(r.status, 2)
  assert.match(r.stderr, /garbage\.db: not a SQLite database/)
  const other = path.join(dir, 'other.db')
  sqlite(other, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
  r = weft('restore', '--from', other, '--data-dir', empty)
  assert.equal(r.status, 2)
  assert.match(r.stderr, /other\.db: not a Weft database/)
  // A damaged Weft database: its pages overwritten in the middle.
  const damaged = path.join(dir, 'damaged.db')
  const bytes = fs.readFileSync(backupFile)
  bytes.fill(0xa5, 4096 * 2, Math.min(bytes.length, 4096 * 6))
  fs.writeFileSync(damaged, bytes)
  r = weft('restore', '--from', damaged, '--data-dir', empty)
  assert.equal(r.status, 2, r.stderr)
  r = weft('restore', '--from', path.join(dir, 'missing.db'), '--data-dir', empty)
  assert.equal(r.status, 2)
  assert.match(r.stderr, /missing\.db: no such file/)
  assert.equal(fs.existsSync(path.join(empty, 'weft.db')), false)

  // And the good one restores into an empty directory; a second restore is refused.
  r = weft('restore', '--from', backupFile, '--data-dir', empty)
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(fs.readdirSync(empty), ['weft.db'])
  r = weft('restore', '--from', backupFile, '--data-dir', empty)
  assert.equal(r.status, 2)
  // Backing up what does not exist, and PostgreSQL, are refused with a pointer.
  r = weft('backup', '--data-dir', path.join(dir, 'nowhere'), '--to', path.join(dir, 'x.db'))
  assert.equal(r.status, 2)
  assert.match(r.stderr, /no such database/)
  r = weft('backup', '--database', 'postgresql://127.0.0.1:1/weft', '--to', path.join(dir, 'x.db'))
  assert.equal(r.status, 2)
  assert.match(r.stderr, /pg_dump/)
  fs.rmSync(dir, { recursive: true, force: true })
}))

test('check finds a tampered content column, orphan rows and undecodable blobs; --repair fixes the fixable', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const dataDir = tmpDir('weft-data-')
  const srv = await s.server({ database: `sqlite:${path.join(dataDir, 'weft.db')}` }, { dataDir })
  const docs = []
  for (const content of ['alpha\n', 'bravo 字\n', 'charlie\n', 'delta\n']) {
    const r = await srv.api('POST', '/api/documents', { body: { title: 't.txt', content } })
    assert.equal(r.status, 201, r.text)
    docs.push(r.json.id)
  }
  const [a, b, c, d] = docs
  const client = s.client(srv, d)
  await client.waitSynced()
  client.ytext.insert(0, 'live ')
  await waitFor(() => srv.storedDocument(d).text === 'live delta\n', 10000, 'the edit to be stored')

  let r = weft('check', '--data-dir', dataDir)
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /checked 4 document\(s\), 1 logged update\(s\)\nok: no problems found\n/)

  // Damage a copy (the sqlite3 CLI leaves foreign keys off, as a careless hand would).
  const copyDir = tmpDir('weft-copy-')
  r = weft('backup', '--data-dir', dataDir, '--to', path.join(copyDir, 'weft.db'))
  assert.equal(r.status, 0, r.stderr)
  const db = path.join(copyDir, 'weft.db')
  sqlite(db, `UPDATE documents SET content = 'tampered' WHERE id = ${a};` +
    `UPDATE documents SET yjs_state = X'ffffffffffffffffffffffffffffffff' WHERE id = ${b};` +
    `INSERT INTO document_updates (document_id, data) VALUES (${c}, X'ffffffffffffffff');` +
    'INSERT INTO document_updates (document_id, data) VALUES (9001, X\'0000\');' +
    'INSERT INTO document_updates (document_id, data) VALUES (9001, X\'0000\');' +
    "INSERT INTO document_members (document_id, user_id, role) SELECT 9002, MIN(id), 'editor' FROM users;" +
    "INSERT INTO document_versions (document_id, kind, state_vector, fingerprint, delta, size, users) VALUES (9003, 'auto', X'00', X'00', X'00', 0, '');" +
    "INSERT INTO project_folders (project_id, path) VALUES (9004, 'src');" +
    `UPDATE documents SET project_id = 9005, path = 'lost.txt' WHERE id = ${d};` +
    `UPDATE documents SET path = 'stray.txt' WHERE id = ${a};`)

  const find = (report, kind, table) => report.problems.filter((p) => p.kind === kind && p.table === table)
  r = weft('check', '--data-dir', copyDir, '--json')
  assert.equal(r.status, 1, r.stderr)
  let report = json(r)
  assert.equal(report.ok, false)
  assert.equal(report.documents, 4)
  assert.deepEqual(find(report, 'content_mismatch', 'documents.content').map((p) => [p.document_id, p.repairable]), [[a, true]])
  assert.deepEqual(find(report, 'state_undecodable', 'documents.yjs_state').map((p) => [p.document_id, p.repairable]), [[b, false]])
  assert.deepEqual(find(report, 'update_undecodable', 'document_updates.data').map((p) => p.document_id), [c])
  assert.deepEqual(find(report, 'orphan_rows', 'document_updates.document_id').map((p) => p.count), [2])
  assert.deepEqual(find(report, 'orphan_rows', 'document_members.document_id').map((p) => p.count), [1])
  assert.deepEqual(find(report, 'orphan_rows', 'document_versions.document_id').map((p) => p.count), [1])
  assert.deepEqual(find(report, 'orphan_rows', 'project_folders.project_id').map((p) => p.count), [1])
  assert.deepEqual(find(report, 'orphan_rows', 'documents.project_id').map((p) => [p.count, p.repairable]), [[1, false]])
  assert.deepEqual(find(report, 'file_path_mismatch', 'documents.path').map((p) => [p.document_id, p.detail, p.repairable]), [[a, 'a path but no project', false]])
  assert.equal(report.problems.length, 9, JSON.stringify(report.problems))
  assert.ok(report.problems.every((p) => !p.repaired))
  // The human-readable report says the same.
  r = weft('check', '--data-dir', copyDir)
  assert.equal(r.status, 1)
  assert.match(r.stdout, new RegExp(`problem   content_mismatch document ${a} \\(documents\\.content\\)`))
  assert.match(r.stdout, /9 problem\(s\) found, 0 repaired, 9 remaining \(5 repairable with --repair\)/)

  r = weft('check', '--data-dir', copyDir, '--repair', '--json')
  assert.equal(r.status, 1, 'problems that cannot be repaired remain')
  report = json(r)
  assert.deepEqual(report.problems.filter((p) => p.repaired).map((p) => p.table).sort(),
    ['document_members.document_id', 'document_updates.document_id', 'document_versions.document_id', 'documents.content', 'project_folders.project_id'])
  assert.equal(report.remaining, 4)
  assert.deepEqual(sqlite(db, `SELECT content FROM documents WHERE id = ${a}`), ['alpha'])
  assert.deepEqual(sqlite(db, 'SELECT COUNT(*) FROM document_updates WHERE document_id = 9001'), ['0'])

  r = weft('check', '--data-dir', copyDir, '--json')
  assert.equal(r.status, 1)
  report = json(r)
  assert.deepEqual(report.problems.map((p) => p.kind).sort(), ['file_path_mismatch', 'orphan_rows', 'state_undecodable', 'update_undecodable'])
  // The repair took nothing else: d's text and log as they were, c's undecodable row left alone.
  assert.equal(storedDocs(db, d).get(d).getText('content').toString(), 'live delta\n')
  assert.deepEqual(sqlite(db, `SELECT COUNT(*) FROM document_updates WHERE document_id = ${c}`), ['1'])

  r = weft('check', '--data-dir', path.join(copyDir, 'none'))
  assert.equal(r.status, 2)
  assert.match(r.stderr, /no such database/)
  fs.rmSync(copyDir, { recursive: true, force: true })
}))
