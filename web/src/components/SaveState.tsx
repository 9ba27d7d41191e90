// SaveState.tsx — whether this browser's edits have reached the server: "All changes saved" only
// when the provider is synced and the server has acknowledged every local change (UnsentEdits);
// otherwise how many edits are waiting, and why. Never "saved" while offline with local edits.
import type { ConnectionStatus } from '../collab/useCollab'

interface Props {
  status: ConnectionStatus
  synced: boolean
  unsent: number
  acknowledged: boolean
}

const edits = (n: number) => (n === 1 ? '1 edit' : `${n} edits`)

function describe ({ status, synced, unsent, acknowledged }: Props): string {
  const ready = status === 'connected' && synced
  if (ready && unsent === 0 && acknowledged) return 'All changes saved'
  if (ready) return 'Saving…' // sent, the server's answer is on its way
  if (unsent > 0) {
    if (status === 'offline') return `Offline — ${edits(unsent)} not yet sent`
    if (status === 'stopped') return `${edits(unsent)} not sent`
    return `${edits(unsent)} not yet sent`
  }
  if (!acknowledged) return status === 'offline' ? 'Offline — your copy is kept in this browser' : 'Not yet synced'
  return status === 'offline' ? 'Offline — all your edits were sent' : 'All your edits were sent'
}

export function SaveState (props: Props) {
  const text = describe(props)
  const waiting = props.unsent > 0 && !(props.status === 'connected' && props.synced)
  return (
    <span
      className={waiting ? 'save-state save-state-unsent' : 'save-state'}
      data-testid='save-state'
      data-unsent={props.unsent}
      title={props.unsent > 0 ? `${edits(props.unsent)} kept in this browser until the server has them` : undefined}
      role='status'
      aria-live='polite'
    >
      {text}
    </span>
  )
}
