// useProjectTree.ts — a project's file tree, kept current by asking again: every 3 s while the
// page is visible, when the window regains focus, and right after this user's own changes
// (`refresh`). The server has no live channel for the tree yet (issue 17, point 3); polling the
// small GET …/tree answer is how others' creates, renames and deletes reach this page. An answer
// equal to the one shown changes nothing (no re-render); a 403/404 is final and stops the polling.
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, type Api, type ProjectTree } from '../api'

const POLL_MS = 3000

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

  const refresh = useCallback(async () => {
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

  useEffect(() => {
    stopped.current = false
    shown.current = ''
    setTree(null)
    setError(null)
    void refresh()
    const tick = () => { if (document.visibilityState === 'visible') void refresh() }
    const timer = window.setInterval(tick, POLL_MS)
    const onFocus = () => void refresh()
    window.addEventListener('focus', onFocus)
    document.addEventListener('visibilitychange', tick)
    return () => {
      window.clearInterval(timer)
      window.removeEventListener('focus', onFocus)
      document.removeEventListener('visibilitychange', tick)
    }
  }, [refresh])

  return { tree, error, refresh }
}
