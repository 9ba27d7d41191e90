// ConnectionStatus.tsx — whether edits are reaching the server right now.
import type { ConnectionStatus as Status } from '../collab/useCollab'

const TEXT: Record<Status, { label: string, title: string }> = {
  connected: { label: 'Connected', title: 'Your edits reach everyone as you type' },
  connecting: { label: 'Connecting…', title: 'Reaching the server; your edits are kept and sent once connected' },
  offline: { label: 'Offline', title: 'You are offline: keep editing, your changes merge when you are back' },
  stopped: { label: 'Disconnected', title: 'The server ended the connection' }
}

export function ConnectionStatus ({ status, synced }: { status: Status, synced: boolean }) {
  const { label, title } = TEXT[status]
  const shown = status === 'connected' && !synced ? 'Syncing…' : label
  return (
    <span className={`status status-${status}`} title={title} data-status={status} role='status' aria-live='polite'>
      <span className='status-dot' aria-hidden='true' />
      {shown}
    </span>
  )
}
