// FileTree.tsx — a project's files and folders as an ARIA tree. Mouse: click opens a file or
// toggles a folder, right click opens the context menu, drag a row onto a folder (or the empty
// space below the rows, for the top level) to move it. Keys, on the focused row: ↑/↓ move,
// → opens a folder or goes to its first child, ← closes it or goes to the parent, Home/End,
// Enter opens (or toggles), F2 renames, Delete deletes, Shift+F10 or the context-menu key opens
// the menu. Files from outside the page (an archive, a folder) dropped onto a folder row are
// imported into it, anywhere else into the top level; the target is outlined while they hover.
// What the actions do is the workspace's (`onAction`, `onImportDrop`); this only says which and
// where.
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react'
import type { TreeFile } from '../api'
import { takeDropped } from '../projects/importSource'
import { parentOf, visibleRows, type TreeNode } from '../projects/tree'
import { ContextMenu, type MenuItem } from './ContextMenu'
import { DRAG_TYPE, FileTreeRow } from './FileTreeRow'

export type TreeAction = 'new-file' | 'new-folder' | 'import' | 'upload-folder' | 'rename' | 'move' | 'delete'

interface Props {
  nodes: TreeNode[]
  expanded: ReadonlySet<string>
  selectedPath: string | null
  canEdit: boolean
  onToggle: (path: string, open: boolean) => void
  onOpen: (file: TreeFile) => void
  onAction: (action: TreeAction, node: TreeNode | null) => void
  onMove: (path: string, folder: string) => void
  // Files dropped from outside, into `folder` ('' for the top level).
  onImportDrop: (dropped: Array<FileSystemEntry | File>, folder: string) => void
}

interface Menu {
  node: TreeNode | null
  x: number
  y: number
}

// Whether a drag carries files from outside the page (the browser's "Files" type), not a row.
const carriesFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files')

// The folder an outside drop at this event's target goes into: the folder row under the pointer,
// else the top level.
const dropFolder = (e: DragEvent): string =>
  (e.target instanceof Element ? e.target.closest<HTMLElement>('[role="treeitem"][data-kind="folder"]')?.dataset.path : undefined) ?? ''

