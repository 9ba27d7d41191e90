// FileTab.tsx — one open file of a project, the panel of its tab: fetches the file's document
// (its role, language and the creation time that names its local copy) and hands over to
// FileEditor, which holds its own live connection. A file that is gone (404) or out of reach (403)
// says so in the panel and tells the workspace (`onGone`), whose tab then says it too.
import { useCallback, useEffect, useState } from 'react'
import { ApiError, type DocumentInfo } from '../api'
import type { Peer } from '../collab/useCollab'
import type { Reveal } from './CodeEditor'
import { useSession } from '../session'
import { FailurePanel } from './FailurePanel'
import { FileEditor } from './FileEditor'

interface Props {
  fileId: number
  path: string // as the tree has it now (a rename shows at once)
  language: string | null // the tree's, which follows a rename's extension
  active: boolean
  deleted: boolean
  reveal: Reveal | null // a search result to show
  onGone: (fileId: number) => void
  onClose: (fileId: number) => void
  onChanged: () => void // the file's metadata changed here: read the tree again
  onPeers: (fileId: number, peers: Peer[]) => void
  follow: number | null // FileEditor's
  onStopFollow: () => void
}

export function FileTab ({ fileId, path, language, active, deleted, reveal, onGone, onClose, onChanged, onPeers, follow, onStopFollow }: Props) {
  const { api } = useSession()
  const [doc, setDoc] = useState<DocumentInfo | null>(null)
  const [error, setError] = useState<ApiError | null>(null)

  const load = useCallback(async () => {
    try {
      setDoc(await api.getDocument(fileId))
      setError(null)
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'error', String(err))
      if (e.status === 404) onGone(fileId)
      setError(e)
    }
  }, [api, fileId, onGone])

  useEffect(() => { void load() }, [load])

  const close = <button type='button' className='button button-primary' onClick={() => onClose(fileId)}>Close tab</button>
  let body
  if (doc) {
    body = <FileEditor doc={doc} path={path} language={language ?? doc.language} active={active} deleted={deleted} reveal={reveal} onDocChange={setDoc} reload={load} onGone={onGone} onClose={onClose} onChanged={onChanged} onPeers={onPeers} follow={follow} onStopFollow={onStopFollow} />
  } else if (error?.status === 404 || (deleted && !doc)) {
    body = <FailurePanel title='File deleted' message={`${path} was deleted from this project.`}>{close}</FailurePanel>
  } else if (error) {
    body = (
      <FailurePanel title='Cannot open the file' message={error.message}>
        <button type='button' className='button' onClick={() => void load()}>Try again</button>
        {close}
      </FailurePanel>
    )
  } else {
    body = <div className='loading' aria-busy='true'>Opening…</div>
  }
  return (
    <div
      className='file-tab-panel'
      role='tabpanel'
      id={`tabpanel-${fileId}`}
      aria-labelledby={`tab-${fileId}`}
      hidden={!active}
      data-file-id={fileId}
      data-path={path}
    >
      {body}
    </div>
  )
}
