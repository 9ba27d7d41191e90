// router.ts — the app's few client-side routes (sign in, documents, /account, /d/<id>, /p/<id>[/<path>]) on the History API. The server answers any path
// without a file extension with index.html, so every route below can be loaded or reloaded directly.
import { useEffect, useState } from 'react'

export type Route =
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'documents' }
  | { name: 'account' }
  | { name: 'document', id: number }
  // `path`: the file a deep link opens (/p/<id>/src/main.py), null for the project alone.
  | { name: 'project', id: number, path: string | null }
  | { name: 'not-found' }

export function parseRoute (pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'documents' }
  if (pathname === '/login') return { name: 'login' }
  if (pathname === '/register') return { name: 'register' }
  if (pathname === '/account') return { name: 'account' }
  const m = /^\/d\/(\d{1,15})\/?$/.exec(pathname)
  if (m) return { name: 'document', id: Number(m[1]) }
  const p = /^\/p\/(\d{1,15})(?:\/(.*))?$/.exec(pathname)
  if (p) {
    const rest = (p[2] ?? '').replace(/\/+$/, '')
    try {
      return { name: 'project', id: Number(p[1]), path: rest === '' ? null : rest.split('/').map(decodeURIComponent).join('/') }
    } catch {
      return { name: 'not-found' } // a malformed %-escape
    }
  }
  return { name: 'not-found' }
}

// The address of a project, or of one of its files (each path segment escaped on its own).
export function projectHref (id: number, path: string | null = null): string {
  return path === null ? `/p/${id}` : `/p/${id}/${path.split('/').map(encodeURIComponent).join('/')}`
}

const NAVIGATE_EVENT = 'weft:navigate'

export function navigate (to: string, { replace = false } = {}): void {
  if (to === window.location.pathname + window.location.search) return
  if (replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
}

export function useLocation (): string {
  const [path, setPath] = useState(window.location.pathname)
  useEffect(() => {
    const update = () => setPath(window.location.pathname)
    window.addEventListener('popstate', update)
    window.addEventListener(NAVIGATE_EVENT, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(NAVIGATE_EVENT, update)
    }
  }, [])
  return path
}
