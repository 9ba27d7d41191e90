// TreeChangeDialog.tsx — the dialogs of the file tree's actions: a new file or folder (named in a
// folder; "a/b/name" makes the folders too), a rename (the name, in the same folder), a move (the
// folder, same name) and a delete (asked first). What each change does is the workspace's
// (`onCreate`, `onMove`, `onDelete`); a refusal they throw shows in the dialog as the server said it.
import type { TreeNode } from '../projects/tree'
import { joinPath, parentOf } from '../projects/tree'
import { ConfirmDialog } from './ConfirmDialog'
import { PathDialog } from './PathDialog'

export type TreeChange =
  | { kind: 'new-file' | 'new-folder', folder: string }
  | { kind: 'rename' | 'move' | 'delete', node: TreeNode }

interface Props {
  change: TreeChange
  onClose: () => void
  onCreate: (kind: 'file' | 'folder', path: string) => Promise<void>
  onMove: (node: TreeNode, to: string) => Promise<void>
  onDelete: (node: TreeNode) => Promise<void>
}

export function TreeChangeDialog ({ change, onClose, onCreate, onMove, onDelete }: Props) {
  if ('folder' in change) {
    const { folder } = change
    const file = change.kind === 'new-file'
    return (
      <PathDialog
        title={file ? 'New file' : 'New folder'}
        label={file ? 'File name' : 'Folder name'}
        hint={folder === '' ? 'At the top of the project; a/b/name makes the folders too.' : `In ${folder}/`}
        initial=''
        submitLabel='Create'
        onClose={onClose}
        onSubmit={(name) => onCreate(file ? 'file' : 'folder', joinPath(folder, name))}
      />
    )
  }
  const { node } = change
  const folder = parentOf(node.path)
  if (change.kind === 'rename') {
    return (
      <PathDialog
        title={`Rename ${node.name}`}
        label='New name'
        initial={node.name}
        selectStem={node.kind === 'file'}
        hint={folder === '' ? undefined : `In ${folder}/`}
        submitLabel='Rename'
        onClose={onClose}
        onSubmit={(name) => onMove(node, joinPath(folder, name))}
      />
    )
  }
  if (change.kind === 'move') {
    return (
      <PathDialog
        title={`Move ${node.name}`}
        label='To folder'
        initial={folder}
        hint='Empty for the top of the project; a folder that does not exist yet is made.'
        allowEmpty
        submitLabel='Move'
        onClose={onClose}
        onSubmit={(to) => onMove(node, joinPath(to, node.name))}
      />
    )
  }
  return (
    <ConfirmDialog
      title={`Delete ${node.name}`}
      message={node.kind === 'folder'
        ? `Delete the folder ${node.path} and every file in it, for everyone? Anyone editing them is disconnected. This cannot be undone.`
        : `Delete ${node.path} for everyone? Anyone editing it is disconnected. This cannot be undone.`}
      confirmLabel='Delete'
      onClose={onClose}
      onConfirm={() => onDelete(node)}
    />
  )
}
