// virtual_clock.mjs — a clock the test moves by hand, for the timers of the standard clients:
// y-protocols' awareness renews its state every 15 s and drops others' states after 30 s;
// y-websocket's provider reconnects after 30 s without a message. Minutes of those rules then take
// seconds of real time, while the network and the server run in real time.
//
// Import this module FIRST in a test file (before harness.mjs, yjs or y-websocket): lib0 reads
// `Date.now` once when it loads (`getUnixTime = Date.now`), and the clients create their intervals
// when constructed. From then on in this process:
//   - Date.now() is real time plus the offset that advance() added;
//   - setInterval callbacks run only inside advance(), at their virtual due times (setTimeout,
//     which the harness's waits and the provider's reconnect back-off use, stays real).
const realNow = Date.now.bind(Date)
let offset = 0
let nextId = 1
const intervals = new Map() // id → { fn, args, every, due }

Date.now = () => realNow() + offset

class VirtualInterval {
  constructor (id) { this.id = id }
  ref () { return this }
  unref () { return this }
  hasRef () { return false }
  [Symbol.toPrimitive] () { return this.id }
}

globalThis.setInterval = (fn, ms = 0, ...args) => {
  const id = nextId++
  const every = Math.max(1, Number(ms) || 0)
  intervals.set(id, { fn, args, every, due: Date.now() + every })
  return new VirtualInterval(id)
}

globalThis.clearInterval = (handle) => {
  if (handle == null) return
  intervals.delete(typeof handle === 'object' ? handle.id : Number(handle))
}

// Moves virtual time forward by `ms`, running every interval that falls due on the way, in order
// of due time (Date.now() inside a callback reads its due time).
export function advance (ms) {
  const end = Date.now() + ms
  for (;;) {
    let first = null
    for (const [id, iv] of intervals) {
      if (iv.due <= end && (first === null || iv.due < intervals.get(first).due)) first = id
    }
    if (first === null) break
    const iv = intervals.get(first)
    offset += Math.max(0, iv.due - Date.now())
    iv.due += iv.every
    iv.fn(...iv.args)
  }
  offset += Math.max(0, end - Date.now())
}
