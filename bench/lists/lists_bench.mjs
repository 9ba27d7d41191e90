// lists_bench.mjs — costs that stay flat as the data grows (wave 2 · 5, docs/BENCHMARKS.md
// "Lists"): a real `weft serve` on loopback over a database seeded with --documents standalone
// documents of --users users (SQLite in a temp dir, or PostgreSQL with --postgres URL), then
//   startup  from spawning the server to /readyz answering 200, with every row in place;
//   pages    GET /api/documents pages as --sample signed-in users read them, one request at a time:
//            the first page of each filter (all, mine, shared, public), pages deep in the public
//            list (following next_cursor --depth pages), a title search that matches many and one
//            that matches none; and the whole unpaginated array (the first wave's response) for
//            comparison.
// The seed is written with SQL straight into the tables the server made (sqlite3 / psql): 10 % of
// the documents public, each user a member of 5 others' documents, updated_at spread over a year,
// titles from a small vocabulary. Tokens are signed here with the server's --jwt-secret for a
// sign-in row per sampled user. Times are what fetch sees (server, HTTP and JSON); prints a
// Markdown table and, last, one JSON line.
//
//   node bench/lists/lists_bench.mjs [--weft build/bin/weft] [--postgres URL] [--users 10000]
//                                    [--documents 100000] [--sample 100] [--depth 20] [--limit 50]
//                                    [--keep]  (the data directory stays, for EXPLAIN)
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { REPO, args, freePort, opt, stats } from '../common.mjs'

const WEFT = path.resolve(REPO, opt('weft', 'build/bin/weft'))
const POSTGRES = opt('postgres', null)
const USERS = Number(opt('users', 10000))
const DOCUMENTS = Number(opt('documents', 100000))
const SAMPLE = Math.min(Number(opt('sample', 100)), USERS)
const DEPTH = Number(opt('depth', 20))
const LIMIT = Number(opt('limit', 50))
const SECRET = 'lists-bench-secret-0123456789abcdef0123456789'

const b64url = (s) => Buffer.from(s).toString('base64url')
function token (userId) {
  const now = Math.floor(Date.now() / 1000)
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64url(JSON.stringify({ sub: String(userId), name: `user${userId}`, iat: now, exp: now + 86400, sid: userId, tv: 0 }))
  const sig = crypto.createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')
  return `${head}.${body}.${sig}`
}

// The seed, in each dialect. Document i belongs to user 1 + (i - 1) % USERS; user u is a member of
// the documents ((u * 7919 + k * 104729) % DOCUMENTS) + 1 for k < 5 that are not their own.
const WORDS = ['main', 'utils', 'parser', 'server', 'client', 'notes', 'README', 'config', 'test', 'index',
  'schema', 'router', 'model', 'view', 'styles', 'worker', 'queue', 'cache', 'auth', 'report']
function seedSql (dialect) {
  if (dialect === 'postgres') {
    return `
BEGIN;
INSERT INTO users (id, username, email, password_hash)
  SELECT i, 'user' || i, 'user' || i || '@example.com', 'x' FROM generate_series(1, ${USERS}) i;
SELECT setval('users_id_seq', ${USERS});
INSERT INTO documents (id, title, owner_id, is_public, language, created_at, updated_at)
  SELECT i, (ARRAY[${WORDS.map((w) => `'${w}'`).join(', ')}])[1 + i % ${WORDS.length}] || '_' || i || '.py',
         1 + (i - 1) % ${USERS}, i % 10 = 0, 'python', now() - interval '400 days',
         now() - (random() * interval '365 days')
  FROM generate_series(1, ${DOCUMENTS}) i;
SELECT setval('documents_id_seq', ${DOCUMENTS});
INSERT INTO document_members (document_id, user_id, role)
  SELECT DISTINCT ((u::bigint * 7919 + k * 104729) % ${DOCUMENTS}) + 1, u, CASE WHEN k % 2 = 0 THEN 'editor' ELSE 'viewer' END
  FROM generate_series(1, ${USERS}) u, generate_series(0, 4) k
  WHERE 1 + (((u::bigint * 7919 + k * 104729) % ${DOCUMENTS})) % ${USERS} <> u
  ON CONFLICT DO NOTHING;
INSERT INTO auth_sessions (id, user_id) SELECT i, i FROM generate_series(1, ${SAMPLE}) i;
SELECT setval('auth_sessions_id_seq', ${SAMPLE});
COMMIT;
ANALYZE;
`
  }
  return `
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${USERS})
INSERT INTO users (id, username, email, password_hash) SELECT i, 'user' || i, 'user' || i || '@example.com', 'x' FROM n;
CREATE TEMP TABLE words (k INTEGER PRIMARY KEY, w TEXT);
INSERT INTO words (k, w) VALUES ${WORDS.map((w, k) => `(${k}, '${w}')`).join(', ')};
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${DOCUMENTS})
INSERT INTO documents (id, title, owner_id, is_public, language, created_at, updated_at)
  SELECT i, (SELECT w FROM words WHERE k = i % ${WORDS.length}) || '_' || i || '.py',
         1 + (i - 1) % ${USERS}, i % 10 = 0, 'python',
         strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-400 days'),
         strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d.%03d seconds', abs(random()) % 31536000, abs(random()) % 1000))
  FROM n;
WITH RECURSIVE u(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM u WHERE i < ${USERS}),
  k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 4)
INSERT OR IGNORE INTO document_members (document_id, user_id, role)
  SELECT ((u.i * 7919 + k.j * 104729) % ${DOCUMENTS}) + 1, u.i, CASE WHEN k.j % 2 = 0 THEN 'editor' ELSE 'viewer' END
  FROM u, k WHERE 1 + (((u.i * 7919 + k.j * 104729) % ${DOCUMENTS})) % ${USERS} <> u.i;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${SAMPLE})
INSERT INTO auth_sessions (id, user_id) SELECT i, i FROM n;
COMMIT;
ANALYZE;
`
}

