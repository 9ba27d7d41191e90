// AccountPage.tsx — /account: the signed-in user's own account. Change the password (the other
// sessions are signed out; this one keeps working with the fresh token the server answers), the
// sessions (devices and browsers signed in) with revoke, sign out everywhere, and delete the
// account (with its password; refused while other people are members of what the user owns).
import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { ApiError, type AuthSession } from '../api'
import { errorText } from '../errorText'
import { relativeTime } from '../relativeTime'
import { useSession } from '../session'
import { AppHeader } from './AppHeader'
import { ConfirmDialog } from './ConfirmDialog'
import { Dialog } from './Dialog'
import { TextField } from './TextField'

interface Owned { id: number, title?: string, name?: string }

// The documents and projects a refused deletion names (owns_shared's details).
function ownedList (err: unknown): string[] {
  if (!(err instanceof ApiError) || err.code !== 'owns_shared') return []
  const d = err.details as { documents?: Owned[], projects?: Owned[] } | undefined
  return [
    ...(d?.documents ?? []).map((x) => `Document “${x.title ?? x.id}”`),
    ...(d?.projects ?? []).map((x) => `Project “${x.name ?? x.id}”`)
  ]
}

function PasswordForm () {
  const { api, signIn } = useSession()
  const [oldPassword, setOld] = useState('')
  const [newPassword, setNew] = useState('')
  const [error, setError] = useState<{ field?: string, text: string } | null>(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setDone(false)
    try {
      const result = await api.changePassword(oldPassword, newPassword)
      setOld('')
      setNew('')
      setDone(true)
      signIn(result) // this session's fresh token
    } catch (err) {
      setError({ field: err instanceof ApiError ? err.field : undefined, text: errorText(err) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className='account-form' onSubmit={(e) => void submit(e)}>
      <TextField label='Current password' type='password' autoComplete='current-password' required value={oldPassword}
        onChange={(e) => setOld(e.target.value)} error={error?.field === 'old_password' ? error.text : null} />
      <TextField label='New password' type='password' autoComplete='new-password' required minLength={8} value={newPassword}
        onChange={(e) => setNew(e.target.value)} error={error?.field === 'new_password' ? error.text : null}
        hint='At least 8 characters. Your other sessions will be signed out.' />
      {error && error.field !== 'old_password' && error.field !== 'new_password' && <div className='form-error' role='alert'>{error.text}</div>}
      {done && <div className='notice' role='status'>Password changed. Your other sessions were signed out.</div>}
      <button type='submit' className='button button-primary' disabled={busy}>Change password</button>
    </form>
  )
}

function SessionList () {
  const { api, signOut } = useSession()
  const [sessions, setSessions] = useState<AuthSession[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [confirmAll, setConfirmAll] = useState(false)
  const load = useCallback(async () => {
    try {
      setSessions(await api.sessions())
    } catch (err) {
      setError(errorText(err))
    }
  }, [api])
  useEffect(() => { void load() }, [load])
  const revoke = async (id: number) => {
    try {
      await api.revokeSession(id)
      await load()
    } catch (err) {
      setError(errorText(err))
    }
  }
  return (
    <>
      {error && <div className='form-error' role='alert'>{error}</div>}
      {sessions === null && !error && <p className='muted'>Loading…</p>}
      {sessions && (
        <ul className='session-list' aria-label='Sessions'>
          {sessions.map((s) => (
            <li key={s.id} className='session-row' data-session-id={s.id}>
              <div className='session-what'>
                <span className='session-agent'>{s.user_agent === '' ? 'Unknown browser' : s.user_agent}</span>
                <span className='muted'>
                  {s.ip} · signed in {relativeTime(s.created_at)} · last used {relativeTime(s.last_seen_at)}
                </span>
              </div>
              {s.current
                ? <span className='badge'>This session</span>
                : <button type='button' className='button button-small' onClick={() => void revoke(s.id)}>Revoke</button>}
            </li>
          ))}
        </ul>
      )}
      <button type='button' className='button button-danger' onClick={() => setConfirmAll(true)}>Sign out everywhere</button>
      {confirmAll && (
        <ConfirmDialog title='Sign out everywhere?' confirmLabel='Sign out everywhere'
          message='Every session of your account, this one included, is signed out, and open editors are disconnected.'
          onClose={() => setConfirmAll(false)}
          onConfirm={async () => {
            await api.logoutAll()
            signOut('You signed out everywhere. Sign in again to continue.')
          }} />
      )}
    </>
  )
}

function DeleteAccount () {
  const { api, user, signOut } = useSession()
  const [open, setOpen] = useState(false)
  const [password, setPassword] = useState('')
  const [error, setError] = useState<{ text: string, owned: string[] } | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.deleteAccount(password)
      signOut(`The account “${user.username}” was deleted.`)
    } catch (err) {
      setError({ text: errorText(err), owned: ownedList(err) })
      setBusy(false)
    }
  }
  return (
    <>
      <p>Deleting your account also deletes the documents and projects you own. It is refused while other people are members of any of them.</p>
      <button type='button' className='button button-danger' onClick={() => setOpen(true)}>Delete account…</button>
      {open && (
        <Dialog title='Delete your account?' onClose={() => setOpen(false)}>
          <form className='dialog-body' onSubmit={(e) => void submit(e)}>
            <p>This cannot be undone. Enter your password to confirm.</p>
            <TextField label='Password' type='password' autoComplete='current-password' required value={password}
              onChange={(e) => setPassword(e.target.value)} />
            {error && (
              <div className='form-error' role='alert'>
                {error.text}
                {error.owned.length > 0 && <ul>{error.owned.map((o) => <li key={o}>{o}</li>)}</ul>}
              </div>
            )}
            <div className='dialog-actions'>
              <button type='button' className='button' onClick={() => setOpen(false)}>Cancel</button>
              <button type='submit' className='button button-danger' disabled={busy}>Delete account</button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  )
}

export function AccountPage () {
  const { user } = useSession()
  return (
    <div className='page'>
      <AppHeader />
      <main className='account'>
        <h1>Account</h1>
        <p className='muted'>Signed in as <strong>{user.username}</strong>{user.email ? ` (${user.email})` : ''}</p>
        <section className='account-section' aria-labelledby='account-password'>
          <h2 id='account-password'>Password</h2>
          <PasswordForm />
        </section>
        <section className='account-section' aria-labelledby='account-sessions'>
          <h2 id='account-sessions'>Sessions</h2>
          <SessionList />
        </section>
        <section className='account-section' aria-labelledby='account-delete'>
          <h2 id='account-delete'>Delete account</h2>
          <DeleteAccount />
        </section>
      </main>
    </div>
  )
}
