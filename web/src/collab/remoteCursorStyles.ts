// remoteCursorStyles.ts — the CSS of other people's cursors and selections. y-monaco decorates a
// remote selection with the classes `yRemoteSelection-<clientID>` (the selected range) and
// `yRemoteSelectionHead-<clientID>` (the caret); this hook keeps one <style> element with a rule per
// remote client: its color, and its person's name as a label above the caret.
import { useEffect, useRef } from 'react'
import type { Peer } from './useCollab'
import { selectionColorForUser } from '../colors'

// A CSS string literal of arbitrary text: every character outside [A-Za-z0-9 _.-] is escaped.
function cssString (s: string): string {
  let out = '"'
  for (const ch of s) {
    out += /[A-Za-z0-9 _.-]/.test(ch) ? ch : `\\${ch.codePointAt(0)?.toString(16) ?? '0'} `
  }
  return out + '"'
}

export function remoteCursorCss (peers: Peer[]): string {
  return peers.filter((p) => !p.isLocal).map((p) => {
    const id = p.clientId
    return `.yRemoteSelection-${id} { background-color: ${selectionColorForUser(p.userId)}; }\n` +
      `.yRemoteSelectionHead-${id} { --cursor-color: ${p.color}; }\n` +
      `.yRemoteSelectionHead-${id}::after { content: ${cssString(p.name)}; }\n`
  }).join('')
}

export function useRemoteCursorStyles (peers: Peer[]): void {
  const styleRef = useRef<HTMLStyleElement | null>(null)
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
    if (styleRef.current) styleRef.current.textContent = remoteCursorCss(peers)
  }, [peers])
}
