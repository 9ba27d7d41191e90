// BlameToggle.tsx — the toolbar's "Who wrote this" switch (a toggle button: aria-pressed). When
// the server has no blame route (404, see useBlame) it stays disabled and says why.
import type { BlameStatus } from '../history/useBlame'

interface Props {
  status: BlameStatus
  error: string | null
  onToggle: () => void
  disabled?: boolean // the editor is stopped
}

const TITLE: Record<BlameStatus, string> = {
  off: 'Show who wrote each line',
  loading: 'Finding out who wrote each line…',
  on: 'Hide who wrote each line',
  unavailable: 'Not available: this server does not tell who wrote each line (it has no blame route yet)'
}

export function BlameToggle ({ status, error, onToggle, disabled = false }: Props) {
  const pressed = status === 'on' || status === 'loading'
  return (
    <button
      type='button'
      className={pressed ? 'button button-toggle button-pressed' : 'button button-toggle'}
      aria-pressed={pressed}
      disabled={disabled}
      aria-disabled={status === 'unavailable' ? true : undefined}
      data-blame={status}
      title={error ? `Who wrote this: ${error}` : TITLE[status]}
      onClick={() => { if (status !== 'unavailable') onToggle() }}
    >
      Who wrote this
    </button>
  )
}
