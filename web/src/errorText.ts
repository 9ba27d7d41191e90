// errorText.ts — what the app says when a call fails: a sentence a person reads, not the API's
// code. The server's error answer is {code, message, field?} (DESIGN.md §4; the codes are those of
// server/api_core.cpp, server/api.cpp and server/history/): its messages are short lower-case
// phrases meant for developers ("password must be 8 to 256 characters"). The codes and messages a
// user meets are turned into sentences here; any other message still reads as a sentence (capital
// letter, full stop, “quotes”), so a route added later never shows a raw code.
import { ApiError } from './api'

// `field` → how the sentence names it.
const FIELD_NAMES: Record<string, string> = {
  username: 'username',
  email: 'email address',
  title: 'name'
}

// Sentences for (code, message) pairs whose message alone would read badly. Tried in order; the
// first whose pattern matches the server's message wins. $1… are the pattern's groups.
const BY_MESSAGE: ReadonlyArray<{ code: string, pattern: RegExp, text: string }> = [
  { code: 'validation', pattern: /^username or email is required$/, text: 'Enter your username or email.' },
  { code: 'validation', pattern: /^password must be 1 to 256 characters$/, text: 'Enter your password (at most 256 characters).' },
  { code: 'validation', pattern: /^username may contain only/, text: 'A username may contain only letters, digits, “_”, “.” and “-”.' },
  { code: 'validation', pattern: /^email must look like/, text: 'Enter an email address like name@example.com.' },
  { code: 'validation', pattern: /^title must be 1 to 255 characters$/, text: 'A name must be 1 to 255 characters.' },
  { code: 'validation', pattern: /^title must not be blank$/, text: 'A name cannot be only spaces.' },
  { code: 'validation', pattern: /^title must not contain control characters$/, text: 'A name cannot contain control characters such as tabs or line breaks.' },
  { code: 'validation', pattern: /^unknown language '(.*)'$/, text: 'Weft does not know the language “$1”.' },
  { code: 'validation', pattern: /^the owner already has every right$/, text: 'The owner already has full access.' },
  { code: 'not_found', pattern: /^no such document$/, text: 'This document does not exist any more.' },
  { code: 'not_found', pattern: /^no such version$/, text: 'That version does not exist any more.' },
  { code: 'not_found', pattern: /^no user named '(.*)'$/, text: 'There is no user named “$1”.' },
  { code: 'not_found', pattern: /^'(.*)' is not a member$/, text: '“$1” is not a member of this document.' },
  { code: 'forbidden', pattern: /^only the owner may do this$/, text: 'Only the owner of this document can do that.' },
  { code: 'forbidden', pattern: /^viewers cannot change this document$/, text: 'You can view this document but not change it.' }
]

// Sentences for whole codes, whatever their message says.
const BY_CODE: Record<string, string> = {
  network: 'Cannot reach the server. Check your connection.',
  invalid_credentials: 'Wrong username or password.',
  wrong_password: 'That is not your current password.',
  owns_shared: 'Other people are members of documents or projects you own. Remove their members or delete those first.',
  unauthorized: 'Your session has expired. Please sign in again.',
  forbidden: 'You do not have access to this document.',
  not_found: 'That no longer exists.',
  document_too_large: 'The document is too large for the server to keep.',
  payload_too_large: 'That is too large to send to the server.',
  internal: 'Something went wrong on the server. Try again in a moment.'
}

// "password must be 8 to 256 characters" → "Password must be 8 to 256 characters."
export function asSentence (text: string): string {
  const s = text.trim().replace(/'([^']*)'/g, '“$1”')
  if (s === '') return 'Something went wrong.'
  const first = s.charAt(0).toUpperCase() + s.slice(1)
  return /[.!?…]$/.test(first) ? first : `${first}.`
}

function seconds (n: number): string {
  if (n < 60) return n === 1 ? '1 second' : `${n} seconds`
  const m = Math.ceil(n / 60)
  return m === 1 ? 'a minute' : `${m} minutes`
}

// The sentence to show for a failed call (an ApiError, or anything else thrown).
export function errorText (err: unknown): string {
  if (!(err instanceof ApiError)) return asSentence(err instanceof Error ? err.message : String(err))
  const { code, message, field, status } = err
  // A conflict over a form's field ("That username is taken."); one over the body (an import's
  // archive) has a message naming the entry, said as it is below.
  if (code === 'conflict' && field && field !== 'body') {
    return field === 'username' ? 'That username is taken.' : `That ${FIELD_NAMES[field] ?? field} is already in use.`
  }
  if (code === 'rate_limited') {
    return err.retryAfter ? `Too many attempts. Try again in ${seconds(err.retryAfter)}.` : 'Too many attempts. Try again later.'
  }
  for (const m of BY_MESSAGE) {
    const match = code === m.code ? m.pattern.exec(message) : null
    if (match) return m.text.replace(/\$(\d)/g, (_, i: string) => match[Number(i)] ?? '')
  }
  if (code === 'validation') return asSentence(message)
  const known = BY_CODE[code]
  if (known) return known
  if (code.startsWith('http_')) {
    return status >= 500
      ? `The server could not answer (error ${status}). Try again in a moment.`
      : `The server refused the request (error ${status}).`
  }
  return asSentence(message)
}

// The sentence for a failed import (POST …/import). The server's refusals name the entry in a
// sentence of their own ("'../evil.txt' points outside the project …"), which errorText keeps;
// only the answers that are not about the archive's contents are said for an import here.
export function importErrorText (err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'payload_too_large') return 'The archive is larger than this server takes in one upload. Import it in smaller parts.'
    if (err.code === 'forbidden') return 'You can view this project but not change it.'
  }
  return errorText(err)
}
