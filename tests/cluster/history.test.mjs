// history.test.mjs — document history when two instances serve one document (PostgreSQL and
// Redis shared): each instance captures the state once the document is quiet, both capture the
// same state, and the store must keep one version of it — no duplicate (two consecutive versions
// of one state), no missing one (a quiet period without a version of what was typed before it),
// and the version's users are everyone who edited, on either instance. The same for the captures
// both make when the room unloads and when they shut down.
//
// Run under tests/postgres/with-postgres.sh, like cluster.test.mjs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { scenario, waitFor, TEST_TIMEOUT, Y } from '../server/harness.mjs'
import { SECRET, startRedis, cluster } from './harness.mjs'

const QUIET = 800

async function versions (srv, id) {
  const r = await srv.api('GET', `/api/documents/${id}/versions?limit=200`)
  assert.equal(r.status, 200, r.text)
  return r.json.versions
}

async function versionText (srv, id, vid) {
  const r = await srv.api('GET', `/api/documents/${id}/versions/${vid}/content`)
  assert.equal(r.status, 200, r.text)
  return r.text
}

const captured = async (srv) => (await srv.metrics()).weft_versions_captured_total ?? 0

// Types `text` one character at a time, each right after the one before (the first at the end of
// the text), yielding between keystrokes: one update each, sent at once — a burst with no quiet
// moment in it. Another client typing at the same time does not split the run.
async function type (client, text) {
  let at = Y.createRelativePositionFromTypeIndex(client.ytext, client.ytext.length, -1)
  for (const ch of text) {
    const index = Y.createAbsolutePositionFromRelativePosition(at, client.doc).index
    client.ytext.insert(index, ch)
    at = Y.createRelativePositionFromTypeIndex(client.ytext, index + 1, -1)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

// Oldest first: {id, text, users (usernames, sorted)} of every version, as instance `srv` lists
// them.
async function history (srv, id) {
  const list = (await versions(srv, id)).reverse()
  const out = []
  for (const v of list) out.push({ id: v.id, text: await versionText(srv, id, v.id), users: v.users.map((u) => u.username).sort() })
  return out
}

test('two instances, a typist on each: one version per quiet period, the same list on both', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const redis = await startRedis(s)
  const { instances: [a, b] } = await cluster(s, { n: 2, redis, flags: { 'history-quiet-ms': QUIET, 'history-max-interval-ms': 60000 } })
  const bob = await a.account('bob')
  const id = await a.newDoc()
  const ca = s.client(a, id, { name: 'harness-on-a' })
  const cb = s.client(b, id, { name: 'bob-on-b', token: bob.token })
  await Promise.all([ca.waitSynced(), cb.waitSynced()])

  // Who types in each burst, and the usernames its version must carry.
  const bursts = [
    { typists: [[ca, 'alpha on a\n']], users: ['harness'] },
    { typists: [[cb, 'beta on b\n']], users: ['bob'] },
    { typists: [[ca, 'gamma a\n'], [cb, 'gamma b\n']], users: ['bob', 'harness'] },
    { typists: [[cb, 'delta b\n'], [ca, 'delta a\n']], users: ['bob', 'harness'] }
  ]
  const snapshots = []
  for (const [k, burst] of bursts.entries()) {
    const before = [await captured(a), await captured(b)]
    await Promise.all(burst.typists.map(([c, text]) => type(c, text)))
    await waitFor(() => ca.text() === cb.text() && burst.typists.every(([, text]) => ca.text().includes(text)),
      10000, `burst ${k}: both clients to converge`, () => JSON.stringify([ca.text(), cb.text()]))
    snapshots.push(ca.text())
    // The quiet period: both instances capture (the second one's capture is of the same state).
    await waitFor(async () => (await captured(a)) > before[0] && (await captured(b)) > before[1],
      15000, `burst ${k}: a capture on each instance once quiet`)
  }

  const fromA = await history(a, id)
  const fromB = await history(b, id)
  assert.deepEqual(fromB, fromA, 'both instances list the same versions')
  for (let i = 1; i < fromA.length; i++) {
    assert.notEqual(fromA[i].text, fromA[i - 1].text, `versions ${fromA[i - 1].id} and ${fromA[i].id} are one state twice`)
  }
  assert.deepEqual(fromA.map((v) => v.text), snapshots, 'one version per quiet period, holding what was typed before it')
  assert.deepEqual(fromA.map((v) => v.users), bursts.map((x) => x.users), 'each version\'s users are who typed in its burst')
}))

test('two instances capturing one state at unload, and again at shutdown, make one version each time', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const redis = await startRedis(s)
  // No capture on quiet: only the unload and the shutdown capture.
  const flags = { 'history-quiet-ms': 600000, 'history-max-interval-ms': 0, 'room-grace-ms': 100 }
  const { database, instances: [a, b] } = await cluster(s, { n: 2, redis, flags })
  const bob = await a.account('bob')

  const edit = async (id, suffix) => {
    const ca = s.client(a, id, { name: `harness-on-a-${suffix}` })
    const cb = s.client(b, id, { name: `bob-on-b-${suffix}`, token: bob.token })
    await Promise.all([ca.waitSynced(), cb.waitSynced()])
    await type(ca, `from a ${suffix}\n`)
    // b types once it has all of a's line (typing at its end before the rest of a's arrives would
    // interleave the two lines: converged, but not what the check below looks for).
    await waitFor(() => cb.text().includes(`from a ${suffix}\n`), 10000, `${suffix}: b to have a's line`)
    await type(cb, `from b ${suffix}\n`)
    await waitFor(() => ca.text() === cb.text() && ca.text().includes(`from a ${suffix}`) && ca.text().includes(`from b ${suffix}`),
      10000, `${suffix}: both clients to converge`, () => JSON.stringify({ a: ca.text(), b: cb.text(), closesA: ca.closes, closesB: cb.closes }))
    return { ca, cb, text: ca.text() }
  }

  // Unload: both clients leave, each room unloads after the grace period and captures.
  const unloaded = await a.newDoc()
  const before = [await captured(a), await captured(b)]
  const u = await edit(unloaded, 'unload')
  u.ca.destroy()
  u.cb.destroy()
  await waitFor(async () => (await captured(a)) > before[0] && (await captured(b)) > before[1],
    15000, 'a capture on each instance as the room unloads')
  let list = await history(a, unloaded)
  assert.deepEqual(list.map((v) => v.text), [u.text], `one version of the state both unloaded: ${JSON.stringify(list)}`)
  assert.deepEqual(list[0].users, ['bob', 'harness'])
  assert.equal((await versions(a, unloaded))[0].kind, 'auto')

  // Shutdown: both instances stop at once with the clients still connected.
  const shut = await a.newDoc()
  const sd = await edit(shut, 'shutdown')
  await Promise.all([a.stop(), b.stop()])
  const fresh = await s.server({ database, redis: redis.url, 'jwt-secret': SECRET, 'instance-id': 'weft-fresh', ...flags })
  list = await history(fresh, shut)
  assert.deepEqual(list.map((v) => v.text), [sd.text], `one version of the state both shut down with: ${JSON.stringify(list)}`)
  assert.deepEqual(list[0].users, ['bob', 'harness'])
  assert.deepEqual((await history(fresh, unloaded)).map((v) => v.text), [u.text], 'the unload\'s version is still the only one')
}))
