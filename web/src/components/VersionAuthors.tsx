// VersionAuthors.tsx — people as the History panel shows them: a dot in their presence color
// (colors.ts, from the user id, as PresenceList and the cursors) and their name.
import type { Person } from '../api'
import { colorForUser } from '../colors'

export function VersionAuthors ({ users }: { users: Person[] }) {
  if (users.length === 0) return <span className='version-authors version-authors-none'>no recorded author</span>
  return (
    <span className='version-authors'>
      {users.map((u) => (
        <span key={u.id} className='version-author' data-user={u.username}>
          <span className='author-dot' style={{ background: colorForUser(u.id) }} aria-hidden='true' />
          {u.username}
        </span>
      ))}
    </span>
  )
}
