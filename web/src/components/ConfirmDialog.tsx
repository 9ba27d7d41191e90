// ConfirmDialog.tsx — asks before something that cannot be undone.
import { useState } from 'react'
import { Dialog } from './Dialog'
import { errorText } from '../errorText'

interface Props {
  title: string
  message: string
  confirmLabel: string
  onClose: () => void
  onConfirm: () => Promise<void>
}

export function ConfirmDialog ({ title, message, confirmLabel, onClose, onConfirm }: Props) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const confirm = async () => {
    setBusy(true)
    try {
      await onConfirm()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <Dialog title={title} onClose={onClose}>
      <div className='dialog-body'>
        <p>{message}</p>
        {error && <div className='form-error' role='alert'>{error}</div>}
        <div className='dialog-actions'>
          <button type='button' className='button' data-autofocus onClick={onClose}>Cancel</button>
          <button type='button' className='button button-danger' disabled={busy} onClick={() => void confirm()}>{confirmLabel}</button>
        </div>
      </div>
    </Dialog>
  )
}
