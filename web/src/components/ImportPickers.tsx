// ImportPickers.tsx — the two hidden file inputs behind "Import…" and "Upload folder…": one for a
// .zip or .tar.gz, one for a whole folder (webkitdirectory: every file under it, each with its
// path relative to the folder's parent). `pick(kind, folder)` opens the browser's picker; what is
// chosen goes to `onPick` with the project folder to import into, remembered from `pick`. The
// inputs are cleared after each choice, so the same archive can be chosen again after a fix.
import { forwardRef, useEffect, useImperativeHandle, useRef, type ChangeEvent } from 'react'
import { fromFolderInput, type ImportSource } from '../projects/importSource'

export type PickKind = 'archive' | 'folder'

export interface ImportPickersHandle {
  pick: (kind: PickKind, folder: string) => void
}

interface Props {
  onPick: (source: ImportSource, folder: string) => void
}

export const ImportPickers = forwardRef<ImportPickersHandle, Props>(function ImportPickers ({ onPick }, ref) {
  const archive = useRef<HTMLInputElement>(null)
  const folderInput = useRef<HTMLInputElement>(null)
  const target = useRef('') // the project folder of the picker open now

  // webkitdirectory is not in React's attribute types; the DOM property is.
  useEffect(() => { if (folderInput.current) folderInput.current.webkitdirectory = true }, [])

  useImperativeHandle(ref, () => ({
    pick: (kind, folder) => {
      target.current = folder
      ;(kind === 'archive' ? archive : folderInput).current?.click()
    }
  }), [])

  const picked = (e: ChangeEvent<HTMLInputElement>, kind: PickKind) => {
    const input = e.currentTarget
    const list = input.files
    const folder = target.current
    target.current = ''
    if (list && list.length > 0) {
      onPick(kind === 'archive' ? { kind: 'archive', file: list[0] } : fromFolderInput(list), folder)
    }
    input.value = ''
  }

  return (
    <>
      <input ref={archive} type='file' hidden accept='.zip,.tar.gz,.tgz,application/zip,application/gzip'
        data-testid='import-archive-input' onChange={(e) => picked(e, 'archive')}
      />
      <input ref={folderInput} type='file' hidden
        data-testid='import-folder-input' onChange={(e) => picked(e, 'folder')}
      />
    </>
  )
})
