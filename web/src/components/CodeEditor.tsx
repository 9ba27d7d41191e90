// CodeEditor.tsx — Monaco bound to the document's Y.Text by y-monaco. The binding is the origin of
// every transaction made by typing here, so it is the one origin the UndoManager tracks: Ctrl/Cmd+Z,
// Ctrl/Cmd+Shift+Z and Ctrl/Cmd+Y undo and redo this user's edits only, never a collaborator's (they
// replace Monaco's own undo stack, which would also hold remote edits). Other people's cursors and
// selections are y-monaco's decorations, styled per client by useRemoteCursorStyles. "Who wrote
// this" (`blame`) is another set of decorations (history/blameDecorations.ts). Following a
// collaborator (`following`) is useFollow's. Indentation: the language's default (languages.ts),
// replaced by what the text itself uses (Monaco's detectIndentation) as soon as it has indented
// lines — the text arrives after the model is made, from IndexedDB and the server, so detection
// runs again on changes until it has evidence (an indented line) or the text is long enough.
import { useEffect, useRef, useState } from 'react'
import { MonacoBinding } from 'y-monaco'
import type { Blame } from '../api'
import type { Collab, Peer } from '../collab/useCollab'
import { useRemoteCursorStyles } from '../collab/remoteCursorStyles'
import { useFollow } from '../collab/useFollow'
import { indentationFor } from '../languages'
import { monaco } from '../editor/monaco'
import { useBlameDecorations } from '../history/blameDecorations'
import { useColorScheme } from '../useColorScheme'

interface Props {
  collab: Collab
  language: string
  readOnly: boolean
  peers: Peer[]
  blame: Blame | null
  following?: number | null // the user id whose cursor the editor follows
  onStopFollowing?: () => void
  // False while the editor is kept but not shown (a project's tab in the background); it takes
  // the focus each time it is shown again.
  active?: boolean
  // A place to show (a search result): selected and scrolled to once the text reaches it;
  // a new object each time, so the same place can be shown again.
  reveal?: Reveal | null
}

export interface Reveal {
  line: number // from 1
  column: number // from 1, UTF-16 units
  length: number
}

// Lines Monaco's detection has to go on when none is indented: past this, the default stays.
const DETECTION_LINES = 200

// Sets the language's default indentation, then the text's own where it shows one. Returns
// whether the text gave evidence (an indented line), after which detection need not run again.
function detectIndentation (model: monaco.editor.ITextModel, language: string): boolean {
  const { insertSpaces, tabSize } = indentationFor(language)
  model.detectIndentation(insertSpaces, tabSize)
  const lines = Math.min(model.getLineCount(), 10000)
  for (let n = 1; n <= lines; n++) {
    const c = model.getLineContent(n).charAt(0)
    if (c === ' ' || c === '\t') return true
  }
  return lines >= DETECTION_LINES
}

function noop (): void {}

// A phone's width (styles.css's "phones" section): no minimap, the text needs the room.
const NARROW = '(max-width: 640px)'

monaco.editor.defineTheme('weft-light', {
  base: 'vs', inherit: true, rules: [], colors: { 'editor.background': '#ffffff' }
})
monaco.editor.defineTheme('weft-dark', {
  base: 'vs-dark', inherit: true, rules: [], colors: { 'editor.background': '#17191e' }
})

export function CodeEditor ({ collab, language, readOnly, peers, blame, following = null, onStopFollowing = noop, active = true, reveal = null }: Props) {
  const container = useRef<HTMLDivElement>(null)
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null)
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor | null>(null)
  const scheme = useColorScheme()
  const languageRef = useRef(language)
  languageRef.current = language
  useRemoteCursorStyles(peers, collab.awareness, collab.doc)
  useBlameDecorations(editor, blame)
  useFollow(editor, collab, following, onStopFollowing)

  useEffect(() => {
    const el = container.current
    if (!el) return
    const model = monaco.editor.createModel('', language)
    // Y.Text offsets count "\n" as one character; a CRLF model would shift every position.
    model.setEOL(monaco.editor.EndOfLineSequence.LF)
    const editor = monaco.editor.create(el, {
      model,
      readOnly,
      automaticLayout: true,
      fontSize: 14,
      fontFamily: "'JetBrains Mono', 'Fira Code', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      minimap: { enabled: !window.matchMedia(NARROW).matches, renderCharacters: false }, // not on phones
      padding: { top: 18 }, // room for the name label of a cursor on the first line
      scrollBeyondLastLine: false,
      smoothScrolling: true,
      renderWhitespace: 'selection',
      theme: scheme === 'dark' ? 'weft-dark' : 'weft-light'
    })
    editorRef.current = editor
    setEditor(editor)
    const binding = new MonacoBinding(collab.text, model, new Set([editor]), collab.awareness)
    let settled = detectIndentation(model, languageRef.current)
    const detecting = model.onDidChangeContent(() => {
      if (!settled) settled = detectIndentation(model, languageRef.current)
    })
    const { undoManager } = collab
    undoManager.addTrackedOrigin(binding)
    const { KeyMod, KeyCode } = monaco
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyZ, () => { undoManager.undo() })
    editor.addCommand(KeyMod.CtrlCmd | KeyMod.Shift | KeyCode.KeyZ, () => { undoManager.redo() })
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyY, () => { undoManager.redo() })
    // Everything is saved as it is typed; keep the browser's "Save page" dialog away.
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyS, () => {})
    editor.focus()
    return () => {
      detecting.dispose()
      undoManager.removeTrackedOrigin(binding)
      undoManager.clear()
      binding.destroy()
      editor.dispose()
      model.dispose()
      editorRef.current = null
      setEditor(null)
    }
    // The editor is made once per document; the effects below follow language, role and theme.
  }, [collab])

  useEffect(() => {
    const model = editorRef.current?.getModel()
    if (!model) return
    monaco.editor.setModelLanguage(model, language)
    detectIndentation(model, language)
  }, [language])

  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly })
  }, [readOnly])

  useEffect(() => {
    if (active) editor?.focus()
  }, [active, editor])

  useEffect(() => {
    const model = editor?.getModel()
    if (!editor || !model || !reveal) return
    const show = () => {
      // Not before the text has the match (a file just opened is empty until its first sync).
      if (model.getLineCount() < reveal.line || model.getLineMaxColumn(reveal.line) < reveal.column + reveal.length) return false
      const range = new monaco.Range(reveal.line, reveal.column, reveal.line, reveal.column + reveal.length)
      editor.layout()
      editor.setSelection(range)
      editor.revealRangeInCenter(range)
      editor.focus()
      return true
    }
    if (show()) return
    // A file opened from a result: its text arrives with the first sync. Shown after the change
    // is done — y-monaco puts back the selections it saved before applying a remote change.
    let timer = 0
    const sub = model.onDidChangeContent(() => {
      window.clearTimeout(timer)
      timer = window.setTimeout(() => { if (show()) sub.dispose() }, 0)
    })
    return () => {
      window.clearTimeout(timer)
      sub.dispose()
    }
  }, [editor, reveal])

  useEffect(() => {
    monaco.editor.setTheme(scheme === 'dark' ? 'weft-dark' : 'weft-light')
  }, [scheme])

  return <div ref={container} className='code-editor' data-testid='editor' data-readonly={readOnly ? 'true' : 'false'} />
}
