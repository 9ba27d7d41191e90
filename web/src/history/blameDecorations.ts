// blameDecorations.ts — "Who wrote this" drawn in a Monaco editor. Each line gets a bar in the
// gutter (between the line numbers and the text) in the color of who wrote most of it, with their
// name and time on hovering the line number; each run of the line (a range one person wrote) gets a
// faint background of its author's color and the same hover. Colors are colors.ts's, so a person
// has the color of their presence avatar and cursor.
//
// Monaco decorations name CSS classes, not colors, so one <style> element holds a rule per author
// (`blame-u-<id>`), the way remoteCursorStyles does for cursors. Decorations are a collection
// Monaco keeps moving with edits; a new blame answer replaces them all (a few thousand lines cost
// a few milliseconds).
import { useEffect } from 'react'
import type { Blame, Person } from '../api'
import { colorForUser, tintColorForUser } from '../colors'
import { monaco } from '../editor/monaco'
import { dateTime } from './time'

type Editor = monaco.editor.IStandaloneCodeEditor

function userClass (userId: number | null): string {
  return userId === null ? 'blame-unknown' : `blame-u-${userId}`
}

// Markdown text is escaped: usernames are whatever people registered.
function escapeMarkdown (s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&')
}

function hover (names: Map<number, string>, userId: number | null, at: string | null): monaco.IMarkdownString {
  const who = userId === null ? 'Unknown author' : `**${escapeMarkdown(names.get(userId) ?? `user ${userId}`)}**`
  return { value: at ? `${who} · ${escapeMarkdown(dateTime(at))}` : who }
}

export function blameCss (users: Person[]): string {
  return users.map((u) =>
    `.blame-bar.blame-u-${u.id} { --blame-color: ${colorForUser(u.id)}; }\n` +
    `.blame-run.blame-u-${u.id} { background-color: ${tintColorForUser(u.id)}; }\n`
  ).join('')
}

export function blameDecorations (blame: Blame, lineCount: number): monaco.editor.IModelDeltaDecoration[] {
  const names = new Map(blame.users.map((u) => [u.id, u.username]))
  const out: monaco.editor.IModelDeltaDecoration[] = []
  for (const l of blame.lines) {
    // The blame may be a moment older than the text here: lines beyond the end are skipped, and
    // the next answer (debounced after the edit) puts everything right.
    if (l.line < 1 || l.line > lineCount) continue
    // An empty line with no known author gets no bar: nobody in particular wrote it.
    if (l.user_id === null && !l.runs.some((r) => r.end > r.start)) continue
    out.push({
      range: new monaco.Range(l.line, 1, l.line, 1),
      options: {
        isWholeLine: true,
        linesDecorationsClassName: `blame-bar ${userClass(l.user_id)}`,
        lineNumberHoverMessage: hover(names, l.user_id, l.at)
      }
    })
    for (const r of l.runs) {
      if (r.end <= r.start) continue
      out.push({
        range: new monaco.Range(l.line, r.start + 1, l.line, r.end + 1),
        options: {
          inlineClassName: `blame-run ${userClass(r.user_id)}`,
          hoverMessage: hover(names, r.user_id, r.at),
          stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges
        }
      })
    }
  }
  return out
}

// Shows `blame` in `editor` (null: nothing). Keeps the style element and the decorations for as
// long as the editor lives.
export function useBlameDecorations (editor: Editor | null, blame: Blame | null): void {
  useEffect(() => {
    if (!editor || !blame) return
    const style = document.createElement('style')
    style.dataset.weft = 'blame'
    style.textContent = blameCss(blame.users)
    document.head.appendChild(style)
    const lineCount = editor.getModel()?.getLineCount() ?? 0
    const decorations = editor.createDecorationsCollection(blameDecorations(blame, lineCount))
    return () => {
      decorations.clear()
      style.remove()
    }
  }, [editor, blame])
}
