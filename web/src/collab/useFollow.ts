// useFollow.ts — following a collaborator in the editor: while `userId` is set, the editor keeps
// that person's cursor in view, jumping to it at once and again each time it moves (their
// awareness `selection`, y-monaco's pair of Y.RelativePositions, resolved against this Y.Doc). The
// user takes the editor back by typing or clicking in it, which calls `onStop`; so does the person
// leaving. With several tabs of that person open, the tab whose cursor moved last is followed.
// A file just opened to follow someone there may not know their presence yet: following waits for
// it up to ARRIVAL_MS before giving up.
import { useEffect } from 'react'
import * as Y from 'yjs'
import type { Collab } from './useCollab'
import { monaco } from '../editor/monaco'

const ARRIVAL_MS = 5000

interface AwarenessChange { added: number[], updated: number[], removed: number[] }

function userOf (state: Record<string, unknown> | undefined): number | null {
  const u = state?.user
  if (typeof u !== 'object' || u === null) return null
  const id = (u as Record<string, unknown>).id
  return typeof id === 'number' ? id : null
}

// The index in the text of a client's caret (the head of its selection), or null.
function caretIndex (collab: Collab, state: Record<string, unknown> | undefined): number | null {
  const selection = state?.selection
  if (typeof selection !== 'object' || selection === null) return null
  const head = (selection as Record<string, unknown>).head
  if (typeof head !== 'object' || head === null) return null
  try {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(head), collab.doc)
    return abs && abs.type === collab.text ? abs.index : null
  } catch {
    return null // a malformed position from a peer
  }
}

export function useFollow (
  editor: monaco.editor.IStandaloneCodeEditor | null,
  collab: Collab,
  userId: number | null,
  onStop: () => void
): void {
  useEffect(() => {
    if (!editor || userId === null) return
    const { awareness } = collab
    let clientId: number | null = null

    const reveal = () => {
      const model = editor.getModel()
      const index = clientId === null ? null : caretIndex(collab, awareness.getStates().get(clientId))
      if (!model || index === null) return
      const pos = model.getPositionAt(index)
      editor.revealPositionInCenterIfOutsideViewport(pos, monaco.editor.ScrollType.Immediate)
    }

    const theirs = () => [...awareness.getStates().entries()]
      .filter(([id, s]) => id !== awareness.clientID && userOf(s) === userId).map(([id]) => id)

    let arrival: number | undefined
    const onChange = ({ added, updated }: AwarenessChange) => {
      const present = theirs()
      if (present.length === 0) {
        if (arrival === undefined) onStop() // they left (not: not arrived yet)
        return
      }
      window.clearTimeout(arrival)
      arrival = undefined
      const moved = [...added, ...updated].filter((id) => present.includes(id))
      if (moved.length > 0) clientId = moved[moved.length - 1]
      else if (clientId === null || !present.includes(clientId)) clientId = present[0]
      if (moved.length > 0) reveal()
    }

    clientId = theirs().find((id) => caretIndex(collab, awareness.getStates().get(id)) !== null) ?? theirs()[0] ?? null
    if (clientId === null) arrival = window.setTimeout(onStop, ARRIVAL_MS)
    else reveal()
    awareness.on('change', onChange)
    const keys = editor.onKeyDown(() => onStop())
    const mouse = editor.onMouseDown(() => onStop())
    // The "Following …" bar above the editor appears with the first jump and makes it shorter.
    const layout = editor.onDidLayoutChange(() => reveal())
    return () => {
      window.clearTimeout(arrival)
      awareness.off('change', onChange)
      keys.dispose()
      mouse.dispose()
      layout.dispose()
    }
  }, [editor, collab, userId, onStop])
}
