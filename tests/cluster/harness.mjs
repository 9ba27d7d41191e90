// harness.mjs — what the cluster tests share: a Redis the test can stop and start again, and
// instances of `weft serve` on one fresh PostgreSQL database and one Redis, signing tokens with
// one secret (so a token from one instance is good on every other).
//
// Run under tests/postgres/with-postgres.sh (WEFT_TEST_POSTGRES_URL); Redis is started here, on
// loopback, in a temp directory, and stopped by PID.
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import { freshPostgresDatabase, waitFor, freePort, tmpDir } from '../server/harness.mjs'

export const SECRET = crypto.randomBytes(32).toString('hex')

// A redis-server on a fixed port that the test can stop and start again.
export class Redis {
  // password: requirepass (the URL then carries it, %-escaped).
  constructor (port, { password = null } = {}) {
    this.port = port
    this.password = password
    this.url = password ? `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`
    this.dir = tmpDir('weft-cluster-redis-')
  }

  async start () {
    const auth = this.password ? ['--requirepass', this.password] : []
    this.proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir,
      '--save', '', '--appendonly', 'no', ...auth], { stdio: 'ignore' })
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve))
    const cli = ['-p', String(this.port), ...(this.password ? ['-a', this.password, '--no-auth-warning'] : []), 'ping']
    await waitFor(() => spawnSync('redis-cli', cli, { encoding: 'utf8' }).stdout.includes('PONG'),
      10000, 'redis-server to answer PING')
  }

  async stop () {
    if (!this.proc) return
    this.proc.kill('SIGKILL')
    await this.exited
    this.proc = null
  }
}

// A Redis for one test (s: the harness's scenario), stopped when the test ends.
export async function startRedis (s, opts = {}) {
  const redis = new Redis(await freePort(), opts)
  await redis.start()
  s.onCleanup(() => redis.stop())
  return redis
}

// n instances (weft-a, weft-b, …) on one new database and one Redis; flags go to every instance.
export async function cluster (s, { n = 3, redis, flags = {} } = {}) {
  const database = freshPostgresDatabase()
  const instances = []
  for (let i = 0; i < n; i++) {
    instances.push(await s.server({ database, redis: redis.url, 'jwt-secret': SECRET, 'instance-id': `weft-${'abc'[i]}`, ...flags }))
  }
  return { database, instances }
}

// Each client types `count` unique markers at random marker boundaries (never inside another
// marker, so each stays findable); returns the markers.
export async function typeMarkers (clients, r, count, label) {
  const markers = []
  for (let k = 0; k < count; k++) {
    for (const [i, c] of clients.entries()) {
      const m = `<${label}${i}.${k}>`
      const text = c.text()
      const boundaries = [0]
      for (let p = text.indexOf('>'); p !== -1; p = text.indexOf('>', p + 1)) boundaries.push(p + 1)
      c.ytext.insert(boundaries[r.int(boundaries.length)], m)
      markers.push(m)
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  return markers
}

export async function converged (clients, markers, what) {
  await waitFor(() => {
    const t = clients[0].text()
    return clients.every((c) => c.text() === t) && markers.every((m) => t.includes(m))
  }, 20000, what, () => {
    // Per client: connected and synced, how much it lacks, how long since its last message, how
    // often it failed to reconnect, and the closes it saw.
    const now = Date.now()
    const rows = clients.map((c) => {
      const t = c.text()
      const p = c.provider
      const lacks = markers.filter((m) => !t.includes(m)).length
      return `${c.name}: ${p.wsconnected ? 'connected' : 'disconnected'}${p.synced ? ' synced' : ''}, ${t.length} chars, ` +
        `lacks ${lacks}, last message ${p.wsLastMessageReceived ? now - p.wsLastMessageReceived : '-'} ms ago, ` +
        `failed reconnects ${p.wsUnsuccessfulReconnects}, closes ${JSON.stringify(c.closes.map((x) => x?.code ?? null))}`
    })
    return `missing on ${clients[0].name}: ${JSON.stringify(markers.filter((m) => !clients[0].text().includes(m)).slice(0, 5))}\n${rows.join('\n')}`
  })
}
