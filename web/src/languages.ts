// languages.ts — the Monaco language ids a document may have (the server's list, server/api.cpp)
// with readable names, and the same extension → language inference the server applies.

export const LANGUAGES: ReadonlyArray<{ id: string, name: string }> = [
  { id: 'plaintext', name: 'Plain text' },
  { id: 'c', name: 'C' },
  { id: 'cpp', name: 'C++' },
  { id: 'csharp', name: 'C#' },
  { id: 'css', name: 'CSS' },
  { id: 'dockerfile', name: 'Dockerfile' },
  { id: 'go', name: 'Go' },
  { id: 'graphql', name: 'GraphQL' },
  { id: 'html', name: 'HTML' },
  { id: 'ini', name: 'INI' },
  { id: 'java', name: 'Java' },
  { id: 'javascript', name: 'JavaScript' },
  { id: 'json', name: 'JSON' },
  { id: 'kotlin', name: 'Kotlin' },
  { id: 'lua', name: 'Lua' },
  { id: 'markdown', name: 'Markdown' },
  { id: 'objective-c', name: 'Objective-C' },
  { id: 'perl', name: 'Perl' },
  { id: 'php', name: 'PHP' },
  { id: 'python', name: 'Python' },
  { id: 'r', name: 'R' },
  { id: 'ruby', name: 'Ruby' },
  { id: 'rust', name: 'Rust' },
  { id: 'scss', name: 'SCSS' },
  { id: 'shell', name: 'Shell' },
  { id: 'sql', name: 'SQL' },
  { id: 'swift', name: 'Swift' },
  { id: 'typescript', name: 'TypeScript' },
  { id: 'xml', name: 'XML' },
  { id: 'yaml', name: 'YAML' }
]

const EXTENSIONS: Record<string, string> = {
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', cs: 'csharp',
  css: 'css', go: 'go', graphql: 'graphql', html: 'html', htm: 'html', ini: 'ini', java: 'java',
  js: 'javascript', mjs: 'javascript', jsx: 'javascript', json: 'json', kt: 'kotlin', lua: 'lua',
  md: 'markdown', m: 'objective-c', pl: 'perl', php: 'php', py: 'python', r: 'r', rb: 'ruby',
  rs: 'rust', scss: 'scss', sh: 'shell', sql: 'sql', swift: 'swift', ts: 'typescript',
  tsx: 'typescript', xml: 'xml', yaml: 'yaml', yml: 'yaml'
}

export function inferLanguage (title: string): string {
  const dot = title.lastIndexOf('.')
  if (dot < 0) return 'plaintext'
  return EXTENSIONS[title.slice(dot + 1).toLowerCase()] ?? 'plaintext'
}

export function languageName (id: string): string {
  return LANGUAGES.find((l) => l.id === id)?.name ?? id
}

// The language a document should get when renamed: when its language is what its old title
// implied (it was never chosen by hand), the new title's; otherwise undefined (keep it).
export function languageAfterRename (oldTitle: string, newTitle: string, language: string): string | undefined {
  if (language !== inferLanguage(oldTitle)) return undefined
  const next = inferLanguage(newTitle)
  return next === language ? undefined : next
}
