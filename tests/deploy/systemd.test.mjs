// systemd.test.mjs — deploy/systemd/weft.service with systemd's own tools: `systemd-analyze
// verify` in a temporary root that holds the unit, the binary at its ExecStart path (the build
// under test) and this machine's unit files (any complaint about weft.service fails, unknown keys
// included, which verify itself only warns about); `systemd-analyze security --offline` must rate
// it OK or better; the WEFT_* variables it sets must be real; the hardening the brief names is on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT, weftBin, unknownWeftNames } from './lib.mjs'

const UNIT = path.join(ROOT, 'deploy/systemd/weft.service')
const text = fs.readFileSync(UNIT, 'utf8')

function verify (unitText) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-systemd-'))
  try {
    const exec = unitText.match(/^ExecStart=(\S+)/m)[1]
    fs.mkdirSync(path.join(root, path.dirname(exec)), { recursive: true })
    try { fs.linkSync(weftBin(), path.join(root, exec)) } catch { fs.copyFileSync(weftBin(), path.join(root, exec)) }
    fs.mkdirSync(path.join(root, 'usr/lib/systemd'), { recursive: true })
    fs.cpSync('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), { recursive: true, dereference: true })
    fs.mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true })
    const unit = path.join(root, 'etc/systemd/system/weft.service')
    fs.writeFileSync(unit, unitText)
    const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, '--man=no', unit], { encoding: 'utf8' })
    const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('weft.service'))
    return { status: r.status, complaints }
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

test('systemd-analyze verify accepts deploy/systemd/weft.service', () => {
  assert.deepEqual(verify(text), { status: 0, complaints: [] })
})

test('systemd-analyze verify catches a misspelt key and a missing binary', () => {
  assert.ok(verify(text.replace('ProtectSystem=strict', 'ProtectSytem=strict')).complaints.some((l) => /Unknown key 'ProtectSytem'/.test(l)))
  const moved = verify(text.replace('ExecStart=/usr/local/bin/weft serve', 'ExecStart=/usr/local/bin/weft serve\nExecStartPre=/usr/bin/weft-nothing'))
  assert.ok(moved.complaints.some((l) => /weft-nothing is not executable/.test(l)), JSON.stringify(moved))
})

test('systemd-analyze security rates the unit OK or better', () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT], { encoding: 'utf8' })
  const m = `${r.stdout}${r.stderr}`.match(/Overall exposure level for weft\.service: ([\d.]+) (\w+)/)
  assert.ok(m, r.stdout + r.stderr)
  assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]} ${m[2]}`)
})

test('the hardening named in the brief is on, and the variables are weft\'s', () => {
  for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/weft', 'PrivateTmp=yes',
    'ProtectHome=yes', 'CapabilityBoundingSet=', 'User=weft', 'KillSignal=SIGTERM', 'Environment=WEFT_DATA_DIR=/var/lib/weft']) {
    assert.ok(text.split('\n').includes(line), `missing ${line}`)
  }
  const grace = Number(text.match(/^TimeoutStopSec=(\d+)/m)[1])
  assert.ok(grace >= 18, `TimeoutStopSec ${grace} is shorter than the drain`)
  const names = [...text.matchAll(/^Environment=(WEFT_[A-Z_]+)=/gm)].map((m) => m[1])
  assert.ok(names.length >= 2)
  assert.deepEqual(unknownWeftNames(names, 'weft.service'), [])
})
