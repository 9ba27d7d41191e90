// PresenceList.tsx — who has the document open, one colored avatar per person (several tabs of
// one person count once); the color is the one of their cursor.
import type { Peer } from '../collab/useCollab'

export function PresenceList ({ peers }: { peers: Peer[] }) {
  const people = new Map<number, Peer & { tabs: number }>()
  for (const p of peers) {
    const seen = people.get(p.userId)
    if (seen) {
      seen.tabs++
      if (p.isLocal) seen.isLocal = true
    } else {
      people.set(p.userId, { ...p, tabs: 1 })
    }
  }
  const list = [...people.values()].sort((a, b) => Number(b.isLocal) - Number(a.isLocal) || a.name.localeCompare(b.name))
  return (
    <ul className='presence' aria-label='People here'>
      {list.map((p) => (
        <li key={p.userId} className='presence-person' title={p.isLocal ? `${p.name} (you)` : p.name} data-user={p.name}>
          <span className='avatar' style={{ background: p.color }} aria-hidden='true'>{p.name.slice(0, 1).toUpperCase()}</span>
          <span className='presence-name'>{p.isLocal ? `${p.name} (you)` : p.name}</span>
        </li>
      ))}
    </ul>
  )
}
