// SaveState.tsx — whether this browser's edits have reached the server: "All changes saved" only
// when the provider is synced and the server has acknowledged every local change (UnsentEdits);
// while connected, "Saving…" as long as the oldest unacknowledged edit is recent (an answer takes
// a round trip after a short pause), and the count once it is older than SLOW_MS (a server that
// stopped answering); otherwise how many edits are waiting. Never "saved" offline or with local
// edits the server has not acknowledged.
import { useEffect, useState } from 'react'
import type { ConnectionStatus } from '../collab/useCollab'

interface Props {
  status: ConnectionStatus
  synced: boolean
  unsent: number
  oldestUnsentAt: number | null
  acknowledged: boolean
}

const SLOW_MS = 3000

const edits = (n: number) => (n === 1 ? '1 edit' : `${n} edits`)

function describe ({ status, synced, unsent, acknowledged }: Props, slow: boolean): string {
  const ready = status === 'connected' && synced
  if (ready && unsent === 0 && acknowledged) return 'All changes saved'
  if (ready && !slow) return 'Saving…'
  if (unsent > 0) {
    if (status === 'offline') return `Offline — ${edits(unsent)} not yet sent`
    if (status === 'stopped') return `${edits(unsent)} not sent`
    return `${edits(unsent)} not yet sent`
  }
  if (ready) return 'Saving…'
  if (!acknowledged) return status === 'offline' ? 'Offline — your copy is kept in this browser' : 'Not yet synced'
  return status === 'offline' ? 'Offline — all your edits were sent' : 'All your edits were sent'
}

// Whether the oldest unacknowledged edit is older than SLOW_MS (re-rendering when it becomes so).
function useSlow (oldestUnsentAt: number | null): boolean {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (oldestUnsentAt === null) return
    const left = oldestUnsentAt + SLOW_MS - Date.now()
    if (left <= 0) return
    const timer = window.setTimeout(() => setNow(Date.now()), left + 10)
    return () => window.clearTimeout(timer)
  }, [oldestUnsentAt])
  return oldestUnsentAt !== null && Math.max(now, Date.now()) - oldestUnsentAt >= SLOW_MS
}

export function SaveState (props: Props) {
  const slow = useSlow(props.oldestUnsentAt)
  const text = describe(props, slow)
  const waiting = props.unsent > 0 && (slow || !(props.status === 'connected' && props.synced))
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
