// languages.ts — the Monaco language ids a document may have (the server's list, server/api.cpp)
// with readable names, the same extension → language inference the server applies, and each
// language's default indentation.

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

export interface Indentation {
  insertSpaces: boolean
  tabSize: number
}

// How a new line is indented in each language when the text itself does not say (each language's
// usual style guide: PEP 8, gofmt, Prettier/StandardJS, rustfmt, …). The text's own indentation,
// once it has indented lines, wins (CodeEditor detects it).
const INDENTATION: Record<string, Indentation> = {
  python: { insertSpaces: true, tabSize: 4 },
  go: { insertSpaces: false, tabSize: 4 },
  javascript: { insertSpaces: true, tabSize: 2 },
  typescript: { insertSpaces: true, tabSize: 2 },
  json: { insertSpaces: true, tabSize: 2 },
  html: { insertSpaces: true, tabSize: 2 },
  css: { insertSpaces: true, tabSize: 2 },
  scss: { insertSpaces: true, tabSize: 2 },
  graphql: { insertSpaces: true, tabSize: 2 },
  yaml: { insertSpaces: true, tabSize: 2 },
  ruby: { insertSpaces: true, tabSize: 2 },
  lua: { insertSpaces: true, tabSize: 2 },
  r: { insertSpaces: true, tabSize: 2 },
  xml: { insertSpaces: true, tabSize: 2 },
  markdown: { insertSpaces: true, tabSize: 2 },
  shell: { insertSpaces: true, tabSize: 2 },
  sql: { insertSpaces: true, tabSize: 2 },
  c: { insertSpaces: true, tabSize: 4 },
  cpp: { insertSpaces: true, tabSize: 4 },
  csharp: { insertSpaces: true, tabSize: 4 },
  java: { insertSpaces: true, tabSize: 4 },
  kotlin: { insertSpaces: true, tabSize: 4 },
  swift: { insertSpaces: true, tabSize: 4 },
  rust: { insertSpaces: true, tabSize: 4 },
  php: { insertSpaces: true, tabSize: 4 },
  perl: { insertSpaces: true, tabSize: 4 },
  'objective-c': { insertSpaces: true, tabSize: 4 },
  dockerfile: { insertSpaces: true, tabSize: 4 },
  ini: { insertSpaces: true, tabSize: 4 },
  plaintext: { insertSpaces: true, tabSize: 4 }
}

export function indentationFor (language: string): Indentation {
  return INDENTATION[language] ?? { insertSpaces: true, tabSize: 4 }
}
