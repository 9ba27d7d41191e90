// importSource.ts — what a person gives the workspace to import, made into the one body the
// server's POST …/import takes. Three ways in: the archive picker (a .zip or .tar.gz, sent as it
// is), the folder picker (<input webkitdirectory>: Files with a webkitRelativePath) and a drop on
// the tree (DataTransfer items, whose folders are walked through the File and Directory Entries
// API). Loose files and folders are zipped here (zipWriter.ts), so the server has one format to
// unpack and one transaction to run. The server decides what is text and refuses unsafe names;
// this only keeps the paths the browser gave.
import { zipStored, type ZipEntry } from './zipWriter'

// A file to put in the archive at `path`; `file` null: an empty folder (only a drop can give one).
export interface LooseFile {
  path: string
  file: File | null
}

export type ImportSource =
  | { kind: 'archive', file: File }
  | { kind: 'files', files: LooseFile[] }

export interface ImportBody {
  body: Blob
  type: string // the Content-Type (the server reads the format from the bytes; this is a courtesy)
}

const ARCHIVE_NAME = /\.(zip|tar\.gz|tgz)$/i

export function isArchiveName (name: string): boolean {
  return ARCHIVE_NAME.test(name)
}

// What the folder picker gave: every file under its relative path ("site/css/a.css"), the folder
// chosen included.
export function fromFolderInput (list: FileList): ImportSource {
  return { kind: 'files', files: [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file })) }
}

// The entries of a drop. Must be called in the drop event's handler: the DataTransfer's items are
// emptied once it returns, while the entries taken from them can be read afterwards. A
// DataTransfer made by a script has files but no entries; those are taken as files.
export function takeDropped (dt: DataTransfer): Array<FileSystemEntry | File> {
  const out: Array<FileSystemEntry | File> = []
  for (const item of [...dt.items]) {
    if (item.kind !== 'file') continue
    const entry = item.webkitGetAsEntry()
    const file = entry ? null : item.getAsFile()
    if (entry) out.push(entry)
    else if (file) out.push(file)
  }
  return out
}

// A drop as a source: one archive on its own is sent as it is; anything else (folders, several
// files) is zipped.
export async function fromDropped (dropped: Array<FileSystemEntry | File>): Promise<ImportSource> {
  if (dropped.length === 1) {
    const only = dropped[0]
    const file = only instanceof File ? only : only.isFile ? await entryFile(only as FileSystemFileEntry) : null
    if (file && isArchiveName(file.name)) return { kind: 'archive', file }
  }
  const files: LooseFile[] = []
  for (const d of dropped) {
    if (d instanceof File) files.push({ path: d.name, file: d })
    else await walk(d, files)
  }
  return { kind: 'files', files }
}

function entryFile (entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject))
}

// One batch of a folder's entries; an empty batch means there are no more (Chromium gives 100 at
// a time).
function readBatch (reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject))
}

// Adds the files under `entry` to `out`, with their path from the dropped item ("site/css/a.css");
// a folder with nothing in it is kept as a folder.
async function walk (entry: FileSystemEntry, out: LooseFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '')
  if (entry.isFile) {
    out.push({ path, file: await entryFile(entry as FileSystemFileEntry) })
    return
  }
  if (!entry.isDirectory) return
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  let any = false
  for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
    any = true
    for (const child of batch) await walk(child, out)
  }
  if (!any) out.push({ path, file: null })
}

// The request body for a source. Loose files are read into memory: the server's upload limit
// (8 MiB by default) keeps that small.
export async function importBody (source: ImportSource): Promise<ImportBody> {
  if (source.kind === 'archive') {
    const zip = /\.zip$/i.test(source.file.name)
    return { body: source.file, type: zip ? 'application/zip' : 'application/gzip' }
  }
  const entries: ZipEntry[] = []
  for (const { path, file } of source.files) {
    if (file === null) entries.push({ name: `${path}/` })
    else entries.push({ name: path, data: new Uint8Array(await file.arrayBuffer()), modified: new Date(file.lastModified) })
  }
  return { body: zipStored(entries), type: 'application/zip' }
}
