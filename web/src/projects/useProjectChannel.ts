// useProjectChannel.ts — a project's live channel (/ws/projects/<id>, the same y-websocket
// protocol as a document): the server rewrites the channel's `tree` text after every change of the
// project's tree, by anyone on any instance, and this hook then calls `onTreeChange` (the
// workspace reads the tree again); it calls it too each time the channel (re)connects, for what
// happened while it was away. Its awareness is who is in the project and in which file: this tab
// announces its user and its active file, and `peers` lists everyone else's. The channel is
// read-only (the server drops what clients write). After 4403/4404 (access removed, project
// deleted) it stops reconnecting and asks once more for the tree, whose answer says which.
import { useEffect, useRef, useState } from 'react'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { websocketBase } from '../api'
import { colorForUser } from '../colors'
import { reportSignedOut } from '../session'

export interface ProjectPeer {
  clientId: number
  userId: number
  name: string
  color: string
  fileId: number | null
  path: string | null
}

interface Options {
  projectId: number
  token: string
  userId: number
  username: string
  active: { id: number, path: string } | null // this tab's active file
  onTreeChange: () => void
}

function peerOf (clientId: number, state: Record<string, unknown>): ProjectPeer | null {
  const u = state.user as Record<string, unknown> | undefined
  if (typeof u?.id !== 'number' || typeof u.name !== 'string') return null
  return {
    clientId,
    userId: u.id,
    name: u.name,
    color: colorForUser(u.id),
    fileId: typeof state.fileId === 'number' ? state.fileId : null,
    path: typeof state.path === 'string' ? state.path : null
  }
}

export function useProjectChannel ({ projectId, token, userId, username, active, onTreeChange }: Options): { peers: ProjectPeer[] } {
  const [peers, setPeers] = useState<ProjectPeer[]>([])
  const [awareness, setAwareness] = useState<WebsocketProvider['awareness'] | null>(null)
  const changed = useRef(onTreeChange)
  changed.current = onTreeChange

  useEffect(() => {
    const doc = new Y.Doc()
    const provider = new WebsocketProvider(websocketBase(), `projects/${projectId}`, doc, {
      params: { token },
      disableBc: true
    })
    const aw = provider.awareness
    aw.setLocalStateField('user', { id: userId, name: username, color: colorForUser(userId) })
    const tree = doc.getText('tree')
    const onTree = () => changed.current()
    tree.observe(onTree)
    const onSync = (synced: boolean) => { if (synced) changed.current() }
    provider.on('sync', onSync)
    const onClose = (ev: CloseEvent | null) => {
      if (ev && (ev.code === 4403 || ev.code === 4404 || ev.code === 4401)) {
        provider.shouldConnect = false
        changed.current()
        if (ev.code === 4401) reportSignedOut()
      }
    }
    provider.on('connection-close', onClose)
    const onAwareness = () => {
      const list: ProjectPeer[] = []
      aw.getStates().forEach((state, clientId) => {
        if (clientId === doc.clientID) return
        const p = peerOf(clientId, state)
        if (p) list.push(p)
      })
      list.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId)
      setPeers(list)
    }
    aw.on('change', onAwareness)
    setAwareness(aw)
    return () => {
      aw.off('change', onAwareness)
      tree.unobserve(onTree)
      provider.off('sync', onSync)
      provider.off('connection-close', onClose)
      provider.destroy()
      doc.destroy()
      setAwareness(null)
      setPeers([])
    }
  }, [projectId, token, userId, username])

  const fileId = active?.id ?? null
  const path = active?.path ?? null
  useEffect(() => {
    if (!awareness) return
    awareness.setLocalStateField('fileId', fileId)
    awareness.setLocalStateField('path', path)
  }, [awareness, fileId, path])

  return { peers }
}
