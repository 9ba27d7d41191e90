// dockerfile.mjs — the Dockerfile's recipe run on this machine, which has no container engine
// (scripts/check-dockerfile, tests/deploy/dockerfile.test.mjs).
//
// parseDockerfile reads the instructions; dryCheck says what is wrong with them without running
// anything (two stages on Debian 12, every RUN a script of deploy/container/, COPY sources that
// exist and are not .dockerignored, exec-form ENTRYPOINT/CMD/HEALTHCHECK so SIGTERM reaches weft,
// a numeric non-root USER, real WEFT_* names, the runtime packages exactly the binary's
// libraries); runRecipe executes the steps in a temporary root: the build stage's RUN (with
// WEFT_CONTAINER_PREBUILT, the existing build, unless full), the runtime stage's RUN in check mode
// (WEFT_SETUP_CHECK_ROOT), the COPYs, then ENTRYPOINT + CMD as the image's USER with the image's
// ENV (absolute paths moved under the root, a free port on loopback), the HEALTHCHECK command
// until it passes, a few requests, SIGTERM and exit 0.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT, freePort, unknownWeftNames, waitFor } from './lib.mjs'

// Instructions in order: {instr, args, line}; continuation lines joined, comments dropped.
export function parseDockerfile (text) {
  const out = []
  let cur = null
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd()
    if (/^\s*#/.test(line) || (cur === null && line.trim() === '')) return
    const cont = line.endsWith('\\')
    const body = cont ? line.slice(0, -1) : line
    if (cur === null) cur = { text: body.trim(), line: i + 1 }
    else cur.text += ' ' + body.trim()
    if (!cont) {
      const m = cur.text.match(/^(\w+)\s*(.*)$/)
      out.push({ instr: m[1].toUpperCase(), args: m[2].trim(), line: cur.line })
      cur = null
    }
  })
  if (cur) throw new Error(`line ${cur.line}: continuation at the end of the file`)
  return out
}

// Stages: [{from, name, steps}] split at FROM.
export function stages (instrs) {
  const out = []
  for (const ins of instrs) {
    if (ins.instr === 'FROM') {
      const m = ins.args.match(/^(\S+)(?:\s+AS\s+(\S+))?$/i)
      out.push({ from: m[1], name: m[2] ?? null, steps: [], line: ins.line })
    } else if (out.length) out[out.length - 1].steps.push(ins)
    else throw new Error(`line ${ins.line}: ${ins.instr} before FROM`)
  }
  return out
}

// Words of a shell-ish string, double quotes respected (enough for ENV and COPY).
function words (s) {
  return [...s.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2])
}

const execForm = (args) => { try { const v = JSON.parse(args); return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null } catch { return null } }

export function envOf (steps) {
  const env = {}
  for (const s of steps.filter((x) => x.instr === 'ENV')) {
    const w = words(s.args)
    if (w.length && !w[0].includes('=')) env[w[0]] = s.args.slice(s.args.indexOf(w[0]) + w[0].length).trim()
    else for (const kv of w) { const i = kv.indexOf('='); env[kv.slice(0, i)] = kv.slice(i + 1) }
  }
  return env
}

// COPY [--from=X] [--chown=…] src… dest
function copyOf (step) {
  const w = execForm(step.args) ?? words(step.args)
  const flags = {}
  while (w.length && w[0].startsWith('--')) { const [k, v] = w.shift().slice(2).split('='); flags[k] = v }
  return { from: flags.from ?? null, srcs: w.slice(0, -1), dest: w[w.length - 1] }
}

// HEALTHCHECK [--opt=v…] CMD …
function healthcheckOf (step) {
  const m = step.args.match(/^((?:--[\w-]+=\S+\s+)*)CMD\s+(.*)$/)
  if (!m) return null
  const opts = Object.fromEntries(words(m[1]).map((o) => o.slice(2).split('=')))
  return { opts, cmd: execForm(m[2]), raw: m[2] }
}

// .dockerignore patterns → a predicate on context-relative paths (Docker's rules: a pattern that
// matches a directory excludes what is under it; `**` spans directories; later `!` re-includes).
export function dockerignore (text) {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const neg = l.startsWith('!')
    const p = path.posix.normalize((neg ? l.slice(1) : l).replace(/^\/+/, ''))
    const re = p.split(/(\*\*\/|\*\*|\*|\?)/).map((t) => t === '**/' ? '(?:.*/)?' : t === '**' ? '.*' : t === '*' ? '[^/]*'
      : t === '?' ? '[^/]' : t.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('')
    return { neg, re: new RegExp(`^${re}(?:/.*)?$`) }
  })
  return (rel) => {
    let ignored = false
    for (const r of rules) if (r.re.test(rel)) ignored = !r.neg
    return ignored
  }
}

