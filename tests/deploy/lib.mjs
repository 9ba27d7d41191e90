// lib.mjs — what the deploy checks share: the repository root, the `weft serve` options (each
// one's WEFT_* variable, read from `weft serve --help` of the binary under test, so a manifest
// naming a variable the server does not read fails), YAML files as documents, a free port.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

// The weft binary under test: WEFT_BIN (scripts/test passes the build it tests), else the Release
// build, else the sanitizer build.
export function weftBin () {
  if (process.env.WEFT_BIN) return path.resolve(ROOT, process.env.WEFT_BIN)
  for (const b of ['build/bin/weft', 'build-san/bin/weft']) {
    if (fs.existsSync(path.join(ROOT, b))) return path.join(ROOT, b)
  }
  throw new Error('no weft binary: set WEFT_BIN or run make build')
}

let options = null
// The set of WEFT_* variables `weft serve` reads ("(Env:WEFT_PORT)" in its --help).
export function weftEnvNames () {
  if (options) return options
  const r = spawnSync(weftBin(), ['serve', '--help'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`weft serve --help failed: ${r.stderr}`)
  options = new Set([...r.stdout.matchAll(/\(Env:(WEFT_[A-Z0-9_]+)\)/g)].map((m) => m[1]))
  if (options.size < 10) throw new Error(`weft serve --help lists only ${options.size} variables`)
  return options
}

// Problems with the WEFT_* names in `names` (where: for the message).
export function unknownWeftNames (names, where) {
  const known = weftEnvNames()
  return [...names].filter((n) => n.startsWith('WEFT_') && !known.has(n))
    .map((n) => `${where}: ${n} is not a weft serve variable`)
}

// Every YAML document of a file, as plain values; a YAML syntax error throws with the file name.
export function yamlDocuments (file, text = fs.readFileSync(file, 'utf8')) {
  return parseAllDocuments(text, { merge: true }).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`)
    return d.toJS({ maxAliasCount: 100 })
  }).filter((d) => d !== null && d !== undefined)
}

export function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}

// Polls fn until it returns truthy or ms pass.
export async function waitFor (fn, ms, what) {
  const end = Date.now() + ms
  let last
  while (Date.now() < end) {
    try { if (await fn()) return } catch (e) { if (e.fatal) throw e; last = e }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
}