function runSql (dir, sql) {
  const r = POSTGRES
    ? spawnSync('psql', [POSTGRES, '-q', '-v', 'ON_ERROR_STOP=1'], { input: sql, encoding: 'utf8' })
    : spawnSync('sqlite3', ['-bail', path.join(dir, 'weft.db')], { input: sql, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`seeding failed: ${r.stderr}`)
}

async function startServer (dir) {
  const port = await freePort()
  const flags = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir, '--log-level', 'warn',
    '--jwt-secret', SECRET, '--api-rate-limit', '0']
  if (POSTGRES) flags.push('--database', POSTGRES)
  const started = performance.now()
  const child = spawn(WEFT, flags, { stdio: ['ignore', 'inherit', 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${url}/readyz`)).ok) break } catch {}
    if (i > 2000) throw new Error('weft did not become ready')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const ready = performance.now() - started
  const stop = () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM') })
  return { url, ready, stop }
}

async function main () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-lists-bench-'))
  try {
    // The schema: the server's migrations, run by starting it once.
    const first = await startServer(dir)
    await first.stop()
    const seedStart = performance.now()
    runSql(dir, seedSql(POSTGRES ? 'postgres' : 'sqlite'))
    const seedMs = performance.now() - seedStart

    const startups = []
    for (let i = 0; i < 3; i++) {
      const s = await startServer(dir)
      startups.push(s.ready)
      await s.stop()
    }
    const srv = await startServer(dir)
    const times = {}
    const note = (kind, ms) => { (times[kind] ??= []).push(ms) }
    const get = async (tok, query) => {
      const t0 = performance.now()
      const r = await fetch(`${srv.url}/api/documents${query}`, { headers: { authorization: `Bearer ${tok}` } })
      const body = await r.json()
      const ms = performance.now() - t0
      if (r.status !== 200) throw new Error(`GET /api/documents${query}: ${r.status} ${JSON.stringify(body)}`)
      return { ms, body }
    }
    let publicSeen = 0
    let wholeLength = 0
    try {
      const tokens = Array.from({ length: SAMPLE }, (_, i) => token(i + 1))
      // A warm-up request per user (a sign-in's first use notes its last_seen_at: a write), then
      // the measured ones.
      for (const tok of tokens) await get(tok, '?limit=1')
      for (const tok of tokens) {
        for (const filter of ['all', 'mine', 'shared', 'public']) {
          const { ms, body } = await get(tok, `?filter=${filter}&limit=${LIMIT}`)
          note(`first page, ${filter}`, ms)
          if (filter === 'all' && body.documents.length !== LIMIT) throw new Error('a short first page')
        }
        let cursor = null
        for (let page = 0; page < DEPTH; page++) {
          const { ms, body } = await get(tok, `?filter=public&limit=${LIMIT}${cursor ? `&cursor=${cursor}` : ''}`)
          if (page > 0) note(`public, pages 2–${DEPTH}`, ms)
          publicSeen += body.documents.length
          cursor = body.next_cursor
          if (cursor === null) break
        }
        note('title search, 1 in 20 titles match ("schem")', (await get(tok, `?q=schem&limit=${LIMIT}`)).ms)
        note('title search, none match', (await get(tok, `?q=no-such-title&limit=${LIMIT}`)).ms)
      }
      for (const tok of tokens.slice(0, 10)) {
        const { ms, body } = await get(tok, '')
        wholeLength = body.length
        note('the whole list, unpaginated', ms)
      }
    } finally {
      await srv.stop()
    }
    const rows = Object.entries(times).map(([kind, ms]) => ({ kind, ...stats(ms) }))
    const backend = POSTGRES ? 'PostgreSQL' : 'SQLite'
    const f = (x) => x.toFixed(2)
    console.log(`\n${backend}: ${DOCUMENTS.toLocaleString('en')} documents, ${USERS.toLocaleString('en')} users (seeded in ${(seedMs / 1000).toFixed(1)} s); ${SAMPLE} users sampled, pages of ${LIMIT}\n`)
    console.log('| request | n | p50 ms | p99 ms | max ms |')
    console.log('|---|---:|---:|---:|---:|')
    for (const r of rows) console.log(`| ${r.kind} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} |`)
    console.log(`| startup to /readyz | ${startups.length} | ${f(stats(startups).p50)} | — | ${f(stats(startups).max)} |`)
    console.log(`\n(the unpaginated list held ${wholeLength.toLocaleString('en')} documents; ${publicSeen.toLocaleString('en')} public rows read through cursors)`)
    console.log(JSON.stringify({ backend, documents: DOCUMENTS, users: USERS, sample: SAMPLE, limit: LIMIT, depth: DEPTH, seed_ms: seedMs, startup_ms: startups, whole_length: wholeLength, rows }))
  } finally {
    if (args.includes('--keep')) console.error(`kept ${dir}`)
    else if (!POSTGRES) fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
