// DocumentRow.tsx — one document in the list: its name (a link that opens it), language, owner,
// visibility, last change, and the actions the caller's role allows.
import type { DocumentInfo } from '../api'
import { languageName } from '../languages'
import { relativeTime } from '../relativeTime'
import { navigate } from '../router'
import { RoleBadge } from './RoleBadge'

interface Props {
  doc: DocumentInfo
  onRename: (doc: DocumentInfo) => void
  onDelete: (doc: DocumentInfo) => void
  onTogglePublic: (doc: DocumentInfo) => void
}

export function DocumentRow ({ doc, onRename, onDelete, onTogglePublic }: Props) {
  const href = `/d/${doc.id}`
  const owner = doc.role === 'owner'
  return (
    <li className='doc-row' data-doc-id={doc.id}>
      <a
        className='doc-title'
        href={href}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
          e.preventDefault()
          navigate(href)
        }}
      >
        <span className='doc-icon' aria-hidden='true'>{'{ }'}</span>
        <span className='doc-name'>{doc.title}</span>
      </a>
      <span className='doc-meta doc-language'>{languageName(doc.language)}</span>
      <span className='doc-meta doc-owner'>{owner ? 'you' : doc.owner?.username ?? '—'}</span>
      <span className='doc-meta doc-visibility'>{doc.is_public ? 'Public' : 'Private'}</span>
      <span className='doc-meta doc-updated' title={new Date(doc.updated_at).toLocaleString()}>{relativeTime(doc.updated_at)}</span>
      <span className='doc-role'><RoleBadge role={doc.role} /></span>
      <span className='doc-actions'>
        {doc.role !== 'viewer' && (
          <button type='button' className='button button-small' onClick={() => onRename(doc)} aria-label={`Rename ${doc.title}`}>Rename</button>
        )}
        {owner && (
          <button type='button' className='button button-small' onClick={() => onTogglePublic(doc)} aria-label={`Make ${doc.title} ${doc.is_public ? 'private' : 'public'}`}>
            {doc.is_public ? 'Make private' : 'Make public'}
          </button>
        )}
        {owner && (
          <button type='button' className='button button-small button-danger-quiet' onClick={() => onDelete(doc)} aria-label={`Delete ${doc.title}`}>Delete</button>
        )}
      </span>
    </li>
  )
}
