// session.ts — who is signed in. The token and user are kept in localStorage so a reload (or a
// second tab) stays signed in; the signed-in part of the app reads them through SessionContext.
// Tabs of one browser share the stored session: a tab that signs out, signs in or gets a fresh
// token (a password change) tells the others through the storage event, so they follow.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { createApi, tokenExpiry, type Api, type AuthResult, type User } from './api'

const STORAGE_KEY = 'weft.session'

interface Stored {
  token: string
  user: User
}

// A 401 on a signed-in call: the token expired, or was revoked (a password change or "sign out
// everywhere" on another device, the session revoked, the account deleted).
const EXPIRED = 'Your session has ended: it expired, or it was signed out from another device or by a password change. Please sign in again.'

function load (): Stored | null {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const v: unknown = JSON.parse(raw)
    if (typeof v === 'object' && v !== null && 'token' in v && 'user' in v && typeof v.token === 'string') {
      return v as Stored
    }
  } catch {
    return null
  }
  return null
}

export interface Session {
  user: User
  api: Api
  signOut: (notice?: string) => void
  // Replaces the token (a password change answers a fresh one for this session).
  signIn: (result: AuthResult) => void
}

export const SessionContext = createContext<Session | null>(null)

export function useSession (): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside a signed-in page')
  return s
}

const SIGNED_OUT_EVENT = 'weft:signed-out'

// A WebSocket of this tab was closed with 4401 (its token expired or was revoked): the app goes
// back to the sign-in screen, saying why, instead of reconnecting.
export function reportSignedOut (): void {
  window.dispatchEvent(new Event(SIGNED_OUT_EVENT))
}

function expired (s: Stored): boolean {
  const exp = tokenExpiry(s.token)
  return exp !== null && exp * 1000 <= Date.now()
}

// The state behind SessionContext: {session, notice, signIn}. `notice` is why the user was signed
// out (an expired token), shown on the sign-in screen. A stored token that has already expired is
// dropped at start-up.
export function useSessionState () {
  const [initial] = useState(load)
  const [stored, setStored] = useState<Stored | null>(() => (initial && !expired(initial) ? initial : null))
  const [notice, setNotice] = useState<string | null>(() => (initial && expired(initial) ? EXPIRED : null))

  const signOut = useCallback((why?: string) => {
    window.localStorage.removeItem(STORAGE_KEY)
    setStored(null)
    setNotice(why ?? null)
  }, [])

  const signIn = useCallback((result: AuthResult) => {
    const s = { token: result.token, user: result.user }
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(s))
    setStored(s)
    setNotice(null)
  }, [])

  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key !== STORAGE_KEY) return
      const next = load()
      setStored((s) => (s?.token === next?.token ? s : next))
    }
    const onSignedOut = () => signOut(`${EXPIRED} Your unsent edits are kept in this browser.`)
    window.addEventListener('storage', onStorage)
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut)
    return () => {
      window.removeEventListener('storage', onStorage)
      window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut)
    }
  }, [signOut])

  const session = useMemo<Session | null>(() => {
    if (!stored) return null
    const api = createApi(stored.token, () => signOut(EXPIRED))
    return { user: stored.user, api, signOut, signIn }
  }, [stored, signOut, signIn])

  return { session, notice, signIn }
}
