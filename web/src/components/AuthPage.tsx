// AuthPage.tsx — sign in and register. The server validates; its message for a field (username
// taken, password too short, …) is shown under that field, anything else above the form.
import { useState, type FormEvent } from 'react'
import { ApiError, login, register, type AuthResult } from '../api'
import { TextField } from './TextField'
import { errorText } from '../errorText'

interface Props {
  initialMode: 'login' | 'register'
  notice: string | null
  onSignedIn: (result: AuthResult) => void
}

type Field = 'username' | 'email' | 'password'

// Shown in place of any page while signed out, so that after signing in the same URL (say a shared
// document's link) opens what was asked for.
export function AuthPage ({ initialMode, notice, onSignedIn }: Props) {
  const [mode, setMode] = useState(initialMode)
  const [username, setUsername] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({})
  const [formError, setFormError] = useState<string | null>(null)
  const registering = mode === 'register'

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setFieldErrors({})
    setFormError(null)
    try {
      const result = registering
        ? await register(username.trim(), email.trim(), password)
        : await login(username.trim(), password)
      onSignedIn(result)
    } catch (err) {
      if (err instanceof ApiError && (err.field === 'username' || err.field === 'email' || err.field === 'password')) {
        setFieldErrors({ [err.field]: errorText(err) })
      } else {
        setFormError(errorText(err))
      }
    } finally {
      setBusy(false)
    }
  }

  const switchTo = (to: 'login' | 'register') => {
    setFieldErrors({})
    setFormError(null)
    setMode(to)
  }

  return (
    <main className='auth'>
      <form className='auth-card' onSubmit={submit} noValidate>
        <div className='brand brand-large'><span className='brand-mark' aria-hidden='true'>W</span>Weft</div>
        <h1>{registering ? 'Create your account' : 'Sign in'}</h1>
        {notice && <div className='notice' role='status'>{notice}</div>}
        {formError && <div className='form-error' role='alert'>{formError}</div>}
        <TextField
          label={registering ? 'Username' : 'Username or email'}
          name='username'
          autoComplete='username'
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={fieldErrors.username}
          hint={registering ? '3–50 letters, digits, “_”, “.” or “-”' : undefined}
        />
        {registering && (
          <TextField
            label='Email (optional)'
            name='email'
            type='email'
            autoComplete='email'
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fieldErrors.email}
          />
        )}
        <TextField
          label='Password'
          name='password'
          type='password'
          autoComplete={registering ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldErrors.password}
          hint={registering ? 'At least 8 characters' : undefined}
        />
        <button type='submit' className='button button-primary button-block' disabled={busy}>
          {busy ? 'Please wait…' : registering ? 'Create account' : 'Sign in'}
        </button>
        <p className='auth-switch'>
          {registering ? 'Already have an account? ' : 'New to Weft? '}
          <button type='button' className='link-button' onClick={() => switchTo(registering ? 'login' : 'register')}>
            {registering ? 'Sign in' : 'Create an account'}
          </button>
        </p>
      </form>
    </main>
  )
}
