// common.mjs — what the Node benchmarks share: their command line, a free loopback port, waits on
// conditions, percentiles.
import net from 'node:net'
import path from 'node:path'

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
export const args = process.argv.slice(2)
// The value after --NAME on the command line, or `dflt`.
export const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}

export function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Polls `cond` (sync or async) every 5 ms until it holds; throws after `ms`.
export async function until (cond, ms, what) {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await sleep(5)
  }
}

export function stats (samples) {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))]
  return { n: s.length, min: s[0], p50: at(0.5), p99: at(0.99), max: s[s.length - 1] }
}
