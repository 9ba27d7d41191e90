// RoleBadge.tsx — the caller's role on a document; viewers see that their editor is read-only.
import type { Role } from '../api'

const LABELS: Record<Role, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' }

export function RoleBadge ({ role, long = false }: { role: Role, long?: boolean }) {
  const text = long && role === 'viewer' ? 'Read-only' : LABELS[role]
  return (
    <span className={`badge badge-${role}`} title={role === 'viewer' ? 'You can read this document but not change it' : undefined}>
      {text}
    </span>
  )
}
