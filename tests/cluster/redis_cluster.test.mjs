// redis_cluster.test.mjs — two instances exchanging edits over a Redis Cluster (three masters,
// three replicas; sharded pub/sub), with many documents spread over every shard, and a master
// killed with -9 while everyone types: its replica is promoted, the instances follow, and every
// document converges with nothing lost and no client disconnected.
//
// Run under tests/redis/with-redis-cluster.sh (WEFT_TEST_REDIS_CLUSTER_URL/_DIR) inside
// tests/postgres/with-postgres.sh, as scripts/test does; skipped without the cluster.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { scenario, waitFor, rng, seedFromEnv, parseMetrics, TEST_TIMEOUT } from '../server/harness.mjs'
import { cluster, typeMarkers, converged } from './harness.mjs'

const CLUSTER_URL = process.env.WEFT_TEST_REDIS_CLUSTER_URL
const CLUSTER_DIR = process.env.WEFT_TEST_REDIS_CLUSTER_DIR
const PORTS = CLUSTER_URL ? CLUSTER_URL.replace('redis://', '').split(',').map((n) => Number(n.split(':')[1])) : []

function cli (port, ...args) {
  return spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim()
}

// The port of the master owning a channel's slot: a node that does not own it answers MOVED.
function masterOf (channel) {
  for (const port of PORTS) {
    const r = cli(port, 'GET', channel)
    const moved = /MOVED \d+ [\d.]+:(\d+)/.exec(r)
    if (moved) return Number(moved[1])
    if (!r.startsWith('Could not connect')) return port
  }
  return null
}

function clusterOk () {
  return PORTS.every((p) => {
    const info = cli(p, 'CLUSTER', 'INFO')
    return info.startsWith('Could not connect') || info.includes('cluster_state:ok')
  })
}

test('a Redis Cluster: documents on every shard converge across instances, and a master killed mid-editing loses nothing', { timeout: TEST_TIMEOUT, skip: CLUSTER_URL ? false : 'run under tests/redis/with-redis-cluster.sh' }, (t) => scenario(t, async (s) => {
  await waitFor(clusterOk, 20000, 'the Redis Cluster to be ok')
  const r = rng(seedFromEnv())
  const { instances: [a, b] } = await cluster(s, { n: 2, redis: { url: CLUSTER_URL } })
  await waitFor(async () => (await a.get('/readyz')).status === 200 && (await b.get('/readyz')).status === 200, 10000, 'both instances ready')
  const metrics = parseMetrics((await a.get('/metrics')).body)
  assert.equal(metrics.weft_redis_shards, 3, 'three masters in use')

  // Twelve documents: their channels fall on every master.
  const docs = []
  for (let i = 0; i < 12; i++) docs.push(await a.newDoc())
  const owners = docs.map((id) => masterOf(`weft:doc:${id}`))
  assert.equal(new Set(owners).size, 3, `channels on every master: ${owners}`)
  const pairs = docs.map((id, i) => [s.client(a, id, { name: `a${i}` }), s.client(b, id, { name: `b${i}` })])
  await Promise.all(pairs.flat().map((c) => c.waitSynced()))
  const markers = pairs.map(() => [])
  const typeAll = async (count, label) => {
    for (const [i, pair] of pairs.entries()) markers[i].push(...await typeMarkers(pair, r, count, `${label}${i}-`))
  }
  await typeAll(3, 'before')
  await Promise.all(pairs.map((pair, i) => converged(pair, markers[i], `document ${i} before the failover`)))

  // kill -9 the master of the first document's channel, and keep typing everywhere.
  const victim = owners[0]
  const pid = Number(/process_id:(\d+)/.exec(cli(victim, 'INFO', 'server'))[1])
  process.kill(pid, 'SIGKILL')
  await typeAll(3, 'during')
  await waitFor(() => masterOf(`weft:doc:${docs[0]}`) !== victim, 20000, 'a replica to be promoted')
  await waitFor(async () => (await a.get('/readyz')).status === 200 && (await b.get('/readyz')).status === 200, 20000, 'both instances ready again after the failover')
  await typeAll(2, 'after')
  await Promise.all(pairs.map((pair, i) => converged(pair, markers[i], `document ${i} after the failover`)))
  for (const c of pairs.flat()) assert.deepEqual(c.serverCloses(), [], `${c.name} was not disconnected`)
  const after = parseMetrics((await b.get('/metrics')).body)
  assert.equal(after.weft_redis_shards, 3, 'three masters again, one of them promoted')

  // The killed node comes back (as a replica), so that the cluster is whole for what follows.
  assert.equal(spawnSync('redis-server', [`${CLUSTER_DIR}/${victim}/redis.conf`]).status, 0)
  await waitFor(clusterOk, 20000, 'the cluster to be ok with the node back')
}))
