// UserMenu.tsx — who is signed in, as an avatar and name, and a menu under it: the documents list,
// the account page and sign out (which revokes this sign-in on the server: POST /api/auth/logout).
// In the header of every signed-in page (AppHeader) and in the editor's toolbar. The menu follows
// the ARIA menu button pattern: Enter/Space/ArrowDown opens it on its first item, arrows move,
// Escape or a click outside closes it and the focus returns to the button.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { colorForUser } from '../colors'
import { navigate } from '../router'
import { useSession } from '../session'

export function UserMenu ({ compact = false }: { compact?: boolean }) {
  const { api, user, signOut } = useSession()
  const [open, setOpen] = useState(false)
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const menuId = useId()

  useEffect(() => {
    if (!open) return
    const items = root.current?.querySelectorAll<HTMLElement>('[role="menuitem"]')
    items?.[0]?.focus()
    const onPointer = (e: PointerEvent) => {
      if (root.current && e.target instanceof Node && !root.current.contains(e.target)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointer)
    return () => document.removeEventListener('pointerdown', onPointer)
  }, [open])

  const close = () => {
    setOpen(false)
    button.current?.focus()
  }

  const onMenuKey = (e: KeyboardEvent) => {
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])]
    const at = items.findIndex((el) => el === document.activeElement)
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      close()
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const step = e.key === 'ArrowDown' ? 1 : -1
      items[(at + step + items.length) % items.length]?.focus()
    } else if (e.key === 'Tab') {
      setOpen(false)
    }
  }

  return (
    <div className={compact ? 'user-menu user-menu-compact' : 'user-menu'} ref={root}>
      <button
        ref={button}
        type='button'
        className='user-menu-button'
        aria-haspopup='menu'
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={`Account: ${user.username}`}
        title={`Signed in as ${user.username}`}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => { if (e.key === 'ArrowDown') { e.preventDefault(); setOpen(true) } }}
      >
        <span className='avatar avatar-small' style={{ background: colorForUser(user.id) }} aria-hidden='true'>
          {user.username.slice(0, 1).toUpperCase()}
        </span>
        <span className='user-menu-name' data-testid='signed-in-user'>{user.username}</span>
        <span className='user-menu-caret' aria-hidden='true'>▾</span>
      </button>
      {open && (
        <div className='user-menu-popup' role='menu' id={menuId} aria-label={user.username} onKeyDown={onMenuKey}>
          <div className='user-menu-who' aria-hidden='true'>
            Signed in as <strong>{user.username}</strong>
            {user.email && <span className='user-menu-email'>{user.email}</span>}
          </div>
          <button type='button' role='menuitem' className='user-menu-item' tabIndex={-1}
            onClick={() => { setOpen(false); navigate('/') }}
          >
            Your documents
          </button>
          <button type='button' role='menuitem' className='user-menu-item' tabIndex={-1}
            onClick={() => { setOpen(false); navigate('/account') }}
          >
            Account
          </button>
          <button type='button' role='menuitem' className='user-menu-item' tabIndex={-1}
            onClick={() => {
              setOpen(false)
              // The token is revoked on the server (its sockets closed), then forgotten here. No
              // network: forgotten only; the Account page of another device can still revoke it.
              api.logout().catch(() => {})
              signOut()
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  )
}
