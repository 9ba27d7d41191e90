// useProjectTree.ts — a project's file tree, read again (`refresh`) when the project's live
// channel says it changed (useProjectChannel: others' creates, renames and deletes, on any
// instance), right after this user's own changes, and when the window regains focus. Refreshes
// asked for while one is running coalesce into one more. An answer equal to the one shown changes
// nothing (no re-render); a 403/404 is final and stops asking.
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, type Api, type ProjectTree } from '../api'

export interface TreeState {
  tree: ProjectTree | null
  // The last failure: final (403, 404) or passing (network, 5xx; the last tree stays shown).
  error: ApiError | null
  refresh: () => Promise<void>
}

export function useProjectTree (api: Api, projectId: number): TreeState {
  const [tree, setTree] = useState<ProjectTree | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const shown = useRef('')
  const stopped = useRef(false)
  // Answers can overtake each other; only the newest request's answer is shown.
  const latest = useRef(0)
  // At most one request at a time, and one more after it when asked meanwhile.
  const running = useRef<Promise<void> | null>(null)
  const again = useRef(false)

  const fetchTree = useCallback(async () => {
    if (stopped.current) return
    const n = ++latest.current
    try {
      const next = await api.projectTree(projectId)
      if (n !== latest.current) return
      const text = JSON.stringify(next)
      if (text !== shown.current) {
        shown.current = text
        setTree(next)
      }
      setError(null)
    } catch (err) {
      if (n !== latest.current) return
      const e = err instanceof ApiError ? err : new ApiError(0, 'error', String(err))
      if (e.status === 403 || e.status === 404) stopped.current = true
      setError(e)
    }
  }, [api, projectId])

  const refresh = useCallback(async (): Promise<void> => {
    if (running.current) {
      again.current = true
      return await running.current
    }
    const run = (async () => {
      do {
        again.current = false
        await fetchTree()
      } while (again.current)
    })()
    running.current = run
    try {
      await run
    } finally {
      running.current = null
    }
  }, [fetchTree])

  useEffect(() => {
    stopped.current = false
    shown.current = ''
    setTree(null)
    setError(null)
    void refresh()
    const onFocus = () => void refresh()
    window.addEventListener('focus', onFocus)
    return () => window.removeEventListener('focus', onFocus)
  }, [refresh])

  return { tree, error, refresh }
}
