// LazyCodeEditor.tsx — CodeEditor, loaded on first use. Monaco is most of the bundle: it loads
// with the first document or file opened, not with the sign-in page, and together with its
// workers and icon font (loadEditorResources), so that an editor once shown keeps working if the
// network goes away right after.
import { lazy } from 'react'

export const LazyCodeEditor = lazy(async () => {
  const [{ CodeEditor: Editor }, { loadEditorResources }] = await Promise.all([import('./CodeEditor'), import('../editor/monaco')])
  await loadEditorResources()
  return { default: Editor }
})
