// VersionItem.tsx — one version in the History panel's list: its time, a name if it has one, who
// edited since the version before it, and (small) why it was captured. The whole row is a button:
// pressing it selects the version and shows its diff.
import type { Version } from '../api'
import { KIND_LABEL } from '../history/labels'
import { dateTime, timeOfDay } from '../history/time'
import { VersionAuthors } from './VersionAuthors'

interface Props {
  version: Version
  selected: boolean
  onSelect: (v: Version) => void
}

export function VersionItem ({ version: v, selected, onSelect }: Props) {
  return (
    <li className='version-item'>
      <button
        type='button'
        className={selected ? 'version-button version-selected' : 'version-button'}
        aria-pressed={selected}
        data-version-id={v.id}
        data-kind={v.kind}
        title={dateTime(v.created_at)}
        onClick={() => onSelect(v)}
      >
        <span className='version-line'>
          <span className='version-time'>{timeOfDay(v.created_at)}</span>
          {v.name && <span className='version-name'>{v.name}</span>}
          {v.kind !== 'named' && <span className='version-kind'>{KIND_LABEL[v.kind]}</span>}
        </span>
        <VersionAuthors users={v.users} />
      </button>
    </li>
  )
}
