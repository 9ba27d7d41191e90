// ProjectPeople.tsx — who else is in the project (its live channel's presence) and in which file:
// "bob · src/main.py", in the color of their cursor. One entry per person (several tabs count
// once; the one in a file wins). Clicking a person who is in a file follows them: the workspace
// opens their file and keeps their cursor in view, and follows them to the next file they open.
import type { CSSProperties } from 'react'
import type { ProjectPeer } from '../projects/useProjectChannel'

interface Props {
  peers: ProjectPeer[]
  selfId: number
  following: number | null // the user id being followed
  onFollow: (userId: number | null) => void
}

export function ProjectPeople ({ peers, selfId, following, onFollow }: Props) {
  const people = new Map<number, ProjectPeer>()
  for (const p of peers) {
    if (p.userId === selfId) continue
    const seen = people.get(p.userId)
    if (!seen || (seen.path === null && p.path !== null)) people.set(p.userId, p)
  }
  const list = [...people.values()].sort((a, b) => a.name.localeCompare(b.name))
  if (list.length === 0) return null
  return (
    <ul className='presence project-people' aria-label='People in this project'>
      {list.map((p) => {
        const on = following === p.userId
        return (
          <li key={p.userId} className='presence-person' data-user={p.name} data-path={p.path ?? ''}>
            <button
              type='button'
              className={on ? 'presence-chip presence-chip-following' : 'presence-chip'}
              style={{ '--person-color': p.color } as CSSProperties}
              aria-pressed={on}
              disabled={p.path === null && !on}
              title={p.path === null ? `${p.name} has no file open` : on ? `Following ${p.name}: click to stop` : `Follow ${p.name} to ${p.path}`}
              onClick={() => onFollow(on ? null : p.userId)}
            >
              <span className='avatar' style={{ background: p.color }} aria-hidden='true'>{p.name.slice(0, 1).toUpperCase()}</span>
              <span className='presence-name'>{p.name}</span>
              {p.path !== null && <span className='presence-file'> · {p.path}</span>}
            </button>
          </li>
        )
      })}
    </ul>
  )
}
