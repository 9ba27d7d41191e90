// FileEditor.tsx — an open project file: its own bar (path, language, role, who has this file
// open, connection, history, who wrote this, download) over a live collaborative editor with its
// own Y.Doc, WebSocket provider (the same /ws/<id> as any document) and presence. Unmounting it —
// closing the tab — destroys the provider, which disconnects. Kept mounted while its tab is in the
// background (`active` false), so switching tabs keeps the connection, the undo stack and the
// caret. The server closes a deleted file's connection with 4404: the panel then says the file was
// deleted and offers the text that was on screen.
import { Suspense, useCallback, useEffect, useRef, useState } from 'react'
import type { DocumentInfo } from '../api'
import type { Peer } from '../collab/useCollab'
import type { Reveal } from './CodeEditor'
import { failureFor, useCollab } from '../collab/useCollab'
import { downloadText } from '../download'
import { LANGUAGES } from '../languages'
import { useBlame } from '../history/useBlame'
import { baseName } from '../projects/tree'
import { useSession } from '../session'
import { BlameLegend } from './BlameLegend'
import { BlameToggle } from './BlameToggle'
import { ConnectionStatus } from './ConnectionStatus'
import { FailurePanel } from './FailurePanel'
import { FollowBar, followedPeer } from './FollowBar'
import { HistoryPanel } from './HistoryPanel'
import { LazyCodeEditor } from './LazyCodeEditor'
import { PresenceList } from './PresenceList'
import { RoleBadge } from './RoleBadge'
import { SaveState } from './SaveState'

interface Props {
  doc: DocumentInfo
  path: string
  language: string
  active: boolean
  deleted: boolean // the tree says the file is gone
  reveal: Reveal | null
  onDocChange: (doc: DocumentInfo) => void
  reload: () => Promise<void>
  onGone: (fileId: number) => void
  onClose: (fileId: number) => void
  onChanged: () => void
  onPeers: (fileId: number, peers: Peer[]) => void // who else has this file open, for its tab
  // The person the workspace follows across files (ProjectPeople) while this tab is theirs, and
  // how to tell it that following stopped here (typing, clicking, Stop following).
  follow: number | null
  onStopFollow: () => void
}

export function FileEditor ({ doc, path, language, active, deleted, reveal, onDocChange, reload, onGone, onClose, onChanged, onPeers, follow, onStopFollow }: Props) {
  const { api, user, signOut } = useSession()
  const [actionError, setActionError] = useState<string | null>(null)
  const [historyOpen, setHistoryOpen] = useState(false)
  const [following, setFollowing] = useState<number | null>(null)
  const stopFollowing = useCallback(() => {
    setFollowing(null)
    onStopFollow()
  }, [onStopFollow])
  // The workspace's follow starts here when this tab becomes the followed person's, and ends
  // here when they move on to another file (this tab stays open behind).
  const followed = useRef<number | null>(null)
  useEffect(() => {
    if (follow !== null) setFollowing(follow)
    else if (followed.current !== null) setFollowing((f) => (f === followed.current ? null : f))
    followed.current = follow
  }, [follow])
  const [editorArea, setEditorArea] = useState<HTMLElement | null>(null)
  const historyButton = useRef<HTMLButtonElement>(null)
  const c = useCollab({
    docId: doc.id,
    token: api.token,
    userId: user.id,
    username: user.username,
    storageKey: `weft:${user.id}:doc:${doc.id}:${doc.created_at}`
  })
  const blame = useBlame(api, doc.id, c.collab?.text ?? null)

  useEffect(() => {
    if (c.remoteChanges > 0) void reload()
  }, [c.remoteChanges, reload])

  useEffect(() => {
    onPeers(doc.id, c.peers.filter((p) => !p.isLocal))
  }, [c.peers, onPeers, doc.id])
  useEffect(() => () => onPeers(doc.id, []), [onPeers, doc.id])

  const failure = c.failure ?? (deleted ? failureFor(4404) : null)
  const gone = failure?.code === 4404
  useEffect(() => {
    if (gone) onGone(doc.id)
  }, [gone, onGone, doc.id])

  const setLanguage = async (next: string) => {
    try {
      onDocChange(await api.updateDocument(doc.id, { language: next }))
      c.announceChange()
      onChanged()
      setActionError(null)
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err))
    }
  }

  const download = () => { if (c.collab) downloadText(baseName(path), c.collab.text.toString()) }
  const canEdit = doc.role !== 'viewer'
  const followedPerson = followedPeer(c.peers, following)

  return (
    <div className='file-editor'>
      <div className='file-bar'>
        <span className='file-path' title={path} data-testid='file-path'>{path}</span>
        <select
          className='language-select'
          aria-label='Language'
          value={language}
          disabled={!canEdit || failure !== null}
          onChange={(e) => void setLanguage(e.target.value)}
        >
          {LANGUAGES.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
        </select>
        {!canEdit && <RoleBadge role='viewer' long />}
        {actionError && <span className='toolbar-error' role='alert'>{actionError}</span>}
        <span className='toolbar-spacer' />
        <PresenceList peers={c.peers} following={following} onFollow={setFollowing} disabled={failure !== null} />
        <ConnectionStatus status={c.status} synced={c.synced} />
        {doc.role !== 'viewer' && <SaveState status={c.status} synced={c.synced} unsent={c.unsent} oldestUnsentAt={c.oldestUnsentAt} acknowledged={c.acknowledged} />}
        <button
          ref={historyButton}
          type='button'
          className={historyOpen ? 'button button-small button-toggle button-pressed' : 'button button-small button-toggle'}
          aria-expanded={historyOpen}
          title='Versions of this file'
          onClick={() => setHistoryOpen((o) => !o)}
        >
          History
        </button>
        <BlameToggle status={blame.status} error={blame.error} onToggle={blame.toggle} />
        <button type='button' className='button button-small' onClick={download} title={`Download ${baseName(path)}`}>Download</button>
      </div>
      <FollowBar person={followedPerson} onStop={stopFollowing} />
      <div className='editor-body'>
        <div className='editor-column'>
          {blame.status !== 'off' && blame.status !== 'unavailable' && <BlameLegend blame={blame.blame} error={blame.error} />}
          <div className='editor-main' ref={setEditorArea}>
            {c.collab && (
              <Suspense fallback={<div className='loading'>Loading the editor…</div>}>
                <LazyCodeEditor
                  collab={c.collab}
                  language={language}
                  readOnly={!canEdit || failure !== null}
                  peers={c.peers}
                  blame={blame.status === 'on' ? blame.blame : null}
                  active={active}
                  reveal={reveal}
                  following={following}
                  onStopFollowing={stopFollowing}
                />
              </Suspense>
            )}
            {failure && (
              <FailurePanel
                overlay
                title={gone ? 'File deleted' : failure.code === 4401 ? 'Signed out' : failure.code === 4403 ? 'Access removed' : 'Disconnected'}
                message={gone ? `${path} was deleted from this project. Its text is still here to download.` : failure.message}
              >
                {failure.signInAgain
                  ? <button type='button' className='button button-primary' onClick={() => signOut('Sign in again to continue; your unsent edits are kept in this browser.')}>Sign in again</button>
                  : <button type='button' className='button button-primary' onClick={() => onClose(doc.id)}>Close tab</button>}
                <button type='button' className='button' onClick={download}>Download your copy</button>
              </FailurePanel>
            )}
          </div>
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
    </div>
  )
}
