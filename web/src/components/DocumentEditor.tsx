// DocumentEditor.tsx — an open document: the toolbar (name, language, role, connection, who is
// here, history, who wrote this, share, download) over the collaborative editor, and the History
// panel beside it when open. Metadata is fetched again when another
// client says it changed, when the window regains focus, and every 30 s, so a role change (say,
// editor → viewer) reaches the editor without a reload. Once the editor is stopped (the server
// ended the connection for good, or the API says the document is gone or no longer ours) that
// polling ends, the History panel closes, and every control that would change the document or ask
// the server about it is disabled; Download and the user menu stay.
import { Suspense, useCallback, useEffect, useRef, useState } from 'react'
import type { DocumentInfo } from '../api'
import { failureFor, useCollab } from '../collab/useCollab'
import { downloadText } from '../download'
import { LANGUAGES } from '../languages'
import { useBlame } from '../history/useBlame'
import { navigate } from '../router'
import { useSession } from '../session'
import { documentShare } from '../share'
import { BlameLegend } from './BlameLegend'
import { BlameToggle } from './BlameToggle'
import { ConnectionStatus } from './ConnectionStatus'
import { FailurePanel } from './FailurePanel'
import { FollowBar, followedPeer } from './FollowBar'
import { HistoryPanel } from './HistoryPanel'
import { LazyCodeEditor as CodeEditor } from './LazyCodeEditor'
import { PresenceList } from './PresenceList'
import { RenameDialog } from './RenameDialog'
import { RoleBadge } from './RoleBadge'
import { SaveState } from './SaveState'
import { ShareDialog } from './ShareDialog'
import { UserMenu } from './UserMenu'
import { errorText } from '../errorText'

interface Props {
  doc: DocumentInfo
  onDocChange: (doc: DocumentInfo) => void
  reload: () => Promise<void>
  // Set when the API said the document is gone (404) or no longer open to us (403).
  lost: 403 | 404 | null
}

const REFRESH_MS = 30_000

