// Type declarations for Monaco's ESM entry points that ship without their own .d.ts: they export
// the same API as editor.api.js, or only register contributions.
declare module 'monaco-editor/esm/vs/editor/edcore.main.js' {
  export * from 'monaco-editor/esm/vs/editor/editor.api.js'
}
declare module 'monaco-editor/esm/vs/basic-languages/*'