export function FileTree ({ nodes, expanded, selectedPath, canEdit, onToggle, onOpen, onAction, onMove, onImportDrop }: Props) {
  const rows = useMemo(() => visibleRows(nodes, expanded), [nodes, expanded])
  const [focusPath, setFocusPath] = useState<string | null>(null)
  const [menu, setMenu] = useState<Menu | null>(null)
  // Where files hovering from outside would be imported ('' the top level), null when none hover.
  const [importTarget, setImportTarget] = useState<string | null>(null)
  const list = useRef<HTMLUListElement>(null)
  // Set when a key moved the focus, so the row is focused once it is rendered.
  const moveFocus = useRef(false)

  const focused = rows.find((r) => r.path === focusPath) ?? rows.find((r) => r.path === selectedPath) ?? rows[0] ?? null

  useEffect(() => {
    if (!moveFocus.current || !focused) return
    moveFocus.current = false
    list.current?.querySelector<HTMLElement>(`[data-path="${CSS.escape(focused.path)}"]`)?.focus()
  })

  const focusRow = (node: TreeNode | undefined) => {
    if (!node) return
    moveFocus.current = true
    setFocusPath(node.path)
  }

  const activate = (node: TreeNode) => {
    setFocusPath(node.path)
    if (node.kind === 'folder') onToggle(node.path, !expanded.has(node.path))
    else if (node.file) onOpen(node.file)
  }

  const openMenu = (node: TreeNode | null, x: number, y: number) => {
    if (node) setFocusPath(node.path)
    setMenu({ node, x, y })
  }

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    if (!focused || e.target !== list.current?.querySelector(`[data-path="${CSS.escape(focused.path)}"]`)) return
    const i = rows.indexOf(focused)
    const isOpenFolder = focused.kind === 'folder' && expanded.has(focused.path)
    let handled = true
    switch (e.key) {
      case 'ArrowDown': focusRow(rows[i + 1]); break
      case 'ArrowUp': focusRow(rows[i - 1]); break
      case 'Home': focusRow(rows[0]); break
      case 'End': focusRow(rows[rows.length - 1]); break
      case 'ArrowRight':
        if (focused.kind === 'folder' && !isOpenFolder) onToggle(focused.path, true)
        else if (isOpenFolder) focusRow(focused.children[0])
        break
      case 'ArrowLeft':
        if (isOpenFolder) onToggle(focused.path, false)
        else focusRow(rows.find((r) => r.path === parentOf(focused.path) && r.kind === 'folder'))
        break
      case 'Enter': activate(focused); break
      case 'F2': if (canEdit) onAction('rename', focused); break
      case 'Delete': if (canEdit) onAction('delete', focused); break
      case 'ContextMenu': {
        const box = e.currentTarget.querySelector(`[data-path="${CSS.escape(focused.path)}"]`)?.getBoundingClientRect()
        openMenu(focused, box ? box.left + 24 : 0, box ? box.bottom : 0)
        break
      }
      default:
        handled = false
    }
    if (!handled && e.key === 'F10' && e.shiftKey) {
      const box = e.currentTarget.querySelector(`[data-path="${CSS.escape(focused.path)}"]`)?.getBoundingClientRect()
      openMenu(focused, box ? box.left + 24 : 0, box ? box.bottom : 0)
      handled = true
    }
    if (handled) e.preventDefault()
  }

  const menuItems = (node: TreeNode | null): MenuItem[] => {
    const items: MenuItem[] = []
    if (node?.kind === 'file' && node.file) {
      const file = node.file
      items.push({ label: 'Open', run: () => onOpen(file) })
    }
    if (canEdit) {
      if (!node || node.kind === 'folder') {
        items.push({ label: 'New file…', run: () => onAction('new-file', node) })
        items.push({ label: 'New folder…', run: () => onAction('new-folder', node) })
        items.push({ label: 'Import…', run: () => onAction('import', node) })
        items.push({ label: 'Upload folder…', run: () => onAction('upload-folder', node) })
      }
      if (node) {
        items.push({ label: 'Rename…', shortcut: 'F2', run: () => onAction('rename', node) })
        items.push({ label: 'Move to…', run: () => onAction('move', node) })
        items.push({ label: 'Delete', shortcut: 'Del', danger: true, run: () => onAction('delete', node) })
      }
    }
    return items
  }

  const closeMenu = (refocus: boolean) => {
    setMenu(null)
    if (refocus && focused) focusRow(focused)
  }

  return (
    <div
      className={importTarget === '' ? 'tree-area tree-area-drop' : 'tree-area'}
      onContextMenu={(e) => { e.preventDefault(); openMenu(null, e.clientX, e.clientY) }}
      onDragOver={(e) => {
        if (!canEdit) return
        if (carriesFiles(e)) {
          e.preventDefault()
          e.dataTransfer.dropEffect = 'copy'
          setImportTarget(dropFolder(e))
        } else if (e.dataTransfer.types.includes(DRAG_TYPE)) {
          e.preventDefault()
        }
      }}
      onDragLeave={(e) => {
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setImportTarget(null)
      }}
      onDrop={(e) => {
        if (!canEdit) return
        setImportTarget(null)
        if (carriesFiles(e)) {
          e.preventDefault()
          onImportDrop(takeDropped(e.dataTransfer), dropFolder(e))
          return
        }
        const from = e.dataTransfer.getData(DRAG_TYPE)
        if (!from) return
        e.preventDefault()
        onMove(from, '')
      }}
    >
      {rows.length === 0
        ? <p className='tree-empty'>No files yet.{canEdit ? ' Create one with “New file”, or drop a zip or a folder here.' : ''}</p>
        : (
          <ul ref={list} role='tree' aria-label='Files' className='tree' onKeyDown={onKeyDown}>
            {rows.map((node) => (
              <FileTreeRow
                key={`${node.kind}:${node.path}`}
                node={node}
                expanded={expanded.has(node.path)}
                selected={node.path === selectedPath}
                focused={node === focused}
                importTarget={node.path === importTarget}
                canEdit={canEdit}
                onClick={activate}
                onFocus={(n) => setFocusPath(n.path)}
                onContextMenu={openMenu}
                onDrop={onMove}
              />
            ))}
          </ul>
          )}
      {menu && menuItems(menu.node).length > 0 && (
        <ContextMenu
          label={menu.node ? `Actions for ${menu.node.name}` : 'Project actions'}
          x={menu.x}
          y={menu.y}
          items={menuItems(menu.node)}
          onClose={closeMenu}
        />
      )}
    </div>
  )
}
