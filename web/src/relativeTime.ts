// relativeTime.ts — "just now", "5 min ago", "3 h ago", "2 d ago", then the date: how the lists of
// documents and projects show when something last changed.
export function relativeTime (iso: string): string {
  const then = Date.parse(iso)
  if (Number.isNaN(then)) return ''
  const s = Math.max(0, (Date.now() - then) / 1000)
  if (s < 60) return 'just now'
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  if (s < 7 * 86400) return `${Math.floor(s / 86400)} d ago`
  return new Date(then).toLocaleDateString()
}
