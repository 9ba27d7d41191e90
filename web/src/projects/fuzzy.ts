// fuzzy.ts — quick open's matching: the query's characters, in order, anywhere in a path
// ("wsmain" finds "web/src/main.tsx"), scored so that what a person means comes first — matches in
// the file's name over matches in its folders, runs of consecutive characters, matches at the
// start of a word (after "/", ".", "_", "-" or a lower→upper case change), and shorter paths.

export interface FuzzyMatch {
  score: number
  positions: number[] // indices into the path of the matched characters, ascending
}

const WORD_START = /[/._\-\s]/

// The best greedy match of `query` in `path`, or null when its characters are not all there.
// Tries each place the first character occurs (bounded), so "main" prefers ".../main.py" over
// "m...a...i...n" spread over folders. O(starts · |path|).
export function fuzzyMatch (query: string, path: string): FuzzyMatch | null {
  const q = query.replace(/\s+/g, '').toLowerCase()
  if (q === '') return { score: 0, positions: [] }
  const lower = path.toLowerCase()
  const nameStart = path.lastIndexOf('/') + 1
  let best: FuzzyMatch | null = null
  let start = lower.indexOf(q[0])
  for (let tries = 0; start >= 0 && tries < 24; tries++) {
    const m = matchFrom(q, path, lower, start, nameStart)
    if (!m) break // no match from here means none from any later start either
    if (!best || m.score > best.score) best = m
    start = lower.indexOf(q[0], start + 1)
  }
  return best
}

function matchFrom (q: string, path: string, lower: string, start: number, nameStart: number): FuzzyMatch | null {
  const positions: number[] = []
  let score = 0
  let at = start
  for (let k = 0; k < q.length; k++) {
    const i = lower.indexOf(q[k], at)
    if (i < 0) return null
    positions.push(i)
    let s = 1
    if (k > 0 && i === positions[k - 1] + 1) s += 5 // a run
    if (i === 0 || WORD_START.test(path[i - 1]) || (path[i] !== lower[i] && path[i - 1] === lower[i - 1])) s += 6
    if (i >= nameStart) s += 4 // in the file's own name
    score += s
    at = i + 1
  }
  if (positions[0] === nameStart) {
    score += 6 // the name starts with the query
    const dot = path.indexOf('.', nameStart + 1)
    if (path.slice(nameStart, dot < 0 ? undefined : dot).toLowerCase() === q) score += 10 // …or is it
  }
  return { score: score - path.length * 0.05, positions }
}

// The paths matching `query`, best first (ties by path), at most `limit`.
export function fuzzyFilter<T> (items: readonly T[], pathOf: (item: T) => string, query: string, limit: number):
Array<{ item: T, match: FuzzyMatch }> {
  const out: Array<{ item: T, match: FuzzyMatch }> = []
  for (const item of items) {
    const match = fuzzyMatch(query, pathOf(item))
    if (match) out.push({ item, match })
  }
  out.sort((a, b) => b.match.score - a.match.score || pathOf(a.item).localeCompare(pathOf(b.item)))
  return out.slice(0, limit)
}
