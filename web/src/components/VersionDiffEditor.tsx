// VersionDiffEditor.tsx — Monaco's diff editor: a version's text (left, "original") against the
// document's current text (right, "modified"), both read-only. The right side follows the live
// Y.Text, so a collaborator's edit (or a restore) shows in the diff as it happens; updates are
// batched to one per animation frame, since a diff is recomputed on each. On a phone the diff is
// inline (one column, deletions above insertions): two columns of 190 px hold no code.
//
// Loaded lazily with Monaco (see VersionDiffView), like CodeEditor; the theme set by CodeEditor
// (weft-light/weft-dark) is global to Monaco, so it applies here too.
import { useEffect, useRef } from 'react'
import type * as Y from 'yjs'
import { monaco } from '../editor/monaco'

interface Props {
  original: string
  current: Y.Text
  language: string
}

const NARROW = '(max-width: 640px)' // styles.css's "phones"

export function VersionDiffEditor ({ original, current, language }: Props) {
  const container = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const el = container.current
    if (!el) return
    const left = monaco.editor.createModel(original, language)
    const right = monaco.editor.createModel(current.toString(), language)
    const narrow = window.matchMedia(NARROW).matches
    const diff = monaco.editor.createDiffEditor(el, {
      readOnly: true,
      originalEditable: false,
      renderSideBySide: !narrow,
      useInlineViewWhenSpaceIsLimited: false, // the choice is ours: side by side unless on a phone
      automaticLayout: true,
      fontSize: 14,
      fontFamily: "'JetBrains Mono', 'Fira Code', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderOverviewRuler: !narrow
    })
    diff.setModel({ original: left, modified: right })

    let frame = 0
    const onChange = () => {
      if (frame) return
      frame = window.requestAnimationFrame(() => {
        frame = 0
        right.setValue(current.toString())
      })
    }
    current.observe(onChange)
    return () => {
      current.unobserve(onChange)
      window.cancelAnimationFrame(frame)
      diff.dispose()
      left.dispose()
      right.dispose()
    }
  }, [original, current, language])

  return <div ref={container} className='version-diff-editor' data-testid='version-diff' />
}
