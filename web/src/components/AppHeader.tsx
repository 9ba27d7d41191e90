// AppHeader.tsx — the bar at the top of the documents page: the brand, who is signed in, sign out.
import type { ReactNode } from 'react'
import { useSession } from '../session'
import { colorForUser } from '../colors'
import { navigate } from '../router'

export function AppHeader ({ children }: { children?: ReactNode }) {
  const { user, signOut } = useSession()
  return (
    <header className='app-header'>
      <a className='brand' href='/' aria-label='Weft: your documents' onClick={(e) => { e.preventDefault(); navigate('/') }}><span className='brand-mark' aria-hidden='true'>W</span>Weft</a>
      <div className='app-header-middle'>{children}</div>
      <div className='app-header-user'>
        <span className='avatar avatar-small' style={{ background: colorForUser(user.id) }} aria-hidden='true'>
          {user.username.slice(0, 1).toUpperCase()}
        </span>
        <span className='app-header-name' data-testid='signed-in-user'>{user.username}</span>
        <button type='button' className='button button-quiet' onClick={() => signOut()}>Sign out</button>
      </div>
    </header>
  )
}
