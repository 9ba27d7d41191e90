// api.ts — the one module that talks to Weft's JSON API (DESIGN.md §4). Every call goes through
// `send`, which adds the bearer token and turns an error answer ({"error":{"code","message",
// "field"?}}) into an ApiError (errorText.ts makes a sentence of one); `request` parses the JSON of
// the others (a version's text/plain content is the one answer read as text). A 401 on a
// signed-in call also tells the session (onUnauthorized), so an expired token sends the user back
// to the sign-in screen.

export type Role = 'owner' | 'editor' | 'viewer'
export type MemberRole = Exclude<Role, 'owner'>

export interface User {
  id: number
  username: string
  email: string | null
  created_at: string
}

export interface Person {
  id: number
  username: string
}

export interface DocumentInfo {
  id: number
  title: string
  language: string
  is_public: boolean
  owner: Person | null
  role: Role
  created_at: string
  updated_at: string
  // Set for a project's file (its members, title and visibility are the project's).
  project_id?: number | null
  path?: string | null
}

export interface ProjectInfo {
  id: number
  name: string
  is_public: boolean
  owner: Person | null
  role: Role
  created_at: string
  updated_at: string
}

// GET /api/documents?filter=&q=&cursor=&limit=: the three filters part the list (mine, private
// ones shared with me, public ones of others).
export type DocumentFilter = 'all' | 'mine' | 'shared' | 'public'
export interface DocumentPage {
  documents: DocumentInfo[]
  next_cursor: string | null
}

export interface ProjectPage {
  projects: ProjectInfo[] // newest first
  next_cursor: number | null
}

// A project's file: a document with a path ("src/app/main.py"; unique in the project).
export interface TreeFile {
  id: number
  path: string
  language: string
  size: number
  updated_at: string
}

// `stored`: made explicitly (so it stays while empty), not only implied by a file's path.
export interface TreeFolder {
  path: string
  stored: boolean
}

export interface ProjectTree {
  project_id: number
  files: TreeFile[]
  folders: TreeFolder[]
}

export interface FolderMoved {
  from: string
  to: string
  files: Array<{ id: number, path: string }>
}

// One match of a project search. Lines and columns count from 1, columns and lengths in UTF-16
// units (as Monaco counts them); `snippet` is the line (cut around the match on long lines), the
// match starting at `snippet_column`.
export interface SearchMatch {
  file: { id: number, path: string }
  line: number
  column: number
  length: number
  snippet: string
  snippet_column: number
}

export interface SearchPage {
  matches: SearchMatch[] // by path, then position
  next_cursor: number | null // pass as `cursor` for the next page
  files: number // how many files were searched
}

// What an import added (POST …/import): its files and folders (with the folder imported into),
// and the archive's entries it left out — `reason` "binary" (not UTF-8 text) or "metadata"
// (__MACOSX/, .DS_Store, ._*).
export interface ImportResult {
  project_id: number
  files: Array<{ id: number, path: string }>
  folders: string[]
  skipped: Array<{ path: string, reason: string }>
}

export interface SearchOptions {
  regex: boolean
  caseSensitive: boolean
  cursor?: number | null
}

export interface Member {
  user: Person
  role: Role
}

export interface AuthResult {
  token: string
  user: User
}

export interface DocumentPatch {
  title?: string
  language?: string
  is_public?: boolean
}

// Why the server captured a version (docs/HISTORY.md).
export type VersionKind = 'auto' | 'replace' | 'oops' | 'restore' | 'named'

export interface Version {
  id: number
  document_id: number
  created_at: string // ISO 8601, UTC, milliseconds
  name: string | null
  kind: VersionKind
  size: number
  users: Person[] // who edited since the version before it
}

export interface VersionPage {
  versions: Version[] // newest first
  next_cursor: number | null // pass as `before` for the next (older) page
}

export interface Restored {
  restored: Version // the version whose text the document now has
  before: Version // the state just before the restore, captured as a 'restore' version
}

// Who wrote each line of the text. `user_id` null: the author is not known. Columns count UTF-16
// code units from 0, as Monaco and JavaScript strings do; `end` is exclusive.
export interface BlameRun {
  start: number
  end: number
  user_id: number | null
  at: string | null
}

export interface BlameLine {
  line: number // 1-based
  user_id: number | null // who wrote most of the line
  at: string | null
  runs: BlameRun[]
}

export interface Blame {
  version: number | null
  users: Person[]
  lines: BlameLine[]
}

export interface ActivityEntry {
  version_id: number
  at: string
  kind: VersionKind
  name: string | null
  user: Person | null
  inserted: number
  deleted: number
}

export interface ActivityPage {
  entries: ActivityEntry[]
  next_cursor: number | null
}

// A sign-in of the user (GET /api/me/sessions): one device or browser that holds a token.
export interface AuthSession {
  id: number
  created_at: string
  last_seen_at: string
  user_agent: string
  ip: string
  current: boolean // the one making the request
}

