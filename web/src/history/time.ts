// time.ts — how the History panel shows times: versions grouped by the local calendar day they were
// captured on ("Today", "Yesterday", then the date), each with its local time of day. The server
// sends UTC (ISO 8601 with milliseconds); days are the reader's, so a version captured at 23:30
// UTC may well be "Today" in one browser and "Yesterday" in another.

export interface DayGroup<T> {
  key: string // the local date, YYYY-MM-DD
  label: string
  items: T[]
}

function localDayKey (d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

export function dayLabel (d: Date, now: Date): string {
  const key = localDayKey(d)
  if (key === localDayKey(now)) return 'Today'
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1)
  if (key === localDayKey(yesterday)) return 'Yesterday'
  return d.toLocaleDateString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric'
  })
}

// Groups items that are already newest first into days, keeping their order.
export function groupByDay<T> (items: T[], at: (item: T) => string, now = new Date()): Array<DayGroup<T>> {
  const groups: Array<DayGroup<T>> = []
  for (const item of items) {
    const d = new Date(at(item))
    const key = localDayKey(d)
    const last = groups[groups.length - 1]
    if (last?.key === key) last.items.push(item)
    else groups.push({ key, label: dayLabel(d, now), items: [item] })
  }
  return groups
}

export function timeOfDay (iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

// The full moment, for tooltips and hovers: "2 Dec 2026, 00:31:07".
export function dateTime (iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'
  })
}
