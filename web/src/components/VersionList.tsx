// VersionList.tsx — the versions, newest first, under a heading per day ("Today", "Yesterday",
// then the date), and "Load older" while the API has more.
import type { Version } from '../api'
import { groupByDay } from '../history/time'
import { VersionItem } from './VersionItem'

interface Props {
  versions: Version[]
  selectedId: number | null
  hasOlder: boolean
  loading: boolean
  onSelect: (v: Version) => void
  onLoadOlder: () => void
}

export function VersionList ({ versions, selectedId, hasOlder, loading, onSelect, onLoadOlder }: Props) {
  const days = groupByDay(versions, (v) => v.created_at)
  return (
    <div className='version-list'>
      {days.map((day) => (
        <section key={day.key} className='version-day' aria-label={day.label}>
          <h3 className='version-day-label'>{day.label}</h3>
          <ul className='version-items'>
            {day.items.map((v) => <VersionItem key={v.id} version={v} selected={v.id === selectedId} onSelect={onSelect} />)}
          </ul>
        </section>
      ))}
      {hasOlder && (
        <button type='button' className='button button-block' disabled={loading} onClick={onLoadOlder}>
          {loading ? 'Loading…' : 'Load older'}
        </button>
      )}
    </div>
  )
}
