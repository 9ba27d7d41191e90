// ProjectPage.tsx — opens project `id` (/p/<id>, or /p/<id>/<path> to open a file): fetches its
// name and the caller's role, then hands over to ProjectWorkspace. "No such project" and "no
// access" are clear messages, as for documents.
import { useCallback, useEffect, useState } from 'react'
import { ApiError, type ProjectInfo } from '../api'
import { navigate } from '../router'
import { useSession } from '../session'
import { FailurePanel } from './FailurePanel'
import { ProjectWorkspace } from './ProjectWorkspace'

export function ProjectPage ({ id, path }: { id: number, path: string | null }) {
  const { api, user } = useSession()
  const [project, setProject] = useState<ProjectInfo | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const back = <button type='button' className='button button-primary' onClick={() => navigate('/')}>Back to documents</button>

  const load = useCallback(async () => {
    try {
      setProject(await api.getProject(id))
      setError(null)
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)))
    }
  }, [api, id])

  useEffect(() => { void load() }, [load])

  useEffect(() => {
    document.title = project ? `${project.name} — Weft` : 'Weft'
    return () => { document.title = 'Weft' }
  }, [project])

  if (error?.status === 404) {
    return <FailurePanel title='Project not found' message='This project does not exist, or it was deleted.'>{back}</FailurePanel>
  }
  if (error?.status === 403) {
    return (
      <FailurePanel title='No access' message={`You (${user.username}) do not have access to this project. Ask its owner to add you.`}>
        {back}
      </FailurePanel>
    )
  }
  if (error) {
    return (
      <FailurePanel title='Cannot open the project' message={error.message}>
        <button type='button' className='button' onClick={() => void load()}>Try again</button>
        {back}
      </FailurePanel>
    )
  }
  if (!project) return <div className='loading' aria-busy='true'>Opening…</div>
  return <ProjectWorkspace project={project} path={path} onProjectChange={setProject} />
}
