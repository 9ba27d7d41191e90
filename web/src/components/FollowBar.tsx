// FollowBar.tsx — "Following bob" above an editor that follows a collaborator's cursor
// (useFollow via CodeEditor's `following`), with a button to stop; in that person's color.
import type { CSSProperties } from 'react'
import { colorForUser } from '../colors'
import type { Peer } from '../collab/useCollab'

// The followed person among `peers` (not this tab), if any.
export function followedPeer (peers: Peer[], following: number | null): Peer | undefined {
  return following === null ? undefined : peers.find((p) => p.userId === following && !p.isLocal)
}

export function FollowBar ({ person, onStop }: { person: Peer | undefined, onStop: () => void }) {
  if (!person) return null
  return (
    <div className='follow-bar' role='status' style={{ '--person-color': colorForUser(person.userId) } as CSSProperties}>
      <span>Following <strong>{person.name}</strong> — type or click in the text to stop</span>
      <button type='button' className='button button-small' onClick={onStop}>Stop following</button>
    </div>
  )
}