// The files of the build context: what git has or would have (tracked + untracked, not ignored),
// less .dockerignore.
export function contextFiles (root = ROOT) {
  const r = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`git ls-files: ${r.stderr}`)
  const ignored = dockerignore(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8'))
  return r.stdout.split('\0').filter((f) => f && !ignored(f) && fs.existsSync(path.join(root, f)))
}

// The Debian packages that ship the shared libraries the dynamic linker finds for `names`
// (name → package, or missing). dpkg names a file by the path its package ships, /lib/… or
// /usr/lib/… (merged /usr): both are asked, in one dpkg -S.
function libraryPackages (names) {
  const cache = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout.split('\n')
  const candidates = new Map()
  for (const name of names) {
    const line = cache.find((l) => l.trim().startsWith(name + ' ') && l.includes('x86-64'))
    if (!line) continue
    const file = line.split('=> ')[1].trim()
    const real = fs.realpathSync(file)
    candidates.set(name, new Set([file, real, file.replace(/^\/usr/, ''), `/usr${file}`, real.replace(/^\/usr/, '')]))
  }
  const all = [...new Set([...candidates.values()].flatMap((c) => [...c]))]
  const owner = new Map()
  for (const line of spawnSync('dpkg', ['-S', ...all], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = line.match(/^([^:,]+)(?::[\w-]+)?: (.+)$/)
    if (m) owner.set(m[2], m[1])
  }
  return new Map(names.map((n) => [n, [...(candidates.get(n) ?? [])].map((f) => owner.get(f)).find(Boolean) ?? null]))
}

// The NEEDED libraries of a binary, sanitizer runtimes (a build-san binary) left out.
export function neededLibraries (bin) {
  const r = spawnSync('readelf', ['-d', bin], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`readelf ${bin}: ${r.stderr}`)
  return [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
    .filter((l) => !/^lib(asan|ubsan|lsan|tsan)\.so/.test(l))
}

export function runtimePackages (text = fs.readFileSync(path.join(ROOT, 'deploy/container/runtime-packages'), 'utf8')) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
}

// Problems with the runtime package list against a binary: a library no listed package provides,
// a listed package that provides none of them, a -dev package.
export function packageProblems (bin, packages) {
  const problems = []
  const providers = new Map()
  const libs = neededLibraries(bin)
  const owners = libraryPackages(libs)
  for (const lib of libs) {
    const p = owners.get(lib)
    if (!p) problems.push(`${lib}: no Debian package provides it here`)
    else providers.set(p, [...(providers.get(p) ?? []), lib])
  }
  for (const [p, libs] of providers) if (!packages.includes(p)) problems.push(`runtime-packages lacks ${p} (${libs.join(', ')})`)
  for (const p of packages) {
    if (p.endsWith('-dev')) problems.push(`runtime-packages: ${p} is a -dev package`)
    else if (!providers.has(p)) problems.push(`runtime-packages: ${p} provides no library of ${path.basename(bin)}`)
  }
  return problems
}

// What is wrong with the Dockerfile, without running anything. `text` and `ignoreText` default to
// the repository's files (the tests pass broken copies).
export function dryCheck ({ text, ignoreText } = {}) {
  text ??= fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
  ignoreText ??= fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  const problems = []
  const ignored = dockerignore(ignoreText)
  let st
  try { st = stages(parseDockerfile(text)) } catch (e) { return [e.message] }
  if (st.length !== 2) return [`expected 2 stages (build, runtime), found ${st.length}`]
  const [build, run] = st
  if (build.from !== 'debian:12' || build.name !== 'build') problems.push(`build stage: FROM ${build.from} AS ${build.name}, expected debian:12 AS build`)
  if (run.from !== 'debian:12-slim') problems.push(`runtime stage: FROM ${run.from}, expected debian:12-slim`)
  const uid = fs.readFileSync(path.join(ROOT, 'deploy/container/setup-runtime'), 'utf8').match(/^UID_GID=(\d+)$/m)?.[1]

  for (const stage of st) {
    const copied = new Map() // absolute destination dir → repository files copied there
    let buildDest = null
    for (const s of stage.steps) {
      const at = `Dockerfile:${s.line}`
      if (s.instr === 'COPY' || s.instr === 'ADD') {
        if (s.instr === 'ADD') { problems.push(`${at}: ADD; use COPY`); continue }
        const c = copyOf(s)
        if (c.from) continue
        for (const src of c.srcs) {
          const rel = path.posix.normalize(src)
          if (rel !== '.' && !fs.existsSync(path.join(ROOT, rel))) problems.push(`${at}: COPY ${src}: no such file`)
          else if (rel !== '.' && ignored(rel)) problems.push(`${at}: COPY ${src}: excluded by .dockerignore`)
          if (c.dest.startsWith('/')) copied.set(path.posix.join(c.dest, path.posix.basename(rel)), rel)
        }
      } else if (s.instr === 'RUN') {
        if (execForm(s.args)) { problems.push(`${at}: RUN in exec form; call a script`); continue }
        const [first, ...rest] = s.args.split('&&').map((x) => x.trim())
        const [script, ...args] = words(first)
        const file = script.startsWith('/') ? copied.get(script) : script
        if (!file || !/^deploy\/container\/[\w.-]+$/.test(file)) problems.push(`${at}: RUN ${script}: not a script of deploy/container/ (keep every step in one, so scripts/check-dockerfile runs it)`)
        else if (!fs.existsSync(path.join(ROOT, file))) problems.push(`${at}: RUN ${script}: ${file} does not exist`)
        else {
          try { fs.accessSync(path.join(ROOT, file), fs.constants.X_OK) } catch { problems.push(`${at}: ${file} is not executable`) }
        }
        for (const r of rest) if (!/^rm -rf \/\S+$/.test(r)) problems.push(`${at}: RUN … && ${r}: only "rm -rf PATH" may follow the script`)
        if (file === 'deploy/container/build') buildDest = args[0]
        s.script = file
        s.scriptArgs = args
      }
    }
    stage.buildDest = buildDest
  }
  const outDir = build.buildDest
  for (const s of run.steps.filter((x) => x.instr === 'COPY')) {
    const c = copyOf(s)
    if (c.from && (c.from !== 'build' || path.posix.normalize(c.srcs[0]).replace(/\/$/, '') !== outDir)) {
      problems.push(`Dockerfile:${s.line}: COPY --from=${c.from} ${c.srcs[0]}: expected --from=build ${outDir}/ (what deploy/container/build writes)`)
    }
  }

  const one = (instr) => {
    const all = run.steps.filter((x) => x.instr === instr)
    if (all.length > 1) problems.push(`runtime stage: ${all.length} ${instr} instructions`)
    return all[all.length - 1]
  }
  const ep = one('ENTRYPOINT')
  const cmd = one('CMD')
  if (!ep || !execForm(ep.args)) problems.push('ENTRYPOINT must be in exec form (JSON array): in shell form /bin/sh is PID 1 and SIGTERM never reaches weft')
  if (cmd && !execForm(cmd.args)) problems.push('CMD must be in exec form (JSON array)')
  const user = one('USER')
  const um = user?.args.match(/^(\d+)(?::(\d+))?$/)
  if (!um) problems.push(`USER ${user?.args ?? '(none)'}: expected a numeric uid:gid (Kubernetes' runAsNonRoot can only check a number)`)
  else if (um[1] === '0') problems.push('USER 0: the image must not run as root')
  else if (um[1] !== uid) problems.push(`USER ${um[1]}: setup-runtime creates uid ${uid}`)
  const hc = one('HEALTHCHECK')
  const h = hc && healthcheckOf(hc)
  if (!h || !h.cmd) problems.push('HEALTHCHECK CMD must be in exec form (JSON array)')
  const sig = one('STOPSIGNAL')
  if (sig && sig.args !== 'SIGTERM') problems.push(`STOPSIGNAL ${sig.args}: weft drains on SIGTERM`)
  const env = envOf(run.steps)
  problems.push(...unknownWeftNames(Object.keys(env), 'Dockerfile ENV'))
  const volumes = run.steps.filter((x) => x.instr === 'VOLUME').flatMap((x) => execForm(x.args) ?? words(x.args))
  if (!env.WEFT_DATA_DIR || !volumes.includes(env.WEFT_DATA_DIR)) problems.push(`VOLUME ${volumes.join(' ')}: WEFT_DATA_DIR (${env.WEFT_DATA_DIR}) must be a volume`)
  const exposed = run.steps.filter((x) => x.instr === 'EXPOSE').flatMap((x) => words(x.args))
  if (!exposed.includes(env.WEFT_PORT)) problems.push(`EXPOSE ${exposed.join(' ')}: WEFT_PORT is ${env.WEFT_PORT}`)
  return problems
}

// The parsed recipe, for runRecipe (after dryCheck found nothing).
export function recipe (text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')) {
  const [build, run] = stages(parseDockerfile(text))
  const runOf = (s) => { const [first] = s.args.split('&&'); const [script, ...args] = words(first.trim()); return { script, args } }
  const user = run.steps.filter((x) => x.instr === 'USER').pop().args.split(':').map(Number)
  const hc = healthcheckOf(run.steps.filter((x) => x.instr === 'HEALTHCHECK').pop())
  return {
    build, run, user: { uid: user[0], gid: user[1] ?? user[0] },
    env: envOf(run.steps),
    workdir: run.steps.filter((x) => x.instr === 'WORKDIR').pop()?.args ?? '/',
    entrypoint: JSON.parse(run.steps.filter((x) => x.instr === 'ENTRYPOINT').pop().args),
    cmd: JSON.parse(run.steps.filter((x) => x.instr === 'CMD').pop()?.args ?? '[]'),
    healthcheck: hc,
    runOf,
    copyOf
  }
}

function sh (cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`)
  return r
}

const seconds = (d) => { const m = String(d).match(/^(\d+(?:\.\d+)?)(ms|s|m)$/); return m ? Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2]] : Number(d) }

// Runs the recipe in a temporary root. build: the build directory to install from (the build
// stage's RUN with WEFT_CONTAINER_PREBUILT=build), or null for the full build stage on a copy of
// the build context. Returns {root, checks: [what was verified]}; throws on the first failure.
// The temporary root is removed unless keep.
export async function runRecipe ({ build = 'build', keep = false, log = () => {} } = {}) {
  const problems = dryCheck()
  if (problems.length) throw new Error(`Dockerfile:\n  ${problems.join('\n  ')}`)
  const r = recipe()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-container-'))
  fs.chmodSync(root, 0o755)
  const checks = []
  const under = (p) => path.join(root, p)
  let server = null
  try {
    // Build stage: WORKDIR /src holds the build context (the repository itself, or a copy of the
    // context files for a full run); its RUN writes the build DEST (/out) — here under the root.
    let src = ROOT
    if (!build) {
      src = under('src')
      for (const f of contextFiles()) {
        fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true })
        fs.copyFileSync(path.join(ROOT, f), path.join(src, f))
        fs.chmodSync(path.join(src, f), fs.statSync(path.join(ROOT, f)).mode)
      }
      checks.push(`build context copied (${contextFiles().length} files)`)
    }
    for (const s of r.build.steps.filter((x) => x.instr === 'RUN')) {
      const { script, args } = r.runOf(s)
      const env = { ...process.env }
      if (build) env.WEFT_CONTAINER_PREBUILT = path.resolve(ROOT, build)
      log(`build stage: RUN ${s.args}${build ? ` (WEFT_CONTAINER_PREBUILT=${build})` : ''}`)
      sh(path.join(src, script), args.map((a) => a.startsWith('/') ? under(a) : a), { cwd: src, env, stdio: build ? 'pipe' : 'inherit' })
      checks.push(`build stage RUN ${s.args}`)
    }
    // Runtime stage, in order.
    for (const s of r.run.steps) {
      if (s.instr === 'COPY') {
        const c = r.copyOf(s)
        const from = c.from ? under('.') : ROOT
        for (const srcPath of c.srcs) {
          const dest = under(c.dest)
          fs.mkdirSync(c.dest.endsWith('/') ? dest : path.dirname(dest), { recursive: true })
          sh('cp', ['-a', '--', c.from ? path.join(from, srcPath) + '/.' : path.join(from, srcPath), c.dest.endsWith('/') && !c.from ? dest + '/' : dest])
        }
        checks.push(`COPY ${s.args}`)
      } else if (s.instr === 'RUN') {
        const { script, args } = r.runOf(s)
        log(`runtime stage: RUN ${s.args} (WEFT_SETUP_CHECK_ROOT)`)
        sh(under(script), args, { env: { ...process.env, WEFT_SETUP_CHECK_ROOT: root } })
        for (const rm of s.args.split('&&').slice(1)) fs.rmSync(under(rm.trim().split(/\s+/).pop()), { recursive: true, force: true })
        checks.push(`runtime stage RUN ${s.args} (packages installed here, ${r.env.WEFT_DATA_DIR} made)`)
      }
    }
    const bin = under(r.entrypoint[0])
    const pkgProblems = packageProblems(bin, runtimePackages())
    if (pkgProblems.length) throw new Error(`runtime packages:\n  ${pkgProblems.join('\n  ')}`)
    checks.push(`runtime-packages = the packages of ${neededLibraries(bin).length} NEEDED libraries`)

    // The container: ENV with its absolute paths under the root, loopback and a free port.
    const port = await freePort()
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: under(r.workdir) }
    for (const [k, v] of Object.entries(r.env)) env[k] = v.startsWith('/') ? under(v) : v
    env.WEFT_HOST = '127.0.0.1'
    env.WEFT_PORT = String(port)
    for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) env[k] = process.env[k]
    const asUser = (argv) => process.getuid() === 0
      ? ['setpriv', ['--reuid', String(r.user.uid), '--regid', String(r.user.gid), '--clear-groups', '--', ...argv]]
      : [argv[0], argv.slice(1)]
    const [cmd, args] = asUser([bin, ...r.cmd])
    log(`start: ${r.entrypoint.join(' ')} ${r.cmd.join(' ')} as ${r.user.uid}:${r.user.gid} on 127.0.0.1:${port}`)
    let output = ''
    server = spawn(cmd, args, { cwd: under(r.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] })
    server.stdout.on('data', (d) => { output += d })
    server.stderr.on('data', (d) => { output += d })
    const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })))
    const [hcCmd, hcArgs] = asUser([under(r.healthcheck.cmd[0]), ...r.healthcheck.cmd.slice(1)])
    const healthy = () => spawnSync(hcCmd, hcArgs, { env, timeout: seconds(r.healthcheck.opts.timeout ?? '30s') * 1000 }).status === 0
    await waitFor(() => {
      if (server.exitCode !== null) throw Object.assign(new Error(`weft exited ${server.exitCode}:\n${output}`), { fatal: true })
      return healthy()
    }, seconds(r.healthcheck.opts['start-period'] ?? '30s') * 1000, 'the HEALTHCHECK command to pass')
    checks.push(`HEALTHCHECK ${r.healthcheck.cmd.join(' ')} passed as uid ${r.user.uid}`)
    const status = spawnSync('ps', ['-o', 'uid=', '-p', String(server.pid)], { encoding: 'utf8' }).stdout.trim()
    if (process.getuid() === 0 && status !== String(r.user.uid)) throw new Error(`weft runs as uid ${status}, not ${r.user.uid}`)

    const base = `http://127.0.0.1:${port}`
    const ready = await fetch(`${base}/readyz`)
    if (ready.status !== 200) throw new Error(`/readyz: ${ready.status}`)
    const page = await (await fetch(`${base}/`)).text()
    const index = fs.readFileSync(under(path.join(r.env.WEFT_STATIC_DIR, 'index.html')), 'utf8')
    if (page !== index) throw new Error('GET / is not the installed web app (WEFT_STATIC_DIR)')
    const reg = await fetch(`${base}/api/auth/register`, { method: 'POST', body: JSON.stringify({ username: 'container', password: 'container-check-pw' }) })
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`)
    const { token } = await reg.json()
    const doc = await fetch(`${base}/api/documents`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ title: 'a.txt', content: 'hi\n' }) })
    if (doc.status !== 201) throw new Error(`create document: ${doc.status}`)
    checks.push('/readyz 200, GET / = WEFT_STATIC_DIR/index.html, register + create document 201')
    const data = under(r.env.WEFT_DATA_DIR)
    for (const [f, mode] of [['weft.db', null], ['jwt-secret', 0o600]]) {
      const st = fs.statSync(path.join(data, f))
      if (st.uid !== r.user.uid && process.getuid() === 0) throw new Error(`${r.env.WEFT_DATA_DIR}/${f} owned by ${st.uid}`)
      if (mode !== null && (st.mode & 0o777) !== mode) throw new Error(`${r.env.WEFT_DATA_DIR}/${f} mode ${(st.mode & 0o777).toString(8)}`)
    }
    checks.push(`${r.env.WEFT_DATA_DIR}/weft.db and jwt-secret (0600) written by uid ${r.user.uid}`)

    const t0 = Date.now()
    server.kill('SIGTERM')
    let timer
    const end = await Promise.race([exited, new Promise((resolve) => { timer = setTimeout(() => resolve(null), 30000) })])
    clearTimeout(timer)
    if (!end) throw new Error('weft still running 30 s after SIGTERM')
    if (end.code !== 0) throw new Error(`weft exited ${end.code ?? end.signal} after SIGTERM:\n${output}`)
    if (!/stopped/.test(output)) throw new Error(`no "stopped" in the log:\n${output}`)
    server = null
    checks.push(`SIGTERM: drained and exited 0 in ${Date.now() - t0} ms`)
    if (healthy()) throw new Error('the HEALTHCHECK passes with weft stopped')
    checks.push('HEALTHCHECK fails with weft stopped')
    return { root, checks }
  } finally {
    if (server) { server.kill('SIGKILL') }
    if (!keep) fs.rmSync(root, { recursive: true, force: true })
  }
}
