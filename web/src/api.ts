// api.ts — the one module that talks to Weft's JSON API (DESIGN.md §4). Every call goes through
// `request`, which adds the bearer token, parses JSON and turns an error answer
// ({"error":{"code","message","field"?}}) into an ApiError. A 401 on a signed-in call also tells the
// session (onUnauthorized), so an expired token sends the user back to the sign-in screen.

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

export class ApiError extends Error {
  constructor (
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

interface ErrorBody {
  error?: { code?: unknown, message?: unknown, field?: unknown }
}

function isErrorBody (v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && 'error' in v
}

async function request<T> (method: string, path: string, opts: {
  token?: string | null
  body?: unknown
  onUnauthorized?: () => void
} = {}): Promise<T> {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body)
    })
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.')
  }
  const text = await res.text()
  let json: unknown = null
  if (text !== '') {
    try { json = JSON.parse(text) } catch { json = null }
  }
  if (!res.ok) {
    const e = isErrorBody(json) ? json.error : undefined
    const code = typeof e?.code === 'string' ? e.code : `http_${res.status}`
    const message = typeof e?.message === 'string' ? e.message : `The server answered ${res.status}.`
    const field = typeof e?.field === 'string' ? e.field : undefined
    if (res.status === 401 && opts.token && opts.onUnauthorized) opts.onUnauthorized()
    throw new ApiError(res.status, code, message, field)
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
  return {
    token,
    listDocuments: () => call<DocumentInfo[]>('GET', '/api/documents'),
    createDocument: (title: string, language?: string) =>
      call<DocumentInfo>('POST', '/api/documents', language ? { title, language } : { title }),
    getDocument: (id: number) => call<DocumentInfo>('GET', doc(id)),
    updateDocument: (id: number, patch: DocumentPatch) => call<DocumentInfo>('PATCH', doc(id), patch),
    deleteDocument: (id: number) => call<null>('DELETE', doc(id)),
    listMembers: (id: number) => call<Member[]>('GET', `${doc(id)}/members`),
    setMember: (id: number, username: string, role: MemberRole) =>
      call<Member>('PUT', `${doc(id)}/members/${encodeURIComponent(username)}`, { role }),
    removeMember: (id: number, username: string) =>
      call<null>('DELETE', `${doc(id)}/members/${encodeURIComponent(username)}`)
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
