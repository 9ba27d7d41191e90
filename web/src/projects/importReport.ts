// importReport.ts — what the workspace says after an import: how many files came in, and which
// entries the server left out and why ("Imported 12 files. 3 binary files were not imported:
// img/logo.png, img/a.png, font.woff and 1 more."). Only a few names are listed; the rest are
// counted, so a message about a big folder stays short.
import type { ImportResult } from '../api'

const NAMED = 3 // names listed per reason before "and N more"

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

function some (paths: string[]): string {
  const head = paths.slice(0, NAMED).join(', ')
  return paths.length > NAMED ? `${head} and ${paths.length - NAMED} more` : head
}

// How the entries skipped for `reason` are said ("3 binary files were not imported: …").
function skippedSentence (reason: string, paths: string[]): string {
  const were = paths.length === 1 ? 'was' : 'were'
  if (reason === 'binary') return `${plural(paths.length, 'binary file', 'binary files')} ${were} not imported: ${some(paths)}.`
  // __MACOSX/, .DS_Store, ._*: the system's bookkeeping, not the person's files; no names needed.
  if (reason === 'metadata') return `${plural(paths.length, 'system metadata file', 'system metadata files')} (such as .DS_Store) ${were} left out.`
  return `${plural(paths.length, 'file', 'files')} ${were} not imported (${reason}): ${some(paths)}.`
}

// `folder`: where the import went ('' for the project's top level).
export function importReport (result: ImportResult, folder: string): string {
  const into = folder === '' ? '' : ` into ${folder}`
  // With no files, every folder the import made is empty (the one imported into aside).
  const folders = result.folders.filter((f) => f !== folder).length
  const sentences: string[] = []
  if (result.files.length > 0) {
    sentences.push(`Imported ${plural(result.files.length, 'file', 'files')}${into}.`)
  } else if (folders > 0) {
    sentences.push(`Imported ${plural(folders, 'empty folder', 'empty folders')}${into}.`)
  } else {
    sentences.push('There were no text files to import.')
  }
  const byReason = new Map<string, string[]>()
  for (const s of result.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.path])
  for (const [reason, paths] of byReason) sentences.push(skippedSentence(reason, paths))
  return sentences.join(' ')
}
