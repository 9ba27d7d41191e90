// NewDocumentDialog.tsx — creates a document from a title and, optionally, a language (by default
// the server infers it from the title's extension).
import { useState, type FormEvent } from 'react'
import { ApiError, type DocumentInfo } from '../api'
import { LANGUAGES, inferLanguage, languageName } from '../languages'
import { useSession } from '../session'
import { Dialog } from './Dialog'
import { TextField } from './TextField'
import { errorText } from '../errorText'

interface Props {
  onClose: () => void
  onCreated: (doc: DocumentInfo) => void
}

export function NewDocumentDialog ({ onClose, onCreated }: Props) {
  const { api } = useSession()
  const [title, setTitle] = useState('')
  const [language, setLanguage] = useState('') // '' = from the title
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onCreated(await api.createDocument(title.trim(), language || undefined))
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)))
      setBusy(false)
    }
  }

  const inferred = languageName(inferLanguage(title.trim()))
  return (
    <Dialog title='New document' onClose={onClose}>
      <form onSubmit={submit} className='dialog-body' noValidate>
        <TextField
          label='File name'
          name='title'
          placeholder='main.py'
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={error?.field === 'title' ? errorText(error) : null}
        />
        <div className='field'>
          <label htmlFor='new-doc-language'>Language</label>
          <select id='new-doc-language' value={language} onChange={(e) => setLanguage(e.target.value)}>
            <option value=''>From the file name ({inferred})</option>
            {LANGUAGES.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select>
        </div>
        {error && error.field !== 'title' && <div className='form-error' role='alert'>{errorText(error)}</div>}
        <div className='dialog-actions'>
          <button type='button' className='button' onClick={onClose}>Cancel</button>
          <button type='submit' className='button button-primary' disabled={busy || title.trim() === ''}>Create</button>
        </div>
      </form>
    </Dialog>
  )
}
