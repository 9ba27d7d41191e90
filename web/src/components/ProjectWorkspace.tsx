// ProjectWorkspace.tsx — a project as a workspace: the file tree on the left (a drawer on phones),
// the open files as tabs, each its own live editor (FileTab), and quick open (Ctrl/Cmd+P). The URL
// follows the active tab (/p/<id>/<path>, replaced rather than pushed), and a deep link opens its
// file once the tree is known. The tree comes from useProjectTree, read again whenever the
// project's live channel (useProjectChannel) says it changed and after each change made here. The
// channel's presence shows who is in which file (ProjectPeople); following someone opens their
// file and follows them from file to file. A tab is keyed by the file's id, so a rename — here or
// by anyone — only changes the path it shows; a file deleted elsewhere leaves its tab saying so.
// Editors can import an archive or a folder (picked, or dropped on the tree) into any folder
// (useImport).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ImportResult, ProjectInfo, SearchMatch, TreeFile } from '../api'
import type { Peer } from '../collab/useCollab'
import { downloadBlob } from '../download'
import { fromDropped } from '../projects/importSource'
import { ancestors, buildTree, isUnder, joinPath, parentOf, type TreeNode } from '../projects/tree'
import { useImport } from '../projects/useImport'
import { useProjectChannel } from '../projects/useProjectChannel'
import { useProjectTree } from '../projects/useProjectTree'
import { navigate, projectHref } from '../router'
import { useSession } from '../session'
import { projectShare } from '../share'
import type { Reveal } from './CodeEditor'
import { FailurePanel } from './FailurePanel'
import { FileTab } from './FileTab'
import { FileTree, type TreeAction } from './FileTree'
import { ImportPickers, type ImportPickersHandle } from './ImportPickers'
import { ImportStatusBar } from './ImportStatusBar'
import { ProjectPeople } from './ProjectPeople'
import { QuickOpen } from './QuickOpen'
import { RoleBadge } from './RoleBadge'
import { SearchPanel } from './SearchPanel'
import { ShareDialog } from './ShareDialog'
import { TabBar, type TabInfo } from './TabBar'
import { TreeChangeDialog, type TreeChange } from './TreeChangeDialog'

type Open =
  | TreeChange
  | { kind: 'quick-open' }
  | { kind: 'share' }
  | null

// The phone layout's width (styles.css, "phones"): there the tree is a drawer.
const NARROW = '(max-width: 640px)'

interface Props {
  project: ProjectInfo
  path: string | null
  onProjectChange: (project: ProjectInfo) => void
}

