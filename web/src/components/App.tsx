// App.tsx — the root: who is signed in, and which page the URL asks for. Signed out, every URL
// shows the sign-in form in place, so a shared link opens its document right after signing in.
import { useEffect } from 'react'
import { parseRoute, navigate, useLocation } from '../router'
import { SessionContext, useSessionState } from '../session'
import { AccountPage } from './AccountPage'
import { AppHeader } from './AppHeader'
import { AuthPage } from './AuthPage'
import { DocumentsPage } from './DocumentsPage'
import { EditorPage } from './EditorPage'
import { FailurePanel } from './FailurePanel'
import { ProjectPage } from './ProjectPage'

export function App () {
  const path = useLocation()
  const route = parseRoute(path)
  const { session, notice, signIn } = useSessionState()

  const onAuthRoute = route.name === 'login' || route.name === 'register'
  useEffect(() => {
    if (session && onAuthRoute) navigate('/', { replace: true })
  }, [session, onAuthRoute])

  if (!session) {
    return <AuthPage key={route.name} initialMode={route.name === 'register' ? 'register' : 'login'} notice={notice} onSignedIn={signIn} />
  }
  return (
    <SessionContext.Provider value={session}>
      {route.name === 'document' && <EditorPage key={route.id} id={route.id} />}
      {route.name === 'project' && <ProjectPage key={route.id} id={route.id} path={route.path} />}
      {(route.name === 'documents' || onAuthRoute) && <DocumentsPage />}
      {route.name === 'account' && <AccountPage />}
      {route.name === 'not-found' && (
        <div className='page'>
          <AppHeader />
          <FailurePanel title='Page not found' message={`There is nothing at ${path}.`}>
            <button type='button' className='button button-primary' onClick={() => navigate('/')}>Back to documents</button>
          </FailurePanel>
        </div>
      )}
    </SessionContext.Provider>
  )
}
