// unsentEdits.ts — how many of this browser's edits the server has not yet acknowledged, for the
// save-state indicator ("All changes saved" / "3 edits not yet sent").
//
// The y-websocket protocol has no acknowledgement of an update, and `provider.synced` only says
// that the server's answer to the provider's first sync step 1 arrived — not that our own edits
// reached it (after a reconnect the server's answer can overtake the sync step 2 that carries what
// was typed offline). So this asks: Weft's room handles one connection's messages in order on its
// strand (server/room.cpp) and answers every sync step 1 with a sync step 2, so the answer to a
// sync step 1 sent after some updates proves that the room has applied those updates (and handed
// them to its persister; y-indexeddb keeps them here until then anyway, and a reconnecting
// provider sends whatever the server lacks).
//
// Every local transaction (typing, undo, the copy loaded from IndexedDB — any origin but the
// provider) gets the next sequence number. An edit is *sent* once it has certainly been written to
// the open socket: at once when the socket was open and everything before it had been sent, or in
// the sync step 2 with which the provider answers the server's sync step 1 (that answer holds
// everything the server lacks, so it sends every edit so far). A *probe* — a sync step 1 of our
// own — then goes out after a short pause in the edits, and its answer acknowledges every edit sent
// before it (a pause, or at most PROBE_MAX_WAIT_MS after the first edit not yet probed, so that
// typing without a pause is acknowledged too). The answers on one socket come in order, so the expected answers are a queue (the
// provider's own sync step 1 at connect takes the first place). A closed socket forgets what it
// sent but did not get acknowledged: those edits count as unsent until the next connection sends
// them again. Edits loaded from IndexedDB take part in the sequence but are not counted as the
// user's "edits" (most were sent in an earlier visit; until acknowledged the state is not "saved").
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import type * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'

const MESSAGE_SYNC = 0
// Time without new edits before a probe: typing sends one probe per pause, not one per key.
const PROBE_DELAY_MS = 250
const PROBE_MAX_WAIT_MS = 1000

export interface UnsentState {
  unsent: number // the user's edits not yet acknowledged
  oldestUnsentAt: number | null // when the oldest of them was made (Date.now()), or null
  acknowledged: boolean // every local transaction so far is acknowledged (the copy from IndexedDB too)
}

export class UnsentEdits {
  private made = 0 // local transactions so far
  private sent = 0 // the first `sent` of them have been written to the current socket
  private acked = 0 // and the first `acked` acknowledged
  private readonly counted: Array<{ seq: number, at: number }> = [] // the user's edits above `acked`
  private expected: Array<number | null> = [] // answers awaited on this socket: null = the provider's, n = a probe covering n
  private socket: WebSocket | null = null
  private timer: number | null = null
  private waitingSince: number | null = null // when the first edit not yet probed was sent
  private readonly listeners = new Set<(s: UnsentState) => void>()

  constructor (
    private readonly doc: Y.Doc,
    private readonly provider: WebsocketProvider,
    private readonly restoredOrigin: unknown // the IndexeddbPersistence, whose loads are not the user's edits
  ) {
    // Registered after the provider's own update handler, which has sent the update by now.
    doc.on('update', this.onUpdate)
    provider.on('status', this.onStatus)
    if (provider.wsconnected && provider.ws) this.attach(provider.ws)
  }

  destroy (): void {
    this.doc.off('update', this.onUpdate)
    this.provider.off('status', this.onStatus)
    this.detach()
    this.listeners.clear()
  }

  state (): UnsentState {
    return { unsent: this.counted.length, oldestUnsentAt: this.counted[0]?.at ?? null, acknowledged: this.acked === this.made }
  }

  onChange (f: (s: UnsentState) => void): () => void {
    this.listeners.add(f)
    return () => this.listeners.delete(f)
  }

  private emit (): void {
    const s = this.state()
    this.listeners.forEach((f) => f(s))
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return
    this.made++
    if (origin !== this.restoredOrigin) this.counted.push({ seq: this.made, at: Date.now() })
    if (this.socket && this.sent === this.made - 1) {
      this.sent = this.made
      this.scheduleProbe()
    }
    this.emit()
  }

  private readonly onStatus = ({ status }: { status: string }): void => {
    if (status === 'connected' && this.provider.ws) this.attach(this.provider.ws)
    else this.detach()
  }

  private attach (ws: WebSocket): void {
    if (this.socket === ws) return
    this.detach()
    this.socket = ws
    this.expected = [null] // the provider sent its sync step 1 on open
    ws.addEventListener('message', this.onMessage)
    ws.addEventListener('close', this.onClose)
  }

  private detach (): void {
    if (this.timer !== null) window.clearTimeout(this.timer)
    this.timer = null
    this.waitingSince = null
    if (!this.socket) return
    this.socket.removeEventListener('message', this.onMessage)
    this.socket.removeEventListener('close', this.onClose)
    this.socket = null
    this.expected = []
    this.sent = this.acked // what the closed socket carried unacknowledged is sent again next time
    this.emit()
  }

  private readonly onClose = (): void => this.detach()

  // Runs after the provider's own message handler (set before this listener was added), so when
  // the server's sync step 1 is seen here, the provider's answer has already been sent.
  private readonly onMessage = (event: MessageEvent): void => {
    if (!(event.data instanceof ArrayBuffer)) return
    const decoder = decoding.createDecoder(new Uint8Array(event.data))
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return
    const kind = decoding.readVarUint(decoder)
    if (kind === syncProtocol.messageYjsSyncStep1) {
      this.sent = this.made
      if (this.made > this.acked) this.scheduleProbe()
    } else if (kind === syncProtocol.messageYjsSyncStep2) {
      const covers = this.expected.shift()
      if (covers === undefined || covers === null) return
      this.acknowledge(covers)
    }
  }

  private acknowledge (upTo: number): void {
    if (upTo <= this.acked) return
    this.acked = upTo
    while (this.counted.length > 0 && this.counted[0].seq <= upTo) this.counted.shift()
    this.emit()
    if (this.sent > this.acked) this.scheduleProbe()
  }

  private scheduleProbe (): void {
    const now = Date.now()
    this.waitingSince ??= now
    if (this.timer !== null) window.clearTimeout(this.timer)
    const delay = Math.max(0, Math.min(PROBE_DELAY_MS, this.waitingSince + PROBE_MAX_WAIT_MS - now))
    this.timer = window.setTimeout(this.probe, delay)
  }

  private readonly probe = (): void => {
    this.timer = null
    this.waitingSince = null
    const ws = this.socket
    if (!ws || ws.readyState !== WebSocket.OPEN || this.sent <= this.acked) return
    // One probe at a time: the answer to the one in flight triggers the next if needed.
    if (this.expected.some((n) => n !== null)) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    ws.send(encoding.toUint8Array(encoder))
    this.expected.push(this.sent)
  }
}
