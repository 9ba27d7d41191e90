// NameVersionDialog.tsx — names the current state (a new "named" version) or renames a version.
// Renaming to nothing removes the name. The server checks the name (1–255 characters, no control
// characters) and its message is shown under the field.
import { useState, type FormEvent } from 'react'
import { Dialog } from './Dialog'
import { TextField } from './TextField'
import { errorText } from '../errorText'

interface Props {
  title: string
  initial: string
  // Renaming may clear the name; naming the current state needs one.
  allowEmpty: boolean
  onClose: () => void
  onSave: (name: string | null) => Promise<void>
}

export function NameVersionDialog ({ title, initial, allowEmpty, onClose, onSave }: Props) {
  const [name, setName] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await onSave(name === '' ? null : name)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} className='dialog-body' noValidate>
        <TextField
          label='Version name'
          name='version-name'
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint={allowEmpty ? 'Leave empty to remove the name.' : undefined}
          error={error}
        />
        <div className='dialog-actions'>
          <button type='button' className='button' onClick={onClose}>Cancel</button>
          <button type='submit' className='button button-primary' disabled={busy || (!allowEmpty && name.trim() === '')}>Save</button>
        </div>
      </form>
    </Dialog>
  )
}
