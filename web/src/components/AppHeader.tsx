// AppHeader.tsx — the bar at the top of every signed-in page but the editor (which has its own
// toolbar): the brand, the page's own controls in the middle, and the user menu.
import type { ReactNode } from 'react'
import { navigate } from '../router'
import { UserMenu } from './UserMenu'

export function AppHeader ({ children }: { children?: ReactNode }) {
  return (
    <header className='app-header'>
      <a className='brand' href='/' aria-label='Weft: your documents' onClick={(e) => { e.preventDefault(); navigate('/') }}><span className='brand-mark' aria-hidden='true'>W</span>Weft</a>
      <div className='app-header-middle'>{children}</div>
      <UserMenu />
    </header>
  )
}
