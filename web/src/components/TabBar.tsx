// TabBar.tsx — the open files of a project (a tablist): each tab shows the file's name (with its
// folder when two open files share a name) and its full path on hover, and says when the file was
// deleted, and who else has it open (a dot in each person's cursor color). Click or ←/→ selects;
// the ✕ button, Delete or a middle click closes.
import type { KeyboardEvent } from 'react'
import type { Peer } from '../collab/useCollab'
import { baseName, parentOf } from '../projects/tree'

export interface TabInfo {
  id: number
  path: string
  deleted: boolean
  peers: Peer[] // others with this file open
}

interface Props {
  tabs: TabInfo[]
  active: number | null
  onSelect: (id: number) => void
  onClose: (id: number) => void
}

export function TabBar ({ tabs, active, onSelect, onClose }: Props) {
  const names = new Map<string, number>()
  for (const t of tabs) names.set(baseName(t.path), (names.get(baseName(t.path)) ?? 0) + 1)

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>, i: number) => {
    const go = (k: number) => {
      const t = tabs[(k + tabs.length) % tabs.length]
      if (!t) return
      onSelect(t.id)
      e.currentTarget.parentElement?.querySelector<HTMLElement>(`#tab-${t.id}`)?.focus()
    }
    if (e.key === 'ArrowRight') go(i + 1)
    else if (e.key === 'ArrowLeft') go(i - 1)
    else if (e.key === 'Home') go(0)
    else if (e.key === 'End') go(tabs.length - 1)
    else if (e.key === 'Delete') onClose(tabs[i].id)
    else return
    e.preventDefault()
  }

  if (tabs.length === 0) return null
  return (
    <div className='tabs' role='tablist' aria-label='Open files'>
      {tabs.map((t, i) => {
        const name = baseName(t.path)
        const folder = (names.get(name) ?? 0) > 1 ? parentOf(t.path) : ''
        const selected = t.id === active
        return (
          <div
            key={t.id}
            id={`tab-${t.id}`}
            role='tab'
            className={`tab${selected ? ' tab-active' : ''}${t.deleted ? ' tab-deleted' : ''}`}
            aria-selected={selected}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={selected ? 0 : -1}
            title={t.deleted ? `${t.path} (deleted)` : t.path}
            data-path={t.path}
            onClick={() => onSelect(t.id)}
            onAuxClick={(e) => { if (e.button === 1) onClose(t.id) }}
            onKeyDown={(e) => onKeyDown(e, i)}
          >
            <span className='tab-name'>{name}</span>
            {folder !== '' && <span className='tab-folder'>{folder}</span>}
            {t.deleted && <span className='tab-note'>deleted</span>}
            <People peers={t.peers} />
            <button
              type='button'
              className='tab-close'
              aria-label={`Close ${t.path}`}
              tabIndex={-1}
              onClick={(e) => { e.stopPropagation(); onClose(t.id) }}
            >
              ✕
            </button>
          </div>
        )
      })}
    </div>
  )
}

// One dot per person (several browser tabs of one person count once), named for screen readers.
function People ({ peers }: { peers: Peer[] }) {
  const people = [...new Map(peers.map((p) => [p.userId, p])).values()]
  if (people.length === 0) return null
  const names = people.map((p) => p.name).join(', ')
  return (
    <span className='tab-people' title={`Also here: ${names}`} data-people={names}>
      {people.slice(0, 3).map((p) => <span key={p.userId} className='tab-person' style={{ background: p.color }} aria-hidden='true' />)}
      <span className='presence-name'>also here: {names}</span>
    </span>
  )
}
