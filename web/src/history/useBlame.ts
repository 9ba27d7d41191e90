// useBlame.ts — "Who wrote this": the document's blame (GET …/blame) while the toggle is on. It is
// fetched when turned on, then again DEBOUNCE_MS after the text stops changing (anyone's edits: a
// collaborator's typing changes who wrote what too), so a burst of typing costs one request.
//
// A 404 means this server has no blame route (it came with a later server than the panel): the
// toggle is then turned off and marked unavailable for the rest of the page's life. The document
// itself being gone also answers 404, but the editor shows that already (close code 4404).
import { useCallback, useEffect, useRef, useState } from 'react'
import type * as Y from 'yjs'
import { ApiError, type Api, type Blame } from '../api'
import { errorText } from '../errorText'

const DEBOUNCE_MS = 1500

export type BlameStatus = 'off' | 'loading' | 'on' | 'unavailable'

export interface BlameState {
  status: BlameStatus
  blame: Blame | null // the last answer, shown while a newer one loads
  error: string | null
  toggle: () => void
}

export function useBlame (api: Api, docId: number, text: Y.Text | null): BlameState {
  const [wanted, setWanted] = useState(false)
  const [unavailable, setUnavailable] = useState(false)
  const [blame, setBlame] = useState<Blame | null>(null)
  const [error, setError] = useState<string | null>(null)
  const latest = useRef(0)

  const load = useCallback(async () => {
    const seq = ++latest.current
    try {
      const next = await api.blame(docId)
      if (seq !== latest.current) return
      setBlame(next)
      setError(null)
    } catch (err) {
      if (seq !== latest.current) return
      if (err instanceof ApiError && err.status === 404) {
        setUnavailable(true)
        setWanted(false)
      } else {
        setError(errorText(err))
      }
    }
  }, [api, docId])

  useEffect(() => {
    if (!wanted || !text) return
    void load()
    let timer: number | undefined
    const onChange = () => {
      window.clearTimeout(timer)
      timer = window.setTimeout(() => void load(), DEBOUNCE_MS)
    }
    text.observe(onChange)
    return () => {
      text.unobserve(onChange)
      window.clearTimeout(timer)
      latest.current++ // an answer still on its way is for a view that is gone
      setBlame(null)
      setError(null)
    }
  }, [wanted, text, load])

  const toggle = useCallback(() => { if (!unavailable) setWanted((w) => !w) }, [unavailable])
  const status: BlameStatus = unavailable ? 'unavailable' : !wanted ? 'off' : blame ? 'on' : 'loading'
  return { status, blame, error, toggle }
}