export class ApiError extends Error {
  constructor (
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: number, // seconds, from a 429's Retry-After
    readonly details?: unknown // what stands in the way (DELETE /api/me's owns_shared)
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

interface ErrorBody {
  error?: { code?: unknown, message?: unknown, field?: unknown, details?: unknown }
}

function isErrorBody (v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && 'error' in v
}

interface RequestOptions {
  token?: string | null
  body?: unknown // sent as JSON
  upload?: { data: Blob, type: string } // sent as it is (an archive to import)
  onUnauthorized?: () => void
}

// Sends the request; resolves with the body's text when the answer is a success, else throws the
// ApiError it carries.
async function send (method: string, path: string, opts: RequestOptions): Promise<string> {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (opts.upload) headers['content-type'] = opts.upload.type
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.upload ? opts.upload.data : opts.body === undefined ? undefined : JSON.stringify(opts.body)
    })
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.')
  }
  const text = await res.text()
  if (!res.ok) throw failure(res, text, opts)
  return text
}

// The ApiError of an answer that is not a success (its JSON error body, or its status alone).
function failure (res: Response, text: string, opts: RequestOptions): ApiError {
  let json: unknown = null
  try { json = JSON.parse(text) } catch { json = null }
  const e = isErrorBody(json) ? json.error : undefined
  const code = typeof e?.code === 'string' ? e.code : `http_${res.status}`
  const message = typeof e?.message === 'string' ? e.message : `The server answered ${res.status}.`
  const field = typeof e?.field === 'string' ? e.field : undefined
  const retry = Number(res.headers.get('retry-after'))
  if (res.status === 401 && opts.token && opts.onUnauthorized) opts.onUnauthorized()
  return new ApiError(res.status, code, message, field, Number.isFinite(retry) && retry > 0 ? retry : undefined, e?.details)
}

// A binary answer (a project's zip) as a Blob; errors as `send`.
async function sendForBlob (path: string, opts: RequestOptions): Promise<Blob> {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let res: Response
  try {
    res = await fetch(path, { headers })
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.')
  }
  if (!res.ok) throw failure(res, await res.text(), opts)
  return await res.blob()
}

async function request<T> (method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const text = await send(method, path, opts)
  let json: unknown = null
  if (text !== '') {
    try { json = JSON.parse(text) } catch { json = null }
  }
  return json as T
}

export function register (username: string, email: string, password: string): Promise<AuthResult> {
  const body: Record<string, string> = { username, password }
  if (email !== '') body.email = email
  return request<AuthResult>('POST', '/api/auth/register', { body })
}

export function login (usernameOrEmail: string, password: string): Promise<AuthResult> {
  const key = usernameOrEmail.includes('@') ? 'email' : 'username'
  return request<AuthResult>('POST', '/api/auth/login', { body: { [key]: usernameOrEmail, password } })
}

