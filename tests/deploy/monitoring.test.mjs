// monitoring.test.mjs — /metrics and what watches it, with Prometheus' own tools (Debian's
// `prometheus` package): a live scrape of a server that has served two editors passes `promtool
// check metrics` and holds the families the design lists (fan-out and handshake histograms with
// samples, process_*, weft_build_info, database and bus up); deploy/prometheus/alerts.yml passes
// `promtool check rules` and its unit tests (`promtool test rules alerts.test.yml`), prometheus.yml
// `promtool check config`; every metric the Grafana dashboard and the alerts query exists in the
// scrape; and a real Prometheus, started on loopback, scrapes the server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { scenario, waitFor, freePort, tmpDir, parseMetrics, TEST_TIMEOUT } from '../server/harness.mjs'
import { ROOT } from './lib.mjs'

const PROM = path.join(ROOT, 'deploy/prometheus')

function promtool (args, input) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', input, cwd: PROM })
  if (r.error) throw r.error
  return r
}

// Metric names an expression uses (weft_* and process_*, and up).
const namesIn = (expr) => [...expr.matchAll(/\b((?:weft|process)_[a-z_]+)\b/g)].map((m) => m[1])

test('/metrics after real traffic: promtool check metrics, the design\'s families, and everything the dashboard and alerts query', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const id = (await srv.api('POST', '/api/documents', { body: { title: 'watched' } })).json.id
  const a = s.client(srv, id, { name: 'a' })
  const b = s.client(srv, id, { name: 'b' })
  await Promise.all([a.waitSynced(), b.waitSynced()])
  for (let i = 0; i < 20; i++) a.ytext.insert(a.ytext.length, `${i} `)
  await waitFor(() => b.text() === a.text(), 5000, 'b to receive a\'s edits')

  const r = await srv.get('/metrics')
  assert.equal(r.status, 200)
  const check = promtool(['check', 'metrics'], r.body)
  assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`)
  assert.equal((check.stdout + check.stderr).trim(), '', `promtool lint:\n${check.stdout}${check.stderr}`)

  const m = parseMetrics(r.body)
  assert.ok(m.weft_fanout_seconds_count >= 20, `fan-out samples: ${m.weft_fanout_seconds_count}`)
  assert.ok(m.weft_websocket_handshake_seconds_count >= 2, `handshakes: ${m.weft_websocket_handshake_seconds_count}`)
  assert.equal(m.weft_database_up, 1)
  assert.equal(m.weft_bus_up, 1)
  assert.equal(m.weft_draining, 0)
  assert.equal(m.weft_connections, 2)
  assert.ok(m.process_resident_memory_bytes > 1e6)
  assert.ok(m.process_open_fds > 0 && m.process_max_fds >= m.process_open_fds)
  assert.ok(Math.abs(m.process_start_time_seconds - Date.now() / 1000) < 600, `start time ${m.process_start_time_seconds}`)
  assert.match(r.body, /^weft_build_info\{[^}]*version="\d+\.\d+\.\d+"[^}]*\} 1$/m)
  assert.match(r.body, new RegExp(`^weft_document_users\\{document="${id}"\\} 2$`, 'm'))

  // Everything queried exists (a histogram by its _bucket series).
  const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/weft.json'), 'utf8'))
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr))
  assert.ok(exprs.length >= 10, `${exprs.length} dashboard queries`)
  const alerts = fs.readFileSync(path.join(PROM, 'alerts.yml'), 'utf8')
  exprs.push(...[...alerts.matchAll(/^\s*expr: (.*)$/gm)].map((x) => x[1]))
  for (const name of new Set(exprs.flatMap(namesIn))) {
    assert.ok(name in m, `${name} is queried (dashboard or alerts) but not on /metrics`)
  }
}))

test('alerts.yml passes promtool check rules and its unit tests; prometheus.yml passes check config', () => {
  const rules = promtool(['check', 'rules', 'alerts.yml'])
  assert.equal(rules.status, 0, rules.stdout + rules.stderr)
  assert.match(rules.stdout, /SUCCESS: 7 rules found/)
  const unit = promtool(['test', 'rules', 'alerts.test.yml'])
  assert.equal(unit.status, 0, unit.stdout + unit.stderr)
  assert.match(unit.stdout, /SUCCESS/)
  const config = promtool(['check', 'config', 'prometheus.yml'])
  assert.equal(config.status, 0, config.stdout + config.stderr)
})

test('a real Prometheus scrapes a test instance', { timeout: TEST_TIMEOUT }, (t) => scenario(t, async (s) => {
  const srv = await s.server()
  const dir = tmpDir('weft-prometheus-')
  const port = await freePort()
  fs.copyFileSync(path.join(PROM, 'alerts.yml'), path.join(dir, 'alerts.yml'))
  const config = fs.readFileSync(path.join(PROM, 'prometheus.yml'), 'utf8')
    .replace(/scrape_interval: 15s/, 'scrape_interval: 1s')
    .replace(/targets: \[[^\]]*\]/, `targets: ["127.0.0.1:${srv.port}"]`)
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config)
  const prom = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  prom.stderr.on('data', (c) => { log += c.toString() })
  const exited = new Promise((resolve) => prom.on('exit', resolve))
  s.onCleanup(async () => { prom.kill('SIGTERM'); await exited; fs.rmSync(dir, { recursive: true, force: true }) })
  const query = async (q) => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`)
    return r.ok ? (await r.json()).data.result : []
  }
  let up = []
  await waitFor(async () => {
    up = await query('up{job="weft"}').catch(() => [])
    return up.length === 1 && up[0].value[1] === '1'
  }, 30000, 'Prometheus to scrape the instance', () => `up: ${JSON.stringify(up)}\n${log.slice(-2000)}`)
  const info = await query('weft_build_info')
  assert.equal(info.length, 1)
  assert.equal(info[0].metric.job, 'weft')
  const rules = await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()
  assert.equal(rules.data.groups[0].rules.length, 7, 'the alert rules are loaded')
}))
