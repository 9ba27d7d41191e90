// ActivityTab.tsx — the History panel's Activity tab: per version, who changed how many
// characters (inserted, deleted), newest first and by day. Read-only; the Versions tab is where a
// version is compared and restored. A server without the activity route (404) gets a plain note.
import type { ActivityEntry } from '../api'
import { colorForUser } from '../colors'
import { useActivity } from '../history/useActivity'
import { KIND_LABEL } from '../history/labels'
import { dateTime, groupByDay, timeOfDay } from '../history/time'
import { useSession } from '../session'
import { errorText } from '../errorText'

function Entry ({ entry: e }: { entry: ActivityEntry }) {
  return (
    <li className='activity-entry' data-version-id={e.version_id} data-user={e.user?.username} title={dateTime(e.at)}>
      <span className='version-time'>{timeOfDay(e.at)}</span>
      <span className='version-author'>
        <span className='author-dot' style={e.user ? { background: colorForUser(e.user.id) } : undefined} aria-hidden='true' />
        {e.user?.username ?? 'unknown'}
      </span>
      <span className='activity-counts'>
        <span className='activity-inserted' title='characters inserted'>+{e.inserted}</span>
        <span className='activity-deleted' title='characters deleted'>−{e.deleted}</span>
      </span>
      {e.name ? <span className='version-name'>{e.name}</span> : e.kind !== 'auto' && <span className='version-kind'>{KIND_LABEL[e.kind]}</span>}
    </li>
  )
}

export function ActivityTab ({ docId }: { docId: number }) {
  const { api } = useSession()
  const feed = useActivity(api, docId)
  if (feed.error?.status === 404) {
    return <p className='empty history-empty'>Activity is not available on this server yet.</p>
  }
  return (
    <div className='activity'>
      {feed.error && <div className='form-error' role='alert'>Cannot load the activity. {errorText(feed.error)}</div>}
      {!feed.loaded && <div className='loading' aria-busy='true'>Loading activity…</div>}
      {feed.loaded && !feed.error && feed.items.length === 0 && <p className='empty history-empty'>No activity yet.</p>}
      {groupByDay(feed.items, (e) => e.at).map((day) => (
        <section key={day.key} className='version-day' aria-label={day.label}>
          <h3 className='version-day-label'>{day.label}</h3>
          <ul className='version-items'>
            {day.items.map((e) => <Entry key={`${e.version_id}:${e.user?.id ?? 'none'}`} entry={e} />)}
          </ul>
        </section>
      ))}
      {feed.hasOlder && (
        <button type='button' className='button button-block' disabled={feed.loadingOlder} onClick={() => void feed.loadOlder()}>
          {feed.loadingOlder ? 'Loading…' : 'Load older'}
        </button>
      )}
    </div>
  )
}
