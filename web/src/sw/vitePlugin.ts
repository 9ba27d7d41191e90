// vitePlugin.ts — a Vite plugin that builds the service worker (src/sw/serviceWorker.ts) to /sw.js
// with the list of files to keep for offline starts: everything this build wrote (index.html,
// scripts, styles, the editor's workers and font, the languages' highlighters), named by Rollup's
// bundle, so the list is always the build's own. The worker's cache is named after a hash of that
// list and of index.html, so each build gets its own cache and replaces the previous one. Files of
// public/ (the favicon) are not in the bundle; the worker keeps them as they are fetched. It lives
// in src/ so that scripts/build-web, which rebuilds when a file under src/ changed, sees its edits.
import type { Plugin } from 'vite'

const ENTRY = 'src/sw/serviceWorker.ts'
const OUT = 'sw.js'

// FNV-1a, 32 bits: a short, stable name for a build (not a security measure).
function fnv1a (text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

export function appShell (): Plugin {
  return {
    name: 'weft-app-shell',
    apply: 'build',
    enforce: 'post',
    buildStart () {
      this.emitFile({ type: 'chunk', id: ENTRY, fileName: OUT })
    },
    // Runs after Vite's own plugins have added index.html and the workers' files to the bundle.
    generateBundle (_options, bundle) {
      const worker = bundle[OUT]
      if (!worker || worker.type !== 'chunk') throw new Error(`${OUT} is missing from the bundle`)
      if (worker.imports.length > 0 || worker.dynamicImports.length > 0) {
        throw new Error(`${OUT} must not share code with the app (it imports ${worker.imports.join(', ')})`)
      }
      const files = Object.keys(bundle).filter((f) => f !== OUT && !f.endsWith('.map')).sort()
      const index = bundle['index.html']
      const indexText = index?.type === 'asset' ? String(index.source) : ''
      if (!files.includes('index.html')) throw new Error('index.html is missing from the bundle')
      const version = fnv1a(files.join('\n') + '\n' + indexText)
      const code = worker.code
        .replace(/__WEFT_SHELL_FILES__/g, JSON.stringify(files))
        .replace(/__WEFT_SHELL_VERSION__/g, JSON.stringify(version))
      if (code === worker.code) throw new Error(`${OUT}: the build's file list could not be filled in`)
      worker.code = code
    }
  }
}