// The calls a signed-in user makes, bound to their token.
export function createApi (token: string, onUnauthorized: () => void) {
  const call = <T>(method: string, path: string, body?: unknown) =>
    request<T>(method, path, { token, body, onUnauthorized })
  const doc = (id: number) => `/api/documents/${id}`
  const project = (id: number) => `/api/projects/${id}`
  const version = (id: number, vid: number) => `${doc(id)}/versions/${vid}`
  const page = (before: number | null, limit?: number) => {
    const q = new URLSearchParams()
    if (before !== null) q.set('before', String(before))
    if (limit !== undefined) q.set('limit', String(limit))
    const s = q.toString()
    return s === '' ? '' : `?${s}`
  }
  return {
    // The caller's account (server/account_api.hpp).
    changePassword: (oldPassword: string, newPassword: string) =>
      call<AuthResult>('POST', '/api/me/password', { old_password: oldPassword, new_password: newPassword }),
    // This sign-in revoked on the server. Without onUnauthorized: a token that is dead already
    // is the outcome wanted, not a reason to say the session expired.
    logout: () => request<null>('POST', '/api/auth/logout', { token }),
    logoutAll: () => call<null>('POST', '/api/auth/logout-all'),
    sessions: () => call<AuthSession[]>('GET', '/api/me/sessions'),
    revokeSession: (id: number) => call<null>('DELETE', `/api/me/sessions/${id}`),
    deleteAccount: (password: string) => call<null>('DELETE', '/api/me', { password }),
    token,
    listDocuments: (filter: DocumentFilter, q = '', cursor: string | null = null, limit = 50) => {
      const params = new URLSearchParams({ filter, limit: String(limit) })
      if (q !== '') params.set('q', q)
      if (cursor !== null) params.set('cursor', cursor)
      return call<DocumentPage>('GET', `/api/documents?${params.toString()}`)
    },
    createDocument: (title: string, language?: string) =>
      call<DocumentInfo>('POST', '/api/documents', language ? { title, language } : { title }),
    getDocument: (id: number) => call<DocumentInfo>('GET', doc(id)),
    updateDocument: (id: number, patch: DocumentPatch) => call<DocumentInfo>('PATCH', doc(id), patch),
    deleteDocument: (id: number) => call<null>('DELETE', doc(id)),
    listMembers: (id: number) => call<Member[]>('GET', `${doc(id)}/members`),
    setMember: (id: number, username: string, role: MemberRole) =>
      call<Member>('PUT', `${doc(id)}/members/${encodeURIComponent(username)}`, { role }),
    removeMember: (id: number, username: string) =>
      call<null>('DELETE', `${doc(id)}/members/${encodeURIComponent(username)}`),
    listVersions: (id: number, before: number | null = null, limit?: number) =>
      call<VersionPage>('GET', `${doc(id)}/versions${page(before, limit)}`),
    nameCurrentVersion: (id: number, name: string) => call<Version>('POST', `${doc(id)}/versions`, { name }),
    renameVersion: (id: number, vid: number, name: string | null) => call<Version>('PATCH', version(id, vid), { name }),
    deleteVersion: (id: number, vid: number) => call<null>('DELETE', version(id, vid)),
    // text/plain: read as text, never as JSON (a version's text may well parse as JSON).
    versionContent: (id: number, vid: number) =>
      send('GET', `${version(id, vid)}/content`, { token, onUnauthorized }),
    restoreVersion: (id: number, vid: number) => call<Restored>('POST', `${version(id, vid)}/restore`),
    blame: (id: number) => call<Blame>('GET', `${doc(id)}/blame`),
    activity: (id: number, before: number | null = null, limit?: number) =>
      call<ActivityPage>('GET', `${doc(id)}/activity${page(before, limit)}`),
    listProjects: (before: number | null = null, limit?: number) =>
      call<ProjectPage>('GET', `/api/projects${page(before, limit)}`),
    createProject: (name: string) => call<ProjectInfo>('POST', '/api/projects', { name }),
    getProject: (id: number) => call<ProjectInfo>('GET', project(id)),
    deleteProject: (id: number) => call<null>('DELETE', project(id)),
    projectTree: (id: number) => call<ProjectTree>('GET', `${project(id)}/tree`),
    createFile: (id: number, path: string, content?: string) =>
      call<DocumentInfo>('POST', `${project(id)}/files`, content === undefined ? { path } : { path, content }),
    moveFile: (id: number, fileId: number, path: string) =>
      call<DocumentInfo>('PATCH', `${project(id)}/files/${fileId}`, { path }),
    deleteFile: (id: number, fileId: number) => call<null>('DELETE', `${project(id)}/files/${fileId}`),
    createFolder: (id: number, path: string) => call<{ path: string }>('POST', `${project(id)}/folders`, { path }),
    moveFolder: (id: number, from: string, to: string) =>
      call<FolderMoved>('PATCH', `${project(id)}/folders`, { from, to }),
    deleteFolder: (id: number, path: string) =>
      call<null>('DELETE', `${project(id)}/folders?path=${encodeURIComponent(path)}`),
    listProjectMembers: (id: number) => call<Member[]>('GET', `${project(id)}/members`),
    setProjectMember: (id: number, username: string, role: MemberRole) =>
      call<Member>('PUT', `${project(id)}/members/${encodeURIComponent(username)}`, { role }),
    removeProjectMember: (id: number, username: string) =>
      call<null>('DELETE', `${project(id)}/members/${encodeURIComponent(username)}`),
    updateProject: (id: number, patch: { name?: string, is_public?: boolean }) =>
      call<ProjectInfo>('PATCH', project(id), patch),
    search: (id: number, q: string, { regex, caseSensitive, cursor = null }: SearchOptions) => {
      const params = new URLSearchParams({ q, regex: String(regex), case: String(caseSensitive) })
      if (cursor !== null) params.set('cursor', String(cursor))
      return call<SearchPage>('GET', `${project(id)}/search?${params.toString()}`)
    },
    exportZip: (id: number) => sendForBlob(`${project(id)}/export`, { token, onUnauthorized }),
    // A .zip or .tar.gz whose files land under `folder` ('' for the top level), all or nothing.
    importArchive: (id: number, data: Blob, type: string, folder: string) =>
      request<ImportResult>('POST', `${project(id)}/import${folder === '' ? '' : `?path=${encodeURIComponent(folder)}`}`,
        { token, upload: { data, type }, onUnauthorized })
  }
}

export type Api = ReturnType<typeof createApi>

// The WebSocket endpoint of the y-websocket protocol on this origin: ws(s)://host/ws
export function websocketBase (): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${window.location.host}/ws`
}

// Seconds since the epoch at which a JWT expires, or null when it cannot be read. Only used to
// tell "your session expired" from other failures; the server is what checks tokens.
export function tokenExpiry (token: string): number | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const claims: unknown = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')))
    if (typeof claims === 'object' && claims !== null && 'exp' in claims && typeof claims.exp === 'number') {
      return claims.exp
    }
  } catch {
    return null
  }
  return null
}
