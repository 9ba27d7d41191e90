// usePaged.ts — a list the API gives newest first, a page at a time with a cursor (the versions,
// the activity feed): the newest page when mounted, older pages appended by loadOlder, and a
// refresh that reloads as many items as are shown (so "Load older" is not undone). Refreshes
// happen when asked (after an action) and every POLL_MS while mounted, since the server adds
// versions on its own (after a quiet period).
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError } from '../api'

const PAGE = 50
const MAX_LIMIT = 200 // the API's cap on `limit`
const POLL_MS = 10_000

export interface Page<T> {
  items: T[]
  next: number | null // the cursor of the next, older page
}

export interface PagedState<T> {
  items: T[]
  hasOlder: boolean
  loaded: boolean // the first answer (or error) is in
  loadingOlder: boolean
  error: ApiError | null
  loadOlder: () => Promise<void>
  refresh: () => Promise<void>
}

function asApiError (err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'error', String(err))
}

// `fetchPage` must be stable (useCallback) for as long as the list is the same; `key` names an
// item, to drop one an older page repeats (a version thinned between two requests shifts pages).
export function usePaged<T> (fetchPage: (before: number | null, limit: number) => Promise<Page<T>>, key: (item: T) => string): PagedState<T> {
  const [items, setItems] = useState<T[]>([])
  const [next, setNext] = useState<number | null>(null)
  const [loaded, setLoaded] = useState(false)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  // Answers can overtake each other (a poll and a refresh after an action): only the answer to
  // the latest request is kept.
  const latest = useRef(0)
  const shown = useRef(0)
  shown.current = items.length
  const keyRef = useRef(key)
  keyRef.current = key

  const load = useCallback(async (before: number | null, limit: number, append: boolean) => {
    const seq = ++latest.current
    if (append) setLoadingOlder(true)
    try {
      const page = await fetchPage(before, limit)
      if (seq !== latest.current) return
      if (append) {
        setItems((old) => {
          const seen = new Set(old.map(keyRef.current))
          return [...old, ...page.items.filter((i) => !seen.has(keyRef.current(i)))]
        })
      } else {
        setItems(page.items)
      }
      setNext(page.next)
      setError(null)
    } catch (err) {
      if (seq === latest.current) setError(asApiError(err))
    } finally {
      if (seq === latest.current) {
        setLoaded(true)
        setLoadingOlder(false)
      }
    }
  }, [fetchPage])

  const refresh = useCallback(() => load(null, Math.min(MAX_LIMIT, Math.max(PAGE, shown.current)), false), [load])
  const loadOlder = useCallback(async () => { if (next !== null) await load(next, PAGE, true) }, [load, next])

  useEffect(() => {
    void refresh()
    const timer = window.setInterval(() => void refresh(), POLL_MS)
    return () => window.clearInterval(timer)
  }, [refresh])

  return { items, hasOlder: next !== null, loaded, loadingOlder, error, loadOlder, refresh }
}
