// EditorPage.tsx — opens document `id`: fetches its metadata (title, language, the caller's role),
// then hands over to DocumentEditor. "No such document" and "no access" are clear messages. With
// no network, a document opened before opens with the metadata seen last (lastSeen.ts); its text
// comes from IndexedDB.
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { ApiError, type DocumentInfo } from '../api'
import { forgetDocument, rememberDocument, rememberedDocument } from '../lastSeen'
import { navigate } from '../router'
import { useSession } from '../session'
import { AppHeader } from './AppHeader'
import { DocumentEditor } from './DocumentEditor'
import { FailurePanel } from './FailurePanel'
import { errorText } from '../errorText'

export function EditorPage ({ id }: { id: number }) {
  const { api, user } = useSession()
  const [doc, setDoc] = useState<DocumentInfo | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [lost, setLost] = useState<403 | 404 | null>(null) // access or document gone while open
  const back = <button type='button' className='button button-primary' onClick={() => navigate('/')}>Back to documents</button>

  // Fetches the metadata again. After the first load only a final answer counts (403, 404), and it
  // is shown over the open editor (whose text can still be downloaded); being offline for a moment
  // changes nothing.
  const reload = useCallback(async (first = false) => {
    try {
      const next = await api.getDocument(id)
      rememberDocument(user.id, next)
      setDoc(next)
      setError(null)
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'error', String(err))
      if (e.status === 403 || e.status === 404) forgetDocument(user.id, id)
      const seen = first && e.code === 'network' ? rememberedDocument(user.id, id) : null
      if (seen) setDoc(seen)
      else if (first) setError(e)
      else if (e.status === 403 || e.status === 404) setLost(e.status)
    }
  }, [api, id, user.id])

  useEffect(() => {
    setDoc(null)
    setError(null)
    setLost(null)
    void reload(true)
  }, [reload])

  const reloadLater = useCallback(() => reload(), [reload])

  useEffect(() => {
    document.title = doc ? `${doc.title} — Weft` : 'Weft'
    return () => { document.title = 'Weft' }
  }, [doc])

  // Until the editor (which has its own toolbar with the user menu) is shown: the app's header.
  const framed = (content: ReactNode) => <div className='page'><AppHeader />{content}</div>
  if (error?.status === 404) {
    return framed(<FailurePanel title='Document not found' message='This document does not exist, or it was deleted.'>{back}</FailurePanel>)
  }
  if (error?.status === 403) {
    return framed(
      <FailurePanel title='No access' message={`You (${user.username}) do not have access to this document. Ask its owner to share it with you.`}>
        {back}
      </FailurePanel>
    )
  }
  if (error) {
    return framed(
      <FailurePanel title='Cannot open the document' message={errorText(error)}>
        <button type='button' className='button' onClick={() => { setError(null); void reload(true) }}>Try again</button>
        {back}
      </FailurePanel>
    )
  }
  if (!doc) return <div className='loading' aria-busy='true'>Opening…</div>
  return <DocumentEditor key={doc.id} doc={doc} onDocChange={setDoc} reload={reloadLater} lost={lost} />
}
