// DocumentSection.tsx — a titled group of documents (mine, shared with me, public).
import type { DocumentInfo } from '../api'
import { DocumentRow } from './DocumentRow'

interface Props {
  title: string
  empty: string
  docs: DocumentInfo[]
  onRename: (doc: DocumentInfo) => void
  onDelete: (doc: DocumentInfo) => void
  onTogglePublic: (doc: DocumentInfo) => void
  more?: boolean // the server has more than those shown: a “Show more” button calls onMore
  onMore?: () => void
}

export function DocumentSection ({ title, empty, docs, more = false, onMore, ...actions }: Props) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`
  return (
    <section className='doc-section' aria-labelledby={id}>
      <h2 id={id}>{title} <span className='count'>{docs.length}{more ? '+' : ''}</span></h2>
      {docs.length === 0
        ? <p className='empty'>{empty}</p>
        : <ul className='doc-list'>{docs.map((d) => <DocumentRow key={d.id} doc={d} {...actions} />)}</ul>}
      {more && (
        <button type='button' className='button button-small load-more' onClick={onMore}>Show more</button>
      )}
    </section>
  )
}
