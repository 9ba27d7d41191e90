// ShareDialog.tsx — the owner's sharing controls of a document or a project (share.ts): add people
// by username as editor or viewer, change their role, remove them, and make it public (any
// signed-in user may edit) or private. The server closes a removed member's connections (4403)
// and applies a new role to their open connections at once — for a project, on every file.
// "Copy link" says "Copied" for a moment, and a live region tells screen readers; where the
// clipboard cannot be written the link is selected and the user asked to copy.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import type { Member, MemberRole } from '../api'
import { colorForUser } from '../colors'
import type { ShareTarget } from '../share'
import { Dialog } from './Dialog'
import { errorText } from '../errorText'

interface Props {
  target: ShareTarget
  onClose: () => void
}

export function ShareDialog ({ target, onClose }: Props) {
  const [members, setMembers] = useState<Member[] | null>(null)
  const [username, setUsername] = useState('')
  const [role, setRole] = useState<MemberRole>('editor')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null)
  const linkInput = useRef<HTMLInputElement>(null)
  const copiedTimer = useRef<number | undefined>(undefined)
  useEffect(() => () => window.clearTimeout(copiedTimer.current), [])

  // The target is made anew on each render of the page (it closes over the shown document); the
  // members are fetched once on opening and after each change, not on each render.
  const current = useRef(target)
  current.current = target
  const load = useCallback(async () => {
    try {
      setMembers(await current.current.listMembers())
    } catch (err) {
      setError(errorText(err))
    }
  }, [])

  useEffect(() => { void load() }, [load])

  // Runs a change, then refreshes the members and tells the other clients.
  const change = async (action: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
      await load()
      await target.changed()
      return true
    } catch (err) {
      setError(errorText(err))
      return false
    } finally {
      setBusy(false)
    }
  }

  const add = async (e: FormEvent) => {
    e.preventDefault()
    const name = username.trim()
    if (name === '') return
    if (await change(() => target.setMember(name, role))) setUsername('')
  }

  const { link } = target
  const copy = async () => {
    window.clearTimeout(copiedTimer.current)
    try {
      if (!navigator.clipboard) throw new Error('no clipboard')
      await navigator.clipboard.writeText(link)
      setCopied('copied')
    } catch {
      linkInput.current?.select()
      setCopied('failed')
    }
    copiedTimer.current = window.setTimeout(() => setCopied(null), 2000)
  }
  return (
    <Dialog title={`Share “${target.name}”`} onClose={onClose} wide>
      <div className='dialog-body'>
        <form className='share-add' onSubmit={add}>
          <input
            aria-label='Username to add'
            placeholder='Add people by username'
            value={username}
            autoComplete='off'
            onChange={(e) => setUsername(e.target.value)}
          />
          <select aria-label='Role for the new member' value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
            <option value='editor'>can edit</option>
            <option value='viewer'>can view</option>
          </select>
          <button type='submit' className='button button-primary' disabled={busy || username.trim() === ''}>Add</button>
        </form>
        {error && <div className='form-error' role='alert'>{error}</div>}
        <ul className='members' aria-label='People with access'>
          {members?.map((m) => (
            <li key={m.user.id} className='member' data-username={m.user.username}>
              <span className='avatar avatar-small' style={{ background: colorForUser(m.user.id) }} aria-hidden='true'>
                {m.user.username.slice(0, 1).toUpperCase()}
              </span>
              <span className='member-name'>{m.user.username}</span>
              {m.role === 'owner'
                ? <span className='member-role'>owner</span>
                : (
                  <>
                    <select
                      aria-label={`Role of ${m.user.username}`}
                      value={m.role}
                      disabled={busy}
                      onChange={(e) => void change(() => target.setMember(m.user.username, e.target.value as MemberRole))}
                    >
                      <option value='editor'>can edit</option>
                      <option value='viewer'>can view</option>
                    </select>
                    <button
                      type='button'
                      className='button button-small button-danger-quiet'
                      aria-label={`Remove ${m.user.username}`}
                      disabled={busy}
                      onClick={() => void change(() => target.removeMember(m.user.username))}
                    >
                      Remove
                    </button>
                  </>
                  )}
            </li>
          ))}
        </ul>
        <label className='checkbox'>
          <input
            type='checkbox'
            checked={target.isPublic}
            disabled={busy}
            onChange={(e) => { const pub = e.target.checked; void change(() => target.setPublic(pub)) }}
          />
          Public: anyone signed in can open and edit{target.kind === 'project' ? ' its files' : ''}
        </label>
        <div className='share-link'>
          <input ref={linkInput} aria-label={`Link to this ${target.kind}`} readOnly value={link} onFocus={(e) => e.target.select()} />
          <button type='button' className='button share-copy' onClick={() => void copy()}>
            {copied === 'copied' ? '✓ Copied' : 'Copy link'}
          </button>
        </div>
        <div className='share-copied' role='status' aria-live='polite'>
          {copied === 'copied' ? 'Link copied to the clipboard.' : copied === 'failed' ? 'Press Ctrl+C (⌘C) to copy the selected link.' : ''}
        </div>
      </div>
    </Dialog>
  )
}
