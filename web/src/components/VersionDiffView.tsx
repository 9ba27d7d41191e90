// VersionDiffView.tsx — a selected version over the editor: what it is, what one may do with it
// (restore, name or rename, delete: each only for the roles the API allows), and the diff of its
// text against the current text. The version's text is fetched here (GET …/versions/{vid}/content).
import { Suspense, lazy, useEffect, useState } from 'react'
import type * as Y from 'yjs'
import type { Role, Version } from '../api'
import { versionTitle } from '../history/labels'
import { useSession } from '../session'
import { errorText } from '../errorText'

interface Props {
  docId: number
  language: string
  role: Role
  version: Version
  current: Y.Text
  onClose: () => void
  onRestore: () => void
  onRename: () => void
  onDelete: () => void
}

// Monaco's diff editor comes with Monaco, its workers and font, as CodeEditor does (DocumentEditor).
const VersionDiffEditor = lazy(async () => {
  const [{ VersionDiffEditor: Editor }, { loadEditorResources }] = await Promise.all([import('./VersionDiffEditor'), import('../editor/monaco')])
  await loadEditorResources()
  return { default: Editor }
})

export function VersionDiffView ({ docId, language, role, version, current, onClose, onRestore, onRename, onDelete }: Props) {
  const { api } = useSession()
  const [text, setText] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const canEdit = role !== 'viewer'
  const title = versionTitle(version) // "the version of Today 14:05", or its name

  useEffect(() => {
    let live = true
    setText(null)
    setError(null)
    api.versionContent(docId, version.id).then(
      (t) => { if (live) setText(t) },
      (err: unknown) => { if (live) setError(errorText(err)) }
    )
    return () => { live = false }
  }, [api, docId, version.id])

  return (
    <section className='version-view' aria-label='Version compared with the current text' data-version-id={version.id}>
      <header className='version-view-header'>
        <div className='version-view-title'>
          <h2>{title.charAt(0).toUpperCase() + title.slice(1)}</h2>
          <span className='version-view-legend'>
            <span className='diff-swatch diff-swatch-removed' aria-hidden='true' /> this version
            <span className='diff-swatch diff-swatch-added' aria-hidden='true' /> current text
          </span>
        </div>
        <div className='version-view-actions'>
          {canEdit && <button type='button' className='button button-primary' onClick={onRestore}>Restore this version</button>}
          {canEdit && <button type='button' className='button' onClick={onRename}>{version.name ? 'Rename' : 'Name'}</button>}
          {role === 'owner' && <button type='button' className='button button-danger-quiet' onClick={onDelete}>Delete</button>}
          <button type='button' className='icon-button' aria-label='Close the comparison' title='Close (Esc)' onClick={onClose}>✕</button>
        </div>
      </header>
      <div className='version-view-body'>
        {error && <div className='form-error' role='alert'>Cannot load this version: {error}</div>}
        {!error && text === null && <div className='loading' aria-busy='true'>Loading the version…</div>}
        {text !== null && (
          <Suspense fallback={<div className='loading'>Loading the editor…</div>}>
            <VersionDiffEditor original={text} current={current} language={language} />
          </Suspense>
        )}
      </div>
    </section>
  )
}
