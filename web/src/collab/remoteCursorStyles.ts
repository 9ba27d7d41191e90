// remoteCursorStyles.ts — the CSS of other people's cursors and selections. y-monaco decorates a
// remote selection with the classes `yRemoteSelection-<clientID>` (the selected range) and
// `yRemoteSelectionHead-<clientID>` (the caret); this hook keeps one <style> element with a rule per
// remote client: its color, and its person's name as a label above the caret.
//
// The label would cover the line above for good, so it shows only while its person is active —
// for LABEL_MS after their cursor moved (typing moves it too) or they arrived — and then fades;
// hovering the caret shows it again (styles.css). Activity is a cursor that moved — an awareness
// 'change' event, which y-protocols emits only when a state really changed (not for the 15 s
// heartbeats) — or text that a client inserted (its clock in the Y.Doc advanced: typing does not
// always move y-monaco's relative cursor position, which points at the character after the caret).
// Deleting creates no struct and names no author, so a person who only deletes shows through
// their cursor moves.
import { useEffect, useRef, useState } from 'react'
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { Peer } from './useCollab'
import { selectionColorForUser } from '../colors'

export const LABEL_MS = 2000

// A CSS string literal of arbitrary text: every character outside [A-Za-z0-9 _.-] is escaped.
function cssString (s: string): string {
  let out = '"'
  for (const ch of s) {
    out += /[A-Za-z0-9 _.-]/.test(ch) ? ch : `\\${ch.codePointAt(0)?.toString(16) ?? '0'} `
  }
  return out + '"'
}

export function remoteCursorCss (peers: Peer[], active: ReadonlySet<number>): string {
  return peers.filter((p) => !p.isLocal).map((p) => {
    const id = p.clientId
    return `.yRemoteSelection-${id} { background-color: ${selectionColorForUser(p.userId)}; }\n` +
      `.yRemoteSelectionHead-${id} { --cursor-color: ${p.color}; }\n` +
      `.yRemoteSelectionHead-${id}::after { content: ${cssString(p.name)}; }\n` +
      (active.has(id) ? `.yRemoteSelectionHead-${id}::after { opacity: 1; transition: none; }\n` : '')
  }).join('')
}

// The clients whose cursor moved, who typed, or who arrived less than LABEL_MS ago.
function useActiveClients (awareness: Awareness, doc: Y.Doc): ReadonlySet<number> {
  const [active, setActive] = useState<ReadonlySet<number>>(() => new Set())
  useEffect(() => {
    const last = new Map<number, string>()
    const timers = new Map<number, number>()
    const expire = (id: number) => {
      timers.delete(id)
      setActive((s) => { const n = new Set(s); n.delete(id); return n })
    }
    const wake = (woke: number[], removed: number[]) => {
      if (woke.length === 0 && removed.length === 0) return
      for (const id of woke) {
        const t = timers.get(id)
        if (t !== undefined) window.clearTimeout(t)
        timers.set(id, window.setTimeout(() => expire(id), LABEL_MS))
      }
      setActive((s) => {
        const n = new Set(s)
        woke.forEach((id) => n.add(id))
        removed.forEach((id) => n.delete(id))
        return n
      })
    }
    const onChange = ({ added, updated, removed }: { added: number[], updated: number[], removed: number[] }) => {
      const states = awareness.getStates()
      const woke: number[] = []
      for (const id of [...added, ...updated]) {
        if (id === awareness.clientID) continue
        const selection = JSON.stringify(states.get(id)?.selection ?? null)
        if (last.get(id) === selection) continue
        last.set(id, selection)
        woke.push(id)
      }
      for (const id of removed) {
        last.delete(id)
        const t = timers.get(id)
        if (t !== undefined) window.clearTimeout(t)
        timers.delete(id)
      }
      wake(woke, removed)
    }
    const onTransaction = (tr: Y.Transaction) => {
      if (tr.local) return
      const woke: number[] = []
      tr.afterState.forEach((clock, client) => {
        if (client !== doc.clientID && clock > (tr.beforeState.get(client) ?? 0)) woke.push(client)
      })
      wake(woke, [])
    }
    awareness.on('change', onChange)
    doc.on('afterTransaction', onTransaction)
    return () => {
      awareness.off('change', onChange)
      doc.off('afterTransaction', onTransaction)
      timers.forEach((t) => window.clearTimeout(t))
    }
  }, [awareness, doc])
  return active
}

export function useRemoteCursorStyles (peers: Peer[], awareness: Awareness, doc: Y.Doc): void {
  const styleRef = useRef<HTMLStyleElement | null>(null)
  const active = useActiveClients(awareness, doc)
  useEffect(() => {
    const el = document.createElement('style')
    el.dataset.weft = 'remote-cursors'
    document.head.appendChild(el)
    styleRef.current = el
    return () => {
      el.remove()
      styleRef.current = null
    }
  }, [])
  useEffect(() => {
    if (styleRef.current) styleRef.current.textContent = remoteCursorCss(peers, active)
  }, [peers, active])
}
