// monaco.ts — Monaco, bundled locally (the machines running Weft may reach no CDN). Loads the
// editor core with its standard contributions, the syntax highlighting of the server's languages
// (Monarch tokenizers: small, loaded lazily per language), JSON's language service, and the web
// workers (built by Vite from `?worker&url` imports). Everything else imports Monaco from here.
//
// Offline from the first second: Monaco starts its workers and loads its icon font (codicon) only
// when something first needs them — a suggestion, a folding arrow, the find widget — which may be
// after the network is gone. `loadEditorResources` fetches both worker scripts and the font up
// front; CodeEditor's lazy import waits for it, so an editor on screen has them. The workers are
// then started from in-memory copies (blob: URLs), which need no network, however late Monaco asks
// and however often it restarts them (it stops an idle worker after a few minutes).
import * as monaco from 'monaco-editor/esm/vs/editor/edcore.main.js'
import editorWorkerUrl from 'monaco-editor/esm/vs/editor/editor.worker.js?worker&url'
import jsonWorkerUrl from 'monaco-editor/esm/vs/language/json/json.worker.js?worker&url'

import 'monaco-editor/esm/vs/language/json/monaco.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/cpp/cpp.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/csharp/csharp.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/css/css.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/dockerfile/dockerfile.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/go/go.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/graphql/graphql.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/html/html.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/ini/ini.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/java/java.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/javascript/javascript.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/kotlin/kotlin.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/lua/lua.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/markdown/markdown.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/objective-c/objective-c.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/perl/perl.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/php/php.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/r/r.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/ruby/ruby.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/rust/rust.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/scss/scss.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/shell/shell.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/sql/sql.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/swift/swift.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/typescript/typescript.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/xml/xml.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/yaml/yaml.contribution.js'

// Leaving an editor right after typing: Monaco 0.52's word highlighter (contrib/wordHighlighter)
// schedules a run 50 ms after every cursor move through a Delayer whose promise it never handles;
// disposing the editor in between cancels that promise, which then surfaces as an uncaught
// CancellationError ("Canceled"). Monaco treats cancellation as a normal outcome everywhere else
// (errors.ts: isCancellationError); so does this handler, for exactly that error and nothing else.
window.addEventListener('unhandledrejection', (event) => {
  const r: unknown = event.reason
  if (r instanceof Error && r.name === 'Canceled' && r.message === 'Canceled') event.preventDefault()
})

type WorkerKind = 'editor' | 'json'

// Where each worker's script is: its built URL, replaced by a blob: URL of its text once fetched.
const workerScripts: Record<WorkerKind, string> = { editor: editorWorkerUrl, json: jsonWorkerUrl }

self.MonacoEnvironment = {
  getWorker (_workerId: string, label: string): Worker {
    const kind: WorkerKind = label === 'json' ? 'json' : 'editor'
    return new Worker(workerScripts[kind], { type: 'module', name: label })
  }
}

async function keepWorkerScript (kind: WorkerKind): Promise<void> {
  const res = await fetch(workerScripts[kind])
  if (!res.ok) throw new Error(`the ${kind} worker's script: HTTP ${res.status}`)
  const blob = new Blob([await res.blob()], { type: 'text/javascript' })
  workerScripts[kind] = URL.createObjectURL(blob)
}

let loading: Promise<void> | null = null

// Fetches the workers' scripts and loads the codicon font; resolves when both are there (or could
// not be had: the editor then works as Monaco does by default, fetching them when needed). In
// development the workers are Vite modules importing other modules by path, which a blob: URL
// cannot resolve, so they keep their URLs there.
export function loadEditorResources (): Promise<void> {
  loading ??= Promise.allSettled([
    ...(import.meta.env.DEV ? [] : [keepWorkerScript('editor'), keepWorkerScript('json')]),
    document.fonts.load('16px codicon')
  ]).then((results) => {
    for (const r of results) if (r.status === 'rejected') console.warn('Weft: the editor may need the network later:', r.reason)
  })
  return loading
}

export { monaco }
