// labels.ts — the words the History panel uses for a version: why it was captured (its kind, shown
// small beside its time) and how to call it in a heading or a question ("Restore the version of
// Today 14:05?").
import type { Version, VersionKind } from '../api'
import { dayLabel, timeOfDay } from './time'

export const KIND_LABEL: Record<VersionKind, string> = {
  auto: 'auto-saved',
  replace: 'before a replace',
  oops: 'before a large deletion',
  restore: 'before a restore',
  named: 'named'
}

export function versionTitle (v: Version, now = new Date()): string {
  const when = `${dayLabel(new Date(v.created_at), now)} ${timeOfDay(v.created_at)}`
  return v.name ? `“${v.name}” (${when})` : `the version of ${when}`
}
