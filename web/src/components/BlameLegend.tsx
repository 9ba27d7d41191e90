// BlameLegend.tsx — while "Who wrote this" is on, a strip above the editor naming the people whose
// colors the gutter and the text show, with how many lines each wrote most of (empty lines count for no one).
import type { Blame } from '../api'
import { colorForUser } from '../colors'

export function BlameLegend ({ blame, error }: { blame: Blame | null, error: string | null }) {
  if (error) return <div className='blame-legend' role='alert'>Cannot tell who wrote this: {error}</div>
  if (!blame) return <div className='blame-legend' aria-busy='true'>Finding out who wrote each line…</div>
  const lines = new Map<number | null, number>()
  for (const l of blame.lines) {
    // An empty line was written by nobody in particular.
    if (l.runs.some((r) => r.end > r.start)) lines.set(l.user_id, (lines.get(l.user_id) ?? 0) + 1)
  }
  const unknown = lines.get(null) ?? 0
  return (
    <div className='blame-legend' aria-label='Who wrote this' data-testid='blame-legend'>
      <span className='blame-legend-title'>Who wrote this:</span>
      {blame.users.map((u) => (
        <span key={u.id} className='blame-person' data-user={u.username}>
          <span className='author-dot' style={{ background: colorForUser(u.id) }} aria-hidden='true' />
          {u.username}
          <span className='blame-count'>{lines.get(u.id) ?? 0} {(lines.get(u.id) ?? 0) === 1 ? 'line' : 'lines'}</span>
        </span>
      ))}
      {unknown > 0 && (
        <span className='blame-person blame-person-unknown'>
          <span className='author-dot' aria-hidden='true' />
          unknown <span className='blame-count'>{unknown} {unknown === 1 ? 'line' : 'lines'}</span>
        </span>
      )}
    </div>
  )
}
