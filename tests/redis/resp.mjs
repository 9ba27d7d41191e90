// resp.mjs — a small Redis client for the tests (RESP2 over one TCP connection): commands as
// arrays of bulk strings, replies parsed into strings/Buffers/numbers/arrays, and pub/sub messages
// ("message", "smessage") handed to a callback instead of a pending command. Bulk strings stay
// Buffers, so binary payloads (the bus envelopes) pass through unchanged.
//
// A test uses it to act as one more participant on the bus (publishing and subscribing like an
// instance of weft would) and for commands redis-cli makes awkward with binary data.
import net from 'node:net'

export class RedisError extends Error {}

export class Resp {
  static connect (port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host)
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new Resp(socket))
      })
    })
  }

  constructor (socket) {
    this.socket = socket
    this.buffer = Buffer.alloc(0)
    this.pending = []
    this.onMessage = null // (channel: string, data: Buffer, kind: 'message'|'smessage') => void
    socket.on('data', (chunk) => this.feed(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new RedisError('connection closed'))
    })
  }

  // Sends a command; resolves with its reply (an error reply rejects with RedisError).
  command (...args) {
    const parts = [`*${args.length}\r\n`]
    const chunks = []
    for (const a of args) {
      const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a))
      chunks.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject })
      this.socket.write(Buffer.concat([Buffer.from(parts[0]), ...chunks]))
    })
  }

  close () { this.socket.destroy() }

  feed (chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
    for (;;) {
      const parsed = parse(this.buffer, 0)
      if (parsed === null) return
      this.buffer = this.buffer.subarray(parsed.end)
      this.dispatch(parsed.value)
    }
  }

  dispatch (value) {
    if (Array.isArray(value) && value.length === 3 && Buffer.isBuffer(value[0])) {
      const kind = value[0].toString()
      if (kind === 'message' || kind === 'smessage') {
        if (this.onMessage) this.onMessage(value[1].toString(), value[2], kind)
        return
      }
    }
    const p = this.pending.shift()
    if (!p) return
    if (value instanceof RedisError) p.reject(value)
    else p.resolve(value)
  }
}

// One reply starting at `at`: { value, end } or null when incomplete.
function parse (buf, at) {
  const eol = buf.indexOf('\r\n', at)
  if (eol === -1) return null
  const type = String.fromCharCode(buf[at])
  const line = buf.toString('utf8', at + 1, eol)
  const next = eol + 2
  switch (type) {
    case '+': return { value: line, end: next }
    case '-': return { value: new RedisError(line), end: next }
    case ':': return { value: Number(line), end: next }
    case '$': {
      const n = Number(line)
      if (n < 0) return { value: null, end: next }
      if (buf.length < next + n + 2) return null
      return { value: buf.subarray(next, next + n), end: next + n + 2 }
    }
    case '*': {
      const n = Number(line)
      if (n < 0) return { value: null, end: next }
      const items = []
      let end = next
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end)
        if (item === null) return null
        items.push(item.value)
        end = item.end
      }
      return { value: items, end }
    }
    default: throw new RedisError(`unexpected reply type ${JSON.stringify(type)}`)
  }
}
