// useCollab.ts — the collaboration wiring of one open document: a Y.Doc whose Y.Text `content` is
// the file, kept in IndexedDB (y-indexeddb, so edits made offline survive a reload) and synced with
// the server by y-websocket's WebsocketProvider (the JWT travels as ?token=), the awareness state
// that carries who is here and where their cursor is, and an UndoManager that only undoes this
// user's own edits (the editor binding registers itself as the one tracked origin). UnsentEdits
// counts the edits the server has not acknowledged yet, for the save-state indicator.
//
// Connection policy:
// - the browser's 'offline' event disconnects the provider and 'online' reconnects it; edits made
//   in between stay in the Y.Doc (and IndexedDB) and merge when the provider syncs again;
// - the server's close codes 4401 (bad or expired token), 4403 (no access, or access revoked),
//   4404 (no such document, or deleted) and 4413 (message too large) are final: the provider would
//   otherwise reconnect forever, so it is stopped and the page shows `failure`.
import { useEffect, useState } from 'react'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Awareness } from 'y-protocols/awareness'
import { websocketBase } from '../api'
import { colorForUser } from '../colors'
import { UnsentEdits, type UnsentState } from './unsentEdits'
import { reportSignedOut } from '../session'

// 'stopped': the server ended the connection for good (see `failure`); no reconnection follows.
export type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'stopped'

export interface Peer {
  clientId: number
  userId: number
  name: string
  color: string
  isLocal: boolean
}

export interface CollabFailure {
  code: number
  message: string
  signInAgain: boolean
}

// The shared objects of an open document; stable for the life of the page.
export interface Collab {
  doc: Y.Doc
  text: Y.Text
  awareness: Awareness
  undoManager: Y.UndoManager
}

// What peers put in their awareness state.
interface AwarenessUser {
  id: number
  name: string
  color: string
}

const FAILURES: Record<number, Omit<CollabFailure, 'code'>> = {
  4401: { message: 'Your session has expired or is no longer valid. Sign in again to keep editing.', signInAgain: true },
  4403: { message: 'You no longer have access to this document. Ask its owner to share it with you again.', signInAgain: false },
  4404: { message: 'This document does not exist any more: it was deleted.', signInAgain: false },
  4413: { message: 'A change was too large for the server to accept. Reload the page to continue from the saved version.', signInAgain: false }
}

// Awareness field through which a client tells the others that the document's metadata (title,
// language, members, visibility) changed, so they fetch it again. The server stays the authority:
// the field only says "look again".
const CHANGED_FIELD = 'metaChanged'

// The failure a close code (or the same answer from the API) means.
export function failureFor (code: 4401 | 4403 | 4404 | 4413): CollabFailure {
  return { code, ...FAILURES[code] }
}

function readUser (state: Record<string, unknown>): AwarenessUser | null {
  const u = state.user
  if (typeof u !== 'object' || u === null) return null
  const { id, name, color } = u as Record<string, unknown>
  if (typeof id !== 'number' || typeof name !== 'string' || typeof color !== 'string') return null
  return { id, name, color }
}

export interface UseCollabOptions {
  docId: number
  token: string
  userId: number
  username: string
  // Where the local copy lives in IndexedDB; includes the user and the document's creation time so
  // that a recreated document with a reused id never merges a stale copy.
  storageKey: string
}

export interface CollabState {
  collab: Collab | null
  status: ConnectionStatus
  synced: boolean
  failure: CollabFailure | null
  peers: Peer[]
  // This browser's edits the server has not acknowledged yet, and whether every local change
  // (the copy loaded from IndexedDB included) has been acknowledged.
  unsent: number
  oldestUnsentAt: number | null
  acknowledged: boolean
  // Increases each time another client announces a metadata change.
  remoteChanges: number
  // Tells the other clients that the metadata changed.
  announceChange: () => void
}