export function DocumentEditor ({ doc, onDocChange, reload, lost }: Props) {
  const { api, user, signOut } = useSession()
  const [dialog, setDialog] = useState<'share' | 'rename' | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const [historyOpen, setHistoryOpen] = useState(false)
  // Where the History panel shows a version's comparison: over the editor.
  const [editorArea, setEditorArea] = useState<HTMLElement | null>(null)
  const historyButton = useRef<HTMLButtonElement>(null)
  const [following, setFollowing] = useState<number | null>(null)
  const stopFollowing = useCallback(() => setFollowing(null), [])
  const c = useCollab({
    docId: doc.id,
    token: api.token,
    userId: user.id,
    username: user.username,
    storageKey: `weft:${user.id}:doc:${doc.id}:${doc.created_at}`
  })

  const failure = c.failure ?? (lost ? failureFor(lost === 404 ? 4404 : 4403) : null)
  const stopped = failure !== null
  const blame = useBlame(api, doc.id, stopped ? null : c.collab?.text ?? null)

  useEffect(() => {
    if (c.remoteChanges > 0 && !stopped) void reload()
  }, [c.remoteChanges, reload, stopped])

  useEffect(() => {
    if (!stopped) return
    setHistoryOpen(false)
    setFollowing(null)
    setDialog(null)
  }, [stopped])

  useEffect(() => {
    if (stopped) return
    const onFocus = () => void reload()
    window.addEventListener('focus', onFocus)
    const timer = window.setInterval(() => void reload(), REFRESH_MS)
    return () => {
      window.removeEventListener('focus', onFocus)
      window.clearInterval(timer)
    }
  }, [reload, stopped])

  const changed = (next: DocumentInfo) => {
    onDocChange(next)
    c.announceChange()
  }

  const setLanguage = async (language: string) => {
    try {
      changed(await api.updateDocument(doc.id, { language }))
      setActionError(null)
    } catch (err) {
      setActionError(errorText(err))
    }
  }

  const download = () => { if (c.collab) downloadText(doc.title, c.collab.text.toString()) }
  const canEdit = doc.role !== 'viewer' && !stopped
  const followed = followedPeer(c.peers, following)

  return (
    <div className='editor-page'>
      <header className='toolbar'>
        <a className='toolbar-back' href='/' aria-label='Back to documents' title='Back to documents'
          onClick={(e) => { e.preventDefault(); navigate('/') }}
        >
          <span className='brand-mark' aria-hidden='true'>W</span>
        </a>
        {canEdit
          ? (
            <button type='button' className='doc-heading doc-heading-button' title='Rename' onClick={() => setDialog('rename')}>
              {doc.title}
            </button>
            )
          : <span className='doc-heading'>{doc.title}</span>}
        <select
          className='language-select'
          aria-label='Language'
          value={doc.language}
          disabled={!canEdit}
          onChange={(e) => void setLanguage(e.target.value)}
        >
          {LANGUAGES.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
        </select>
        {doc.role === 'viewer' && <RoleBadge role='viewer' long />}
        {actionError && <span className='toolbar-error' role='alert'>{actionError}</span>}
        <span className='toolbar-spacer' />
        <PresenceList peers={c.peers} following={following} onFollow={setFollowing} disabled={stopped} />
        <ConnectionStatus status={c.status} synced={c.synced} />
        {doc.role !== 'viewer' && <SaveState status={c.status} synced={c.synced} unsent={c.unsent} oldestUnsentAt={c.oldestUnsentAt} acknowledged={c.acknowledged} />}
        <button
          ref={historyButton}
          type='button'
          className={historyOpen ? 'button button-toggle button-pressed' : 'button button-toggle'}
          aria-expanded={historyOpen}
          disabled={stopped}
          title='Versions of this document'
          onClick={() => setHistoryOpen((o) => !o)}
        >
          History
        </button>
        <BlameToggle status={blame.status} error={blame.error} onToggle={blame.toggle} disabled={stopped} />
        {doc.role === 'owner' && (
          <button type='button' className='button button-primary' disabled={stopped} onClick={() => setDialog('share')}>Share</button>
        )}
        <button type='button' className='button' onClick={download} title={`Download ${doc.title}`}>Download</button>
        <UserMenu compact />
      </header>
      <FollowBar person={followed} onStop={stopFollowing} />
      <div className='editor-body'>
        <div className='editor-column'>
          {blame.status !== 'off' && blame.status !== 'unavailable' && <BlameLegend blame={blame.blame} error={blame.error} />}
          <main className='editor-main' ref={setEditorArea}>
            {c.collab && (
              <Suspense fallback={<div className='loading'>Loading the editor…</div>}>
                <CodeEditor
                  collab={c.collab}
                  language={doc.language}
                  readOnly={!canEdit}
                  peers={c.peers}
                  blame={blame.status === 'on' ? blame.blame : null}
                  following={following}
                  onStopFollowing={stopFollowing}
                />
              </Suspense>
            )}
            {failure && (
              <FailurePanel
                overlay
                title={failure.code === 4401 ? 'Signed out' : failure.code === 4404 ? 'Document deleted' : failure.code === 4403 ? 'Access removed' : 'Disconnected'}
                message={failure.message}
              >
                {failure.signInAgain
                  ? <button type='button' className='button button-primary' onClick={() => signOut('Sign in again to continue; your unsent edits are kept in this browser.')}>Sign in again</button>
                  : <button type='button' className='button button-primary' onClick={() => navigate('/')}>Back to documents</button>}
                <button type='button' className='button' onClick={download}>Download your copy</button>
              </FailurePanel>
            )}
          </main>
        </div>
        {historyOpen && (
          <HistoryPanel
            doc={doc}
            current={c.collab?.text ?? null}
            diffHost={editorArea}
            onClose={() => {
              setHistoryOpen(false)
              historyButton.current?.focus()
            }}
          />
        )}
      </div>
      {dialog === 'share' && (
        <ShareDialog target={documentShare(api, doc, changed)} onClose={() => setDialog(null)} />
      )}
      {dialog === 'rename' && (
        <RenameDialog doc={doc} onClose={() => setDialog(null)} onRenamed={(next) => { changed(next); setDialog(null) }} />
      )}
    </div>
  )
}
