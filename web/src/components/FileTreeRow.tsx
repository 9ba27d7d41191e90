// FileTreeRow.tsx — one file or folder of the file tree (a treeitem): its name indented by depth,
// a folder's open/closed mark, and the selected file (the active tab) marked. Only the focused row
// is in the Tab order (roving tabindex, FileTree.tsx). Rows can be dragged onto a folder, or onto
// the tree's empty space for the top level, to move them. Files dragged in from outside are the
// tree's to handle (FileTree.tsx); a row only shows when it is their target.
import type { DragEvent, MouseEvent } from 'react'
import type { TreeNode } from '../projects/tree'

interface Props {
  node: TreeNode
  expanded: boolean
  selected: boolean
  focused: boolean
  importTarget: boolean // files from outside hover over this folder
  canEdit: boolean
  onClick: (node: TreeNode) => void
  onFocus: (node: TreeNode) => void
  onContextMenu: (node: TreeNode, x: number, y: number) => void
  onDrop: (path: string, folder: string) => void
}

export const DRAG_TYPE = 'application/x-weft-path'

export function FileTreeRow ({ node, expanded, selected, focused, importTarget, canEdit, onClick, onFocus, onContextMenu, onDrop }: Props) {
  const folder = node.kind === 'folder'
  const dropTarget = folder && canEdit
  return (
    <li
      role='treeitem'
      className={`tree-row${selected ? ' tree-row-selected' : ''}${importTarget ? ' tree-row-drop' : ''}`}
      aria-level={node.depth + 1}
      aria-expanded={folder ? expanded : undefined}
      aria-selected={selected}
      aria-label={node.name}
      tabIndex={focused ? 0 : -1}
      data-path={node.path}
      data-kind={node.kind}
      style={{ paddingLeft: `${8 + node.depth * 14}px` }}
      draggable={canEdit}
      onClick={() => onClick(node)}
      onFocus={(e) => { if (e.target === e.currentTarget) onFocus(node) }}
      onContextMenu={(e: MouseEvent) => {
        e.preventDefault()
        e.stopPropagation()
        onContextMenu(node, e.clientX, e.clientY)
      }}
      onDragStart={(e: DragEvent) => {
        e.dataTransfer.setData(DRAG_TYPE, node.path)
        e.dataTransfer.effectAllowed = 'move'
      }}
      onDragOver={(e: DragEvent) => {
        if (!dropTarget || !e.dataTransfer.types.includes(DRAG_TYPE)) return
        e.preventDefault()
        e.stopPropagation()
        e.currentTarget.classList.add('tree-row-drop')
      }}
      onDragLeave={(e: DragEvent) => {
        // Only a moved row's outline is set here; an outside drop's is the importTarget prop.
        if (e.dataTransfer.types.includes(DRAG_TYPE)) e.currentTarget.classList.remove('tree-row-drop')
      }}
      onDrop={(e: DragEvent) => {
        e.currentTarget.classList.remove('tree-row-drop')
        if (!dropTarget || !e.dataTransfer.types.includes(DRAG_TYPE)) return // outside files: the tree's
        e.preventDefault()
        e.stopPropagation()
        const from = e.dataTransfer.getData(DRAG_TYPE)
        if (from) onDrop(from, node.path)
      }}
    >
      <span className='tree-twisty' aria-hidden='true'>{folder ? (expanded ? '▾' : '▸') : ''}</span>
      <span className={folder ? 'tree-icon tree-icon-folder' : 'tree-icon'} aria-hidden='true'>{folder ? '▣' : '•'}</span>
      <span className='tree-name'>{node.name}</span>
    </li>
  )
}
