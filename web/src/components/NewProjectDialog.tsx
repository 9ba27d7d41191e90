// NewProjectDialog.tsx — creates a project from its name; the page then opens it.
import { useState, type FormEvent } from 'react'
import { ApiError, type ProjectInfo } from '../api'
import { useSession } from '../session'
import { Dialog } from './Dialog'
import { TextField } from './TextField'

interface Props {
  onClose: () => void
  onCreated: (project: ProjectInfo) => void
}

export function NewProjectDialog ({ onClose, onCreated }: Props) {
  const { api } = useSession()
  const [name, setName] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onCreated(await api.createProject(name.trim()))
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)))
      setBusy(false)
    }
  }

  return (
    <Dialog title='New project' onClose={onClose}>
      <form onSubmit={submit} className='dialog-body' noValidate>
        <TextField
          label='Project name'
          name='name'
          placeholder='my-service'
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error?.field === 'name' ? error.message : null}
        />
        {error && error.field !== 'name' && <div className='form-error' role='alert'>{error.message}</div>}
        <div className='dialog-actions'>
          <button type='button' className='button' onClick={onClose}>Cancel</button>
          <button type='submit' className='button button-primary' disabled={busy || name.trim() === ''}>Create</button>
        </div>
      </form>
    </Dialog>
  )
}
