// RenameDialog.tsx — renames a document. A language that was only implied by the old file name
// follows the new one (main.txt → main.py becomes Python); a chosen language stays.
import { useState, type FormEvent } from 'react'
import { ApiError, type DocumentInfo } from '../api'
import { languageAfterRename } from '../languages'
import { useSession } from '../session'
import { Dialog } from './Dialog'
import { TextField } from './TextField'
import { errorText } from '../errorText'

interface Props {
  doc: DocumentInfo
  onClose: () => void
  onRenamed: (doc: DocumentInfo) => void
}

export function RenameDialog ({ doc, onClose, onRenamed }: Props) {
  const { api } = useSession()
  const [title, setTitle] = useState(doc.title)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const next = title.trim()
    if (next === doc.title) {
      onClose()
      return
    }
    setBusy(true)
    setError(null)
    try {
      const language = languageAfterRename(doc.title, next, doc.language)
      onRenamed(await api.updateDocument(doc.id, language ? { title: next, language } : { title: next }))
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)))
      setBusy(false)
    }
  }

  return (
    <Dialog title='Rename' onClose={onClose}>
      <form onSubmit={submit} className='dialog-body' noValidate>
        <TextField
          label='File name'
          name='title'
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          onFocus={(e) => {
            const dot = e.target.value.lastIndexOf('.')
            e.target.setSelectionRange(0, dot > 0 ? dot : e.target.value.length)
          }}
          error={error ? errorText(error) : null}
        />
        <div className='dialog-actions'>
          <button type='button' className='button' onClick={onClose}>Cancel</button>
          <button type='submit' className='button button-primary' disabled={busy || title.trim() === ''}>Rename</button>
        </div>
      </form>
    </Dialog>
  )
}
