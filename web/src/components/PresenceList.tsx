// PresenceList.tsx — who has the document open: one entry per person (several tabs of one person
// count once) in the color of their cursor. Others are shown with their name and are buttons:
// clicking one follows that person (the editor keeps their cursor in view, useFollow.ts) and
// clicking again stops. The user themself is the first avatar, named for screen readers.
import type { CSSProperties } from 'react'
import type { Peer } from '../collab/useCollab'

interface Props {
  peers: Peer[]
  following: number | null // the user id being followed
  onFollow: (userId: number | null) => void
  disabled?: boolean
}

export function PresenceList ({ peers, following, onFollow, disabled = false }: Props) {
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
      {list.map((p) => {
        const avatar = <span className='avatar' style={{ background: p.color }} aria-hidden='true'>{p.name.slice(0, 1).toUpperCase()}</span>
        if (p.isLocal) {
          return (
            <li key={p.userId} className='presence-person presence-self' title={`${p.name} (you)`} data-user={p.name}>
              {avatar}
              <span className='presence-self-name'>{p.name} (you)</span>
            </li>
          )
        }
        const on = following === p.userId
        return (
          <li key={p.userId} className='presence-person' data-user={p.name}>
            <button
              type='button'
              className={on ? 'presence-chip presence-chip-following' : 'presence-chip'}
              style={{ '--person-color': p.color } as CSSProperties}
              aria-pressed={on}
              disabled={disabled}
              title={on ? `Following ${p.name}: click to stop` : `Follow ${p.name}: keep their cursor in view`}
              onClick={() => onFollow(on ? null : p.userId)}
            >
              {avatar}
              <span className='presence-name'>{p.name}</span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
