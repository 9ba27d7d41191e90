// lastSeen.ts — what the API last said about the user's documents, kept in localStorage per user,
// so that the app starts offline: the documents list and an open document's metadata (its title,
// language, the user's role and its creation time, which names its IndexedDB copy) come from here
// when the server cannot be reached. The server stays the authority: online answers replace these
// copies, and a document that is gone or closed to the user (404, 403) is forgotten.
import type { DocumentInfo } from './api'

const key = (userId: number, what: string) => `weft:${userId}:seen:${what}`

function isDocumentInfo (v: unknown): v is DocumentInfo {
  if (typeof v !== 'object' || v === null) return false
  const d = v as Record<string, unknown>
  return typeof d.id === 'number' && typeof d.title === 'string' && typeof d.language === 'string' &&
    typeof d.is_public === 'boolean' && typeof d.role === 'string' && typeof d.created_at === 'string' &&
    typeof d.updated_at === 'string'
}

function read (k: string): unknown {
  try {
    const raw = window.localStorage.getItem(k)
    return raw === null ? null : JSON.parse(raw)
  } catch {
    return null
  }
}

function write (k: string, v: unknown): void {
  try {
    window.localStorage.setItem(k, JSON.stringify(v))
  } catch {
    // Storage full or disabled: offline starts then only lack this copy.
  }
}

// Keeps the document's metadata, and puts it in the list seen last (a document opened by its link
// is then listed offline too).
export function rememberDocument (userId: number, doc: DocumentInfo): void {
  write(key(userId, `doc:${doc.id}`), doc)
  const list = rememberedDocuments(userId) ?? []
  write(key(userId, 'documents'), [doc, ...list.filter((d) => d.id !== doc.id)])
}

export function rememberedDocument (userId: number, id: number): DocumentInfo | null {
  const v = read(key(userId, `doc:${id}`))
  return isDocumentInfo(v) && v.id === id ? v : null
}

export function forgetDocument (userId: number, id: number): void {
  window.localStorage.removeItem(key(userId, `doc:${id}`))
  const list = rememberedDocuments(userId)
  if (list) write(key(userId, 'documents'), list.filter((d) => d.id !== id))
}

export function rememberDocuments (userId: number, docs: DocumentInfo[]): void {
  write(key(userId, 'documents'), docs)
}

export function rememberedDocuments (userId: number): DocumentInfo[] | null {
  const v = read(key(userId, 'documents'))
  return Array.isArray(v) && v.every(isDocumentInfo) ? v : null
}
