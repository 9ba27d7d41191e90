// useImport.ts — one import at a time into a project: makes the source into a body
// (importSource.ts), POSTs it, lets the workspace catch up (`onImported`: read the tree again,
// open the folder) and keeps the report to show — "Importing…", what came in and what was left
// out (importReport.ts), or the refusal as a sentence (importErrorText). The server imports all or
// nothing, so a failure means the tree is as it was.
import { useCallback, useRef, useState } from 'react'
import type { Api, ImportResult } from '../api'
import { importErrorText } from '../errorText'
import { importBody, type ImportSource } from './importSource'
import { importReport } from './importReport'

export interface ImportStatus {
  state: 'running' | 'done' | 'failed'
  text: string
}

export interface Importer {
  status: ImportStatus | null
  // `source` may still be being read (a dropped folder is walked asynchronously).
  run: (source: ImportSource | Promise<ImportSource>, folder: string) => Promise<void>
  dismiss: () => void
}

export function useImport (api: Api, projectId: number, onImported: (result: ImportResult, folder: string) => Promise<void>): Importer {
  const [status, setStatus] = useState<ImportStatus | null>(null)
  const running = useRef(false)

  const run = useCallback(async (source: ImportSource | Promise<ImportSource>, folder: string) => {
    if (running.current) return // the tree would change under a second one's conflicts
    running.current = true
    setStatus({ state: 'running', text: folder === '' ? 'Importing…' : `Importing into ${folder}…` })
    try {
      const src = await source
      if (src.kind === 'files' && src.files.length === 0) {
        setStatus({ state: 'failed', text: 'There is nothing in that folder to import.' })
        return
      }
      const { body, type } = await importBody(src)
      const result = await api.importArchive(projectId, body, type, folder)
      await onImported(result, folder)
      setStatus({ state: 'done', text: importReport(result, folder) })
    } catch (err) {
      setStatus({ state: 'failed', text: importErrorText(err) })
    } finally {
      running.current = false
    }
  }, [api, projectId, onImported])

  const dismiss = useCallback(() => setStatus(null), [])
  return { status, run, dismiss }
}
