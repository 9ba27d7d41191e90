// PathDialog.tsx — asks for one name or path in a project (a new file or folder, a rename, a
// move) and runs the change; the server's answer when it refuses (a taken path, a bad name) shows
// under the field as it says it.
import { useState, type FormEvent } from 'react'
import { ApiError } from '../api'
import { Dialog } from './Dialog'
import { TextField } from './TextField'

interface Props {
  title: string
  label: string
  initial: string
  hint?: string
  submitLabel: string
  // Selects the name without its extension when the field takes the focus (renames).
  selectStem?: boolean
  allowEmpty?: boolean // a move to the top level is the empty folder
  onSubmit: (value: string) => Promise<void>
  onClose: () => void
}

export function PathDialog ({ title, label, initial, hint, submitLabel, selectStem = false, allowEmpty = false, onSubmit, onClose }: Props) {
  const [value, setValue] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await onSubmit(value.trim().replace(/^\/+|\/+$/g, ''))
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} className='dialog-body' noValidate>
        <TextField
          label={label}
          name='path'
          value={value}
          hint={hint}
          autoComplete='off'
          spellCheck={false}
          onChange={(e) => setValue(e.target.value)}
          onFocus={(e) => {
            if (!selectStem) return
            const dot = e.target.value.lastIndexOf('.')
            e.target.setSelectionRange(0, dot > 0 ? dot : e.target.value.length)
          }}
          error={error}
        />
        <div className='dialog-actions'>
          <button type='button' className='button' onClick={onClose}>Cancel</button>
          <button type='submit' className='button button-primary' disabled={busy || (!allowEmpty && value.trim() === '')}>{submitLabel}</button>
        </div>
      </form>
    </Dialog>
  )
}
