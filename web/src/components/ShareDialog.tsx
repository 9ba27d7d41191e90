// ShareDialog.tsx — the owner's sharing controls: add people by username as editor or viewer,
// change their role, remove them, and make the document public (any signed-in user may edit) or
// private. The server closes a removed member's connection (4403) and applies a new role to their
// open connections at once. "Copy link" says "Copied" for a moment, and a live region tells screen
// readers; where the clipboard cannot be written the link is selected and the user asked to copy.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import type { DocumentInfo, Member, MemberRole } from '../api'
import { colorForUser } from '../colors'
import { useSession } from '../session'
import { Dialog } from './Dialog'
import { errorText } from '../errorText'

interface Props {
  doc: DocumentInfo
  onClose: () => void
  onChanged: (doc: DocumentInfo) => void
}

export function ShareDialog ({ doc, onClose, onChanged }: Props) {
  const { api } = useSession()
  const [members, setMembers] = useState<Member[] | null>(null)
  const [username, setUsername] = useState('')
  const [role, setRole] = useState<MemberRole>('editor')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null)
  const linkInput = useRef<HTMLInputElement>(null)
  const copiedTimer = useRef<number | undefined>(undefined)
  useEffect(() => () => window.clearTimeout(copiedTimer.current), [])

  const load = useCallback(async () => {
    try {
      setMembers(await api.listMembers(doc.id))
    } catch (err) {
      setError(errorText(err))
    }
  }, [api, doc.id])

  useEffect(() => { void load() }, [load])

  // Runs a change, then refreshes the members and tells the other clients.
  const change = async (action: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
      await load()
      onChanged(await api.getDocument(doc.id))
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
    if (await change(() => api.setMember(doc.id, name, role))) setUsername('')
  }

  const link = `${window.location.origin}/d/${doc.id}`
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
    <Dialog title={`Share “${doc.title}”`} onClose={onClose} wide>
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
                      onChange={(e) => void change(() => api.setMember(doc.id, m.user.username, e.target.value as MemberRole))}
                    >
                      <option value='editor'>can edit</option>
                      <option value='viewer'>can view</option>
                    </select>
                    <button
                      type='button'
                      className='button button-small button-danger-quiet'
                      aria-label={`Remove ${m.user.username}`}
                      disabled={busy}
                      onClick={() => void change(() => api.removeMember(doc.id, m.user.username))}
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
            checked={doc.is_public}
            disabled={busy}
            onChange={(e) => { const pub = e.target.checked; void change(() => api.updateDocument(doc.id, { is_public: pub })) }}
          />
          Public: anyone signed in can open and edit
        </label>
        <div className='share-link'>
          <input ref={linkInput} aria-label='Link to this document' readOnly value={link} onFocus={(e) => e.target.select()} />
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