export function useCollab ({ docId, token, userId, username, storageKey }: UseCollabOptions): CollabState {
  const [collab, setCollab] = useState<Collab | null>(null)
  const [online, setOnline] = useState(() => navigator.onLine)
  const [connected, setConnected] = useState(false)
  const [synced, setSynced] = useState(false)
  const [failure, setFailure] = useState<CollabFailure | null>(null)
  const [peers, setPeers] = useState<Peer[]>([])
  const [remoteChanges, setRemoteChanges] = useState(0)
  const [unsent, setUnsent] = useState<UnsentState>({ unsent: 0, oldestUnsentAt: null, acknowledged: true })

  useEffect(() => {
    const doc = new Y.Doc()
    const text = doc.getText('content')
    let persistence: IndexeddbPersistence | null = null
    try {
      persistence = new IndexeddbPersistence(storageKey, doc)
    } catch {
      persistence = null // no IndexedDB (a private window): edits still sync, only not offline
    }
    const provider = new WebsocketProvider(websocketBase(), String(docId), doc, {
      params: { token },
      connect: navigator.onLine
    })
    const awareness = provider.awareness
    const unsentEdits = new UnsentEdits(doc, provider, persistence ?? undefined)
    const stopWatching = unsentEdits.onChange(setUnsent)
    setUnsent(unsentEdits.state())
    const undoManager = new Y.UndoManager(text, { trackedOrigins: new Set(), captureTimeout: 400 })
    let failed = false

    awareness.setLocalStateField('user', { id: userId, name: username, color: colorForUser(userId) })

    const onStatus = ({ status }: { status: string }) => setConnected(status === 'connected')
    const onSync = (isSynced: boolean) => setSynced(isSynced)
    const onClose = (event: CloseEvent | null) => {
      const known = event ? FAILURES[event.code] : undefined
      if (!event || !known) return
      failed = true
      provider.shouldConnect = false // the provider's own reconnect timer then does nothing
      if ((event.code === 4403 || event.code === 4404) && persistence) {
        void persistence.clearData() // keep no copy of a document one may no longer open
        persistence = null
      }
      setFailure({ code: event.code, ...known })
      if (event.code === 4401) reportSignedOut()
    }
    provider.on('status', onStatus)
    provider.on('sync', onSync)
    provider.on('connection-close', onClose)

    const seenChanges = new Map<number, unknown>()
    const onAwareness = () => {
      const list: Peer[] = []
      let changed = false
      awareness.getStates().forEach((state, clientId) => {
        const u = readUser(state)
        if (!u) return
        // The color is computed here from the user id rather than taken from the peer's state:
        // it ends up in CSS, and every client computes the same one anyway.
        list.push({ clientId, userId: u.id, name: u.name, color: colorForUser(u.id), isLocal: clientId === doc.clientID })
        if (clientId !== doc.clientID) {
          const mark = state[CHANGED_FIELD]
          if (seenChanges.has(clientId) && seenChanges.get(clientId) !== mark) changed = true
          seenChanges.set(clientId, mark)
        }
      })
      setPeers(list)
      if (changed) setRemoteChanges((n) => n + 1)
    }
    awareness.on('change', onAwareness)
    onAwareness()

    const goOffline = () => {
      setOnline(false)
      provider.disconnect()
    }
    const goOnline = () => {
      setOnline(true)
      if (!failed) provider.connect()
    }
    window.addEventListener('offline', goOffline)
    window.addEventListener('online', goOnline)

    setCollab({ doc, text, awareness, undoManager })
    setFailure(null)
    return () => {
      window.removeEventListener('offline', goOffline)
      window.removeEventListener('online', goOnline)
      awareness.off('change', onAwareness)
      stopWatching()
      unsentEdits.destroy()
      undoManager.destroy()
      provider.destroy()
      awareness.destroy()
      void persistence?.destroy()
      doc.destroy()
      setCollab(null)
      setConnected(false)
      setSynced(false)
      setPeers([])
    }
  }, [docId, token, userId, username, storageKey])

  const status: ConnectionStatus = failure ? 'stopped' : !online ? 'offline' : connected ? 'connected' : 'connecting'
  const announceChange = () => collab?.awareness.setLocalStateField(CHANGED_FIELD, Date.now())
  return { collab, status, synced, failure, peers, ...unsent, remoteChanges, announceChange }
}
