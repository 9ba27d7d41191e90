// SearchPanel.tsx — search across a project's files (Ctrl/Cmd+Shift+F): the server searches every
// file's live text (GET …/search; literal or regular expression, case-sensitive or not) and this
// lists the matches by file, each line with the match marked; choosing one opens the file at it
// (`onJump`). Searches run as one types (after a pause) and on Enter; "More results" follows the
// page's cursor.
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, type SearchMatch } from '../api'
import { useSession } from '../session'

const DEBOUNCE_MS = 300

interface Props {
  projectId: number
  focusSignal: number // changes each time the field should take the focus (Ctrl/Cmd+Shift+F again)
  onJump: (match: SearchMatch) => void
}

interface Results {
  query: string
  matches: SearchMatch[]
  next: number | null
  files: number
}

export function SearchPanel ({ projectId, focusSignal, onJump }: Props) {
  const { api } = useSession()
  const [query, setQuery] = useState('')
  const [regex, setRegex] = useState(false)
  const [caseSensitive, setCaseSensitive] = useState(false)
  const [results, setResults] = useState<Results | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const latest = useRef(0)

  useEffect(() => {
    if (focusSignal > 0) input.current?.select()
  }, [focusSignal])

  const run = useCallback(async (q: string, cursor: number | null = null) => {
    const n = ++latest.current
    if (q === '') {
      setResults(null)
      setError(null)
      return
    }
    setBusy(true)
    try {
      const page = await api.search(projectId, q, { regex, caseSensitive, cursor })
      if (n !== latest.current) return
      setResults((r) => ({
        query: q,
        matches: cursor !== null && r ? [...r.matches, ...page.matches] : page.matches,
        next: page.next_cursor,
        files: page.files
      }))
      setError(null)
    } catch (err) {
      if (n !== latest.current) return
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err))
      setResults(null)
    } finally {
      if (n === latest.current) setBusy(false)
    }
  }, [api, projectId, regex, caseSensitive])

  useEffect(() => {
    const timer = window.setTimeout(() => void run(query), DEBOUNCE_MS)
    return () => window.clearTimeout(timer)
  }, [query, run])

  // Matches grouped by file, in the server's order (by path).
  const groups: Array<{ path: string, matches: SearchMatch[] }> = []
  for (const m of results?.matches ?? []) {
    const last = groups[groups.length - 1]
    if (last?.path === m.file.path) last.matches.push(m)
    else groups.push({ path: m.file.path, matches: [m] })
  }

  return (
    <div className='search-panel'>
      <form role='search' className='search-form' onSubmit={(e) => { e.preventDefault(); void run(query) }}>
        <input
          ref={input}
          type='search'
          aria-label='Search in files'
          placeholder='Search in files'
          value={query}
          spellCheck={false}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className='search-options'>
          <button type='button' className={caseSensitive ? 'button button-small button-pressed' : 'button button-small'}
            aria-pressed={caseSensitive} title='Match case' aria-label='Match case' onClick={() => setCaseSensitive((v) => !v)}
          >
            Aa
          </button>
          <button type='button' className={regex ? 'button button-small button-pressed' : 'button button-small'}
            aria-pressed={regex} title='Regular expression' aria-label='Regular expression' onClick={() => setRegex((v) => !v)}
          >
            .*
          </button>
        </span>
      </form>
      {error && <div className='form-error search-error' role='alert'>{error}</div>}
      <div className='search-summary' role='status' aria-live='polite'>
        {busy ? 'Searching…' : results ? `${results.matches.length}${results.next !== null ? '+' : ''} ${results.matches.length === 1 ? 'match' : 'matches'} in ${groups.length} of ${results.files} files` : ''}
      </div>
      <ul className='search-results' aria-label='Search results'>
        {groups.map((g) => (
          <li key={g.path} className='search-file'>
            <div className='search-file-path' title={g.path}>{g.path} <span className='count'>{g.matches.length}</span></div>
            <ul>
              {g.matches.map((m) => {
                const at = m.snippet_column - 1
                return (
                  <li key={`${m.line}:${m.column}`}>
                    <button type='button' className='search-match' data-path={m.file.path} data-line={m.line} onClick={() => onJump(m)}>
                      <span className='search-line'>{m.line}</span>
                      <span className='search-snippet'>
                        {m.snippet.slice(0, at)}<mark>{m.snippet.slice(at, at + m.length)}</mark>{m.snippet.slice(at + m.length)}
                      </span>
                    </button>
                  </li>
                )
              })}
            </ul>
          </li>
        ))}
      </ul>
      {results?.next != null && (
        <button type='button' className='button button-small load-more' disabled={busy} onClick={() => void run(results.query, results.next)}>More results</button>
      )}
    </div>
  )
}
