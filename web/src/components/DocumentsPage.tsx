// DocumentsPage.tsx — the projects the user can open (create, open, delete), then the standalone
// documents in three groups: their own, those shared with them, and public ones. Create, rename,
// delete, make public or private, open.
// Each group is read from the server a page at a time (GET /api/documents?filter=…, 50 a page, “Show
// more” for the next), and the filter box searches titles on the server (after a pause in typing).
// Keys: N new document, / filter. With no network the list seen last is shown (lastSeen.ts), and it
// is fetched again when the browser is back online.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { ApiError, type DocumentFilter, type DocumentInfo, type ProjectInfo } from '../api'
import { rememberDocuments, rememberedDocuments } from '../lastSeen'
import { navigate, projectHref } from '../router'
import { useSession } from '../session'
import { AppHeader } from './AppHeader'
import { ConfirmDialog } from './ConfirmDialog'
import { DocumentSection } from './DocumentSection'
import { NewDocumentDialog } from './NewDocumentDialog'
import { NewProjectDialog } from './NewProjectDialog'
import { ProjectRow } from './ProjectRow'
import { RenameDialog } from './RenameDialog'
import { errorText } from '../errorText'

type Open =
  | { kind: 'new' }
  | { kind: 'rename', doc: DocumentInfo }
  | { kind: 'delete', doc: DocumentInfo }
  | { kind: 'new-project' }
  | { kind: 'delete-project', project: ProjectInfo }
  | null

type Group = Exclude<DocumentFilter, 'all'>
const GROUPS: Group[] = ['mine', 'shared', 'public']
const NO_MORE: Record<Group, string | null> = { mine: null, shared: null, public: null }

function isTyping (target: EventTarget | null): boolean {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))
}

