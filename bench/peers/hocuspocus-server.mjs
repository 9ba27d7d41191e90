// hocuspocus-server.mjs — runs @hocuspocus/server (as locked in package-lock.json) for weft-bench:
// no extensions, no persistence, default flush batching, only quiet logs and a longer idle
// timeout (weft-bench's idle clients send nothing; real HocuspocusProviders send awareness).
//   node bench/peers/hocuspocus-server.mjs PORT [HOST]
import { Server } from '@hocuspocus/server'

const port = Number(process.argv[2] || 1234)
const address = process.argv[3] || '127.0.0.1'
const server = new Server({ port, address, quiet: true, timeout: 3_600_000 })
await server.listen()
console.log(`hocuspocus ${address}:${port}`)
