// tree.ts — a project's flat tree answer (every file's path, every folder's path) as the nested
// rows the file tree shows. Pure functions over paths; the server is the authority on the rules
// (store/project_tree.hpp): paths are "/"-separated, with no leading or trailing "/", and a folder
// exists when a file lies under it or when it was made explicitly.
import type { ProjectTree, TreeFile } from '../api'

export interface TreeNode {
  kind: 'file' | 'folder'
  path: string
  name: string
  depth: number // 0 for the project's top level
  file: TreeFile | null // set for files
  children: TreeNode[] // folders first, then files, each by name
}

export function baseName (path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

// The folder a path is in: '' at the top level.
export function parentOf (path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i)
}

export function joinPath (folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`
}

// Whether `path` is `folder` itself or lies somewhere under it.
export function isUnder (path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`)
}

// Every folder above `path`, outermost first ("a/b/c.py" → ["a", "a/b"]).
export function ancestors (path: string): string[] {
  const parts = path.split('/')
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'))
}

const byName = (a: TreeNode, b: TreeNode) =>
  a.kind !== b.kind ? (a.kind === 'folder' ? -1 : 1) : a.name.localeCompare(b.name, undefined, { numeric: true })

// The top-level nodes of the tree, nested. O(n log n) in the number of files and folders.
export function buildTree (tree: ProjectTree): TreeNode[] {
  const root: TreeNode = { kind: 'folder', path: '', name: '', depth: -1, file: null, children: [] }
  const folders = new Map<string, TreeNode>([['', root]])
  const folder = (path: string): TreeNode => {
    const seen = folders.get(path)
    if (seen) return seen
    const parent = folder(parentOf(path))
    const node: TreeNode = { kind: 'folder', path, name: baseName(path), depth: parent.depth + 1, file: null, children: [] }
    parent.children.push(node)
    folders.set(path, node)
    return node
  }
  for (const f of tree.folders) folder(f.path)
  for (const f of tree.files) {
    const parent = folder(parentOf(f.path))
    parent.children.push({ kind: 'file', path: f.path, name: baseName(f.path), depth: parent.depth + 1, file: f, children: [] })
  }
  const sort = (n: TreeNode) => { n.children.sort(byName); n.children.forEach(sort) }
  sort(root)
  return root.children
}

// The rows on screen: every node whose folders above it are all expanded, in display order.
export function visibleRows (nodes: TreeNode[], expanded: ReadonlySet<string>): TreeNode[] {
  const out: TreeNode[] = []
  const walk = (list: TreeNode[]) => {
    for (const n of list) {
      out.push(n)
      if (n.kind === 'folder' && expanded.has(n.path)) walk(n.children)
    }
  }
  walk(nodes)
  return out
}