export function DocumentsPage () {
  const { api, user } = useSession()
  const [docs, setDocs] = useState<DocumentInfo[] | null>(null)
  const [projects, setProjects] = useState<ProjectInfo[] | null>(null)
  const [moreProjects, setMoreProjects] = useState<number | null>(null) // next_cursor
  const [error, setError] = useState<string | null>(null)
  const [offline, setOffline] = useState(false) // showing the list seen last
  const [more, setMore] = useState<Record<Group, string | null>>(NO_MORE) // each group's next_cursor
  const [filter, setFilter] = useState('')
  const [query, setQuery] = useState('') // the filter sent to the server, after a pause in typing
  const [open, setOpen] = useState<Open>(null)
  const filterRef = useRef<HTMLInputElement>(null)

  useEffect(() => {
    const q = filter.trim()
    if (q === query) return
    const timer = window.setTimeout(() => setQuery(q), 250)
    return () => window.clearTimeout(timer)
  }, [filter, query])

  // The first page of every group (for the title search `query`).
  const load = useCallback(async () => {
    try {
      const pages = await Promise.all(GROUPS.map((g) => api.listDocuments(g, query)))
      setDocs(pages.flatMap((p) => p.documents))
      setMore({ mine: pages[0].next_cursor, shared: pages[1].next_cursor, public: pages[2].next_cursor })
      setOffline(false)
      setError(null)
    } catch (err) {
      const seen = err instanceof ApiError && err.code === 'network' ? rememberedDocuments(user.id) : null
      if (seen) {
        setDocs((list) => list ?? seen)
        setOffline(true)
      } else {
        setError(errorText(err))
      }
    }
  }, [api, user.id, query])

  const loadMore = async (group: Group) => {
    const cursor = more[group]
    if (cursor === null) return
    try {
      const page = await api.listDocuments(group, query, cursor)
      setDocs((list) => {
        const have = new Set((list ?? []).map((d) => d.id))
        return [...(list ?? []), ...page.documents.filter((d) => !have.has(d.id))]
      })
      setMore((m) => ({ ...m, [group]: page.next_cursor }))
    } catch (err) {
      setError(errorText(err))
    }
  }

  // Projects: the first page, and "Show more" for the next. Offline, the section is left out.
  const loadProjects = useCallback(async (before: number | null = null) => {
    try {
      const page = await api.listProjects(before)
      setProjects((list) => (before === null ? page.projects : [...(list ?? []), ...page.projects]))
      setMoreProjects(page.next_cursor)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'network')) setError(err instanceof Error ? err.message : String(err))
    }
  }, [api])

  useEffect(() => {
    void load()
    const onOnline = () => { void load() }
    window.addEventListener('online', onOnline)
    return () => window.removeEventListener('online', onOnline)
  }, [load])

  useEffect(() => {
    void loadProjects()
    const onOnline = () => { void loadProjects() }
    window.addEventListener('online', onOnline)
    return () => window.removeEventListener('online', onOnline)
  }, [loadProjects])

  // Offline starts show what was seen unfiltered (a search's results would hide the rest).
  useEffect(() => {
    if (docs && !offline && query === '') rememberDocuments(user.id, docs)
  }, [docs, offline, user.id, query])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (open || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return
      if (e.key === 'n' || e.key === 'N') {
        e.preventDefault()
        setOpen({ kind: 'new' })
      } else if (e.key === '/') {
        e.preventDefault()
        filterRef.current?.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [open])

  const replace = (doc: DocumentInfo) => setDocs((list) => list?.map((d) => (d.id === doc.id ? doc : d)) ?? null)

  const togglePublic = async (doc: DocumentInfo) => {
    try {
      replace(await api.updateDocument(doc.id, { is_public: !doc.is_public }))
    } catch (err) {
      setError(errorText(err))
    }
  }

  const shownProjects = useMemo(() => {
    const q = filter.trim().toLowerCase()
    return (projects ?? []).filter((p) => q === '' || p.name.toLowerCase().includes(q) ||
      (p.owner?.username.toLowerCase().includes(q) ?? false))
  }, [projects, filter])

  const groups = useMemo(() => {
    const q = filter.trim().toLowerCase()
    const shown = (docs ?? []).filter((d) => q === '' || d.title.toLowerCase().includes(q) ||
      (d.owner?.username.toLowerCase().includes(q) ?? false))
    const byRecent = (a: DocumentInfo, b: DocumentInfo) => b.updated_at.localeCompare(a.updated_at)
    return {
      mine: shown.filter((d) => d.role === 'owner').sort(byRecent),
      // A private document one does not own is listed only to its members: shared with me.
      shared: shown.filter((d) => d.role !== 'owner' && !d.is_public).sort(byRecent),
      // Public documents of other people (members of a public document see it here too).
      public: shown.filter((d) => d.role !== 'owner' && d.is_public).sort(byRecent)
    }
  }, [docs, filter])

  const actions = {
    onRename: (doc: DocumentInfo) => setOpen({ kind: 'rename', doc }),
    onDelete: (doc: DocumentInfo) => setOpen({ kind: 'delete', doc }),
    onTogglePublic: (doc: DocumentInfo) => void togglePublic(doc)
  }

  return (
    <div className='page'>
      <AppHeader>
        <input
          ref={filterRef}
          className='search'
          type='search'
          placeholder='Filter documents  ( / )'
          aria-label='Filter documents'
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Escape') { setFilter(''); e.currentTarget.blur() } }}
        />
      </AppHeader>
      <main className='documents'>
        <div className='documents-head'>
          <h1>Documents</h1>
          <span className='documents-head-actions'>
            <button type='button' className='button' onClick={() => setOpen({ kind: 'new-project' })}>
              New project
            </button>
            <button type='button' className='button button-primary' onClick={() => setOpen({ kind: 'new' })} title='New document (N)'>
              New document
            </button>
          </span>
        </div>
        {offline && <p className='notice' role='status'>Offline: these are your documents as last seen. Those you opened before open and take edits, which are sent once you are back.</p>}
        {error && <div className='form-error' role='alert'>{error}</div>}
        {docs === null && !error && <p className='empty'>Loading…</p>}
        {projects !== null && (
          <section className='doc-section' aria-labelledby='section-projects'>
            <h2 id='section-projects'>Projects <span className='count'>{shownProjects.length}</span></h2>
            {shownProjects.length === 0
              ? <p className='empty'>No projects yet. A project is a folder of files shared once: create one with “New project”.</p>
              : <ul className='doc-list'>{shownProjects.map((p) => <ProjectRow key={p.id} project={p} onDelete={(project) => setOpen({ kind: 'delete-project', project })} />)}</ul>}
            {moreProjects !== null && (
              <button type='button' className='button button-small load-more' onClick={() => void loadProjects(moreProjects)}>Show more projects</button>
            )}
          </section>
        )}
        {docs !== null && (
          <>
            <DocumentSection title='My documents' empty={query !== '' ? 'None of your documents has that in its title.' : 'You have no documents yet. Create one with “New document” (N).'} docs={groups.mine} more={more.mine !== null && !offline} onMore={() => void loadMore('mine')} {...actions} />
            <DocumentSection title='Shared with me' empty={query !== '' ? 'No document shared with you has that in its title.' : 'Nothing has been shared with you yet.'} docs={groups.shared} more={more.shared !== null && !offline} onMore={() => void loadMore('shared')} {...actions} />
            <DocumentSection title='Public' empty={query !== '' ? 'No public document has that in its title.' : 'No public documents.'} docs={groups.public} more={more.public !== null && !offline} onMore={() => void loadMore('public')} {...actions} />
          </>
        )}
      </main>
      {open?.kind === 'new' && (
        <NewDocumentDialog onClose={() => setOpen(null)} onCreated={(doc) => navigate(`/d/${doc.id}`)} />
      )}
      {open?.kind === 'new-project' && (
        <NewProjectDialog onClose={() => setOpen(null)} onCreated={(p) => navigate(projectHref(p.id))} />
      )}
      {open?.kind === 'delete-project' && (
        <ConfirmDialog
          title='Delete project'
          message={`Delete “${open.project.name}” and every file in it, for everyone? Anyone editing is disconnected. This cannot be undone.`}
          confirmLabel='Delete'
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await api.deleteProject(open.project.id)
            setProjects((list) => list?.filter((p) => p.id !== open.project.id) ?? null)
            setOpen(null)
          }}
        />
      )}
      {open?.kind === 'rename' && (
        <RenameDialog doc={open.doc} onClose={() => setOpen(null)} onRenamed={(doc) => { replace(doc); setOpen(null) }} />
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          title='Delete document'
          message={`Delete “${open.doc.title}” for everyone? Anyone editing it is disconnected. This cannot be undone.`}
          confirmLabel='Delete'
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await api.deleteDocument(open.doc.id)
            setDocs((list) => list?.filter((d) => d.id !== open.doc.id) ?? null)
            setOpen(null)
          }}
        />
      )}
    </div>
  )
}