export function ProjectWorkspace ({ project, path, onProjectChange }: Props) {
  const { api, user } = useSession()
  const { tree, error, refresh } = useProjectTree(api, project.id)
  const [followUser, setFollowUser] = useState<number | null>(null) // across files
  const [tabs, setTabs] = useState<Array<{ id: number, path: string }>>([])
  const [active, setActive] = useState<number | null>(null)
  const [gone, setGone] = useState<ReadonlySet<number>>(new Set())
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const [drawer, setDrawer] = useState(false)
  const [open, setOpen] = useState<Open>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [view, setView] = useState<'files' | 'search'>('files') // what the sidebar shows
  const [searchFocus, setSearchFocus] = useState(0) // bumped to put the focus in the search field
  const [reveal, setReveal] = useState<{ fileId: number, at: Reveal } | null>(null)
  const [exporting, setExporting] = useState(false)
  const [peers, setPeers] = useState<ReadonlyMap<number, Peer[]>>(new Map()) // by open file
  const canEdit = project.role !== 'viewer'
  const pickers = useRef<ImportPickersHandle>(null)

  const nodes = useMemo(() => (tree ? buildTree(tree) : []), [tree])
  const byId = useMemo(() => new Map((tree?.files ?? []).map((f) => [f.id, f])), [tree])
  const byPath = useMemo(() => new Map((tree?.files ?? []).map((f) => [f.path, f])), [tree])

  // Each tab remembers the last path the tree gave it, for when the file is no longer listed.
  useEffect(() => {
    setTabs((list) => {
      let changed = false
      const next = list.map((t) => {
        const p = byId.get(t.id)?.path
        if (p === undefined || p === t.path) return t
        changed = true
        return { ...t, path: p }
      })
      return changed ? next : list
    })
  }, [byId])

  const expand = useCallback((paths: string[]) => {
    setExpanded((set) => (paths.every((p) => set.has(p)) ? set : new Set([...set, ...paths])))
  }, [])

  // After an import: the new files in the tree, with the folder they went into open.
  const imported = useCallback(async (_: ImportResult, folder: string) => {
    setNotice(null)
    await refresh()
    if (folder !== '') expand([...ancestors(folder), folder])
  }, [refresh, expand])
  const importer = useImport(api, project.id, imported)

  const openFile = useCallback((file: TreeFile) => {
    setTabs((list) => (list.some((t) => t.id === file.id) ? list : [...list, { id: file.id, path: file.path }]))
    setActive(file.id)
    expand(ancestors(file.path))
    setDrawer(false)
    setOpen(null)
  }, [expand])

  const closeTab = useCallback((id: number) => {
    setTabs((list) => {
      const i = list.findIndex((t) => t.id === id)
      if (i < 0) return list
      const next = list.filter((t) => t.id !== id)
      setActive((a) => (a === id ? (next[Math.min(i, next.length - 1)]?.id ?? null) : a))
      return next
    })
  }, [])

  const onPeers = useCallback((id: number, list: Peer[]) => {
    setPeers((m) => {
      const was = m.get(id) ?? []
      if (was.length === list.length && was.every((p, i) => p.clientId === list[i].clientId)) return m
      const next = new Map(m)
      if (list.length === 0) next.delete(id)
      else next.set(id, list)
      return next
    })
  }, [])

  const onGone = useCallback((id: number) => {
    setGone((set) => (set.has(id) ? set : new Set([...set, id])))
  }, [])

  // The deep link: open the file the URL names, once the tree is known and each time the URL
  // names another (Back/Forward, a link); not again when only the tree changed.
  const handledPath = useRef<string | null | undefined>(undefined)
  useEffect(() => {
    if (!tree || path === handledPath.current) return
    handledPath.current = path
    if (path === null) return
    const file = byPath.get(path)
    if (file) {
      openFile(file)
      setNotice(null)
    } else {
      setNotice(`There is no file ${path} in this project.`)
    }
  }, [tree, path, byPath, openFile])

  // The URL follows the active tab, including its renames (not before a first tab: the deep link
  // may still be opening).
  const activePath = active === null ? null : (tabs.find((t) => t.id === active)?.path ?? null)
  const shownPath = useRef<string | null | undefined>(undefined)
  useEffect(() => {
    if (!tree || shownPath.current === activePath) return
    const first = shownPath.current === undefined
    shownPath.current = activePath
    if (first && activePath === null) return
    handledPath.current = activePath
    navigate(projectHref(project.id, activePath), { replace: true })
  }, [tree, activePath, project.id])

  const { peers: people } = useProjectChannel({
    projectId: project.id,
    token: api.token,
    userId: user.id,
    username: user.username,
    active: active === null || activePath === null ? null : { id: active, path: activePath },
    onTreeChange: refresh
  })
  const stopFollow = useCallback(() => setFollowUser(null), [])

  // Following someone: their file opens (again each time they open another), and its tab follows
  // their cursor. Following ends when they leave the project or this user takes over.
  useEffect(() => {
    if (followUser === null) return
    const theirs = people.filter((p) => p.userId === followUser)
    if (theirs.length === 0) {
      setFollowUser(null)
      return
    }
    const inFile = theirs.find((p) => p.fileId !== null)
    if (!inFile || inFile.fileId === null || inFile.fileId === active) return
    const file = byId.get(inFile.fileId)
    if (file) openFile(file)
  }, [followUser, people, active, byId, openFile])

  const openSearch = useCallback(() => {
    setView('search')
    setDrawer(true)
    setSearchFocus((n) => n + 1)
  }, [])

  // Ctrl/Cmd+P (quick open) and Ctrl/Cmd+Shift+F (search) anywhere, the editor included (capture
  // phase: before Monaco sees them).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return
      const key = e.key.toLowerCase()
      if (!e.shiftKey && key === 'p') setOpen({ kind: 'quick-open' })
      else if (e.shiftKey && key === 'f') openSearch()
      else return
      e.preventDefault()
      e.stopPropagation()
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [openSearch])

  // Closes the drawer when the window grows out of the phone layout.
  useEffect(() => {
    const mq = window.matchMedia(NARROW)
    const onChange = () => { if (!mq.matches) setDrawer(false) }
    mq.addEventListener('change', onChange)
    return () => mq.removeEventListener('change', onChange)
  }, [])

  // A change of the tree made here: runs it, reads the tree again, and tells what went wrong in
  // the dialog (PathDialog and ConfirmDialog show a thrown error).
  const change = async (run: () => Promise<void>) => {
    await run()
    setNotice(null)
    await refresh()
  }

  const moveTo = async (node: TreeNode, to: string) => {
    if (to === node.path) return
    if (node.kind === 'file' && node.file) {
      await api.moveFile(project.id, node.file.id, to)
    } else {
      await api.moveFolder(project.id, node.path, to)
      const rebase = (p: string) => (isUnder(p, node.path) ? to + p.slice(node.path.length) : p)
      setExpanded((set) => new Set([...set].map(rebase)))
    }
    expand(ancestors(to).concat(node.kind === 'folder' ? [to] : []))
  }

  const findNode = (p: string): TreeNode | null => {
    let list = nodes
    for (;;) {
      const n = list.find((x) => isUnder(p, x.path))
      if (!n) return null
      if (n.path === p) return n
      list = n.children
    }
  }

  const onDragMove = (from: string, folder: string) => {
    const node = findNode(from)
    if (!node || isUnder(folder, from) || parentOf(from) === folder) return
    change(() => moveTo(node, joinPath(folder, node.name))).catch((err: unknown) => {
      setNotice(err instanceof Error ? err.message : String(err))
    })
  }

  const onAction = (action: TreeAction, node: TreeNode | null) => {
    const folder = node ? (node.kind === 'folder' ? node.path : parentOf(node.path)) : ''
    if (action === 'new-file' || action === 'new-folder') {
      setOpen({ kind: action, folder })
    } else if (action === 'import' || action === 'upload-folder') {
      pickers.current?.pick(action === 'import' ? 'archive' : 'folder', folder)
    } else if (node) {
      setOpen({ kind: action, node })
    }
  }

  const jump = (m: SearchMatch) => {
    const file = byId.get(m.file.id) ?? { id: m.file.id, path: m.file.path, language: 'plaintext', size: 0, updated_at: '' }
    openFile(file)
    setReveal({ fileId: m.file.id, at: { line: m.line, column: m.column, length: m.length } })
  }

  const downloadZip = async () => {
    setExporting(true)
    try {
      downloadBlob(`${project.name}.zip`, await api.exportZip(project.id))
      setNotice(null)
    } catch (err) {
      setNotice(err instanceof Error ? err.message : String(err))
    } finally {
      setExporting(false)
    }
  }

  const files = tree?.files ?? []
  const tabInfos: TabInfo[] = tabs.map((t) => ({ id: t.id, path: t.path, deleted: gone.has(t.id), peers: peers.get(t.id) ?? [] }))
  const finalError = error && (error.status === 403 || error.status === 404) ? error : null

  return (
    <div className='editor-page workspace'>
      <header className='toolbar'>
        <a className='toolbar-back' href='/' aria-label='Back to documents' title='Back to documents'
          onClick={(e) => { e.preventDefault(); navigate('/') }}
        >
          <span className='brand-mark' aria-hidden='true'>W</span>
        </a>
        <button
          type='button'
          className='button drawer-toggle'
          aria-expanded={drawer}
          aria-controls='workspace-files'
          onClick={() => setDrawer((d) => !d)}
        >
          Files
        </button>
        <h1 className='doc-heading project-heading'>{project.name}</h1>
        {!canEdit && <RoleBadge role='viewer' long />}
        <span className='toolbar-spacer' />
        <ProjectPeople peers={people} selfId={user.id} following={followUser} onFollow={setFollowUser} />
        <button type='button' className='button' title='Go to file (Ctrl+P)' onClick={() => setOpen({ kind: 'quick-open' })}>
          Go to file<kbd className='kbd-hint' aria-hidden='true'>Ctrl P</kbd>
        </button>
        <button type='button' className='button' title='Search in files (Ctrl+Shift+F)' onClick={openSearch}>
          Search<kbd className='kbd-hint' aria-hidden='true'>Ctrl ⇧ F</kbd>
        </button>
        {project.role === 'owner' && (
          <button type='button' className='button button-primary' onClick={() => setOpen({ kind: 'share' })}>Share</button>
        )}
        <button type='button' className='button' disabled={exporting} title='Download every file as a zip' onClick={() => void downloadZip()}>
          Download zip
        </button>
      </header>
      {notice && <p className='notice workspace-notice' role='alert'>{notice}</p>}
      <div className='workspace-body'>
        {drawer && <div className='drawer-backdrop' onClick={() => setDrawer(false)} aria-hidden='true' />}
        <nav id='workspace-files' className={drawer ? 'workspace-sidebar workspace-sidebar-open' : 'workspace-sidebar'} aria-label='Project files'>
          <div className='sidebar-head'>
            <span className='sidebar-views' role='group' aria-label='Sidebar'>
              <button type='button' className={view === 'files' ? 'sidebar-view sidebar-view-on' : 'sidebar-view'} aria-pressed={view === 'files'} onClick={() => setView('files')}>Files</button>
              <button type='button' className={view === 'search' ? 'sidebar-view sidebar-view-on' : 'sidebar-view'} aria-pressed={view === 'search'} onClick={openSearch}>Search</button>
            </span>
            {canEdit && view === 'files' && (
              <>
                <button type='button' className='icon-button' aria-label='New file' title='New file' onClick={() => onAction('new-file', null)}>+</button>
                <button type='button' className='icon-button' aria-label='New folder' title='New folder' onClick={() => onAction('new-folder', null)}>▣</button>
                <button type='button' className='icon-button' aria-label='Import archive' title='Import a .zip or .tar.gz…' onClick={() => onAction('import', null)}>⇪</button>
                <button type='button' className='icon-button' aria-label='Upload folder' title='Upload a folder…' onClick={() => onAction('upload-folder', null)}>⇧</button>
              </>
            )}
            <button type='button' className='icon-button drawer-close' aria-label='Close files' onClick={() => setDrawer(false)}>✕</button>
          </div>
          {/* Both stay mounted, so the search and its results survive a look at the tree. */}
          <div className='sidebar-pane' hidden={view !== 'search'}>
            <SearchPanel projectId={project.id} focusSignal={searchFocus} onJump={jump} />
          </div>
          <div className='sidebar-pane' hidden={view !== 'files'}>
            {importer.status && <ImportStatusBar status={importer.status} onDismiss={importer.dismiss} />}
            {tree
            ? (
              <FileTree
                nodes={nodes}
                expanded={expanded}
                selectedPath={activePath}
                canEdit={canEdit}
                onToggle={(p, o) => setExpanded((set) => {
                  const next = new Set(set)
                  if (o) next.add(p)
                  else next.delete(p)
                  return next
                })}
                onOpen={openFile}
                onAction={onAction}
                onMove={onDragMove}
                onImportDrop={(dropped, folder) => void importer.run(fromDropped(dropped), folder)}
              />
              )
            : <p className='tree-empty'>{error && !finalError ? error.message : 'Loading…'}</p>}
          </div>
        </nav>
        <main className='workspace-main'>
          <TabBar tabs={tabInfos} active={active} onSelect={setActive} onClose={closeTab} />
          {tabs.length === 0 && (
            <div className='workspace-empty'>
              <p>Open a file from the tree{files.length > 0 ? ', or press Ctrl+P to find one by name' : ''}.</p>
              {canEdit && files.length === 0 && tree && (
                <button type='button' className='button button-primary' onClick={() => onAction('new-file', null)}>New file</button>
              )}
            </div>
          )}
          {tabs.map((t) => (
            <FileTab
              key={t.id}
              fileId={t.id}
              path={t.path}
              language={byId.get(t.id)?.language ?? null}
              active={t.id === active}
              deleted={gone.has(t.id)}
              reveal={reveal?.fileId === t.id ? reveal.at : null}
              onGone={onGone}
              onClose={closeTab}
              onChanged={() => void refresh()}
              onPeers={onPeers}
              follow={t.id === active ? followUser : null}
              onStopFollow={stopFollow}
            />
          ))}
          {finalError && (
            <FailurePanel
              overlay
              title={finalError.status === 404 ? 'Project deleted' : 'Access removed'}
              message={finalError.status === 404 ? 'This project does not exist any more.' : 'You no longer have access to this project.'}
            >
              <button type='button' className='button button-primary' onClick={() => navigate('/')}>Back to documents</button>
            </FailurePanel>
          )}
        </main>
      </div>
      {open && open.kind !== 'quick-open' && open.kind !== 'share' && (
        <TreeChangeDialog
          change={open}
          onClose={() => setOpen(null)}
          onCreate={(kind, p) => change(async () => {
            if (kind === 'file') {
              const created = await api.createFile(project.id, p)
              await refresh()
              openFile({ id: created.id, path: p, language: created.language, size: 0, updated_at: created.updated_at })
            } else {
              await api.createFolder(project.id, p)
              expand([...ancestors(p), p])
              setOpen(null)
            }
          })}
          onMove={(node, to) => change(async () => {
            await moveTo(node, to)
            setOpen(null)
          })}
          onDelete={(node) => change(async () => {
            if (node.kind === 'file' && node.file) await api.deleteFile(project.id, node.file.id)
            else await api.deleteFolder(project.id, node.path)
            // Deleted here: its tabs close (a deletion by someone else leaves them saying so).
            for (const t of tabs) if (isUnder(t.path, node.path)) closeTab(t.id)
            setOpen(null)
          })}
        />
      )}
      {open?.kind === 'share' && (
        <ShareDialog target={projectShare(api, project, onProjectChange)} onClose={() => setOpen(null)} />
      )}
      {canEdit && <ImportPickers ref={pickers} onPick={(source, folder) => void importer.run(source, folder)} />}
      {open?.kind === 'quick-open' && (
        <QuickOpen files={files} onOpen={openFile} onClose={() => setOpen(null)} />
      )}
    </div>
  )
}
