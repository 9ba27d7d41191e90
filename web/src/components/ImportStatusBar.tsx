// ImportStatusBar.tsx — the last import's report above the file tree: "Importing…" while it runs,
// then what came in and what was left out, or why nothing was imported. Kept in the sidebar, not
// over the editor, so it is seen on a phone too, where the tree is a drawer. It stays until
// dismissed or the next import: the names of skipped files are worth reading at leisure.
import type { ImportStatus } from '../projects/useImport'

interface Props {
  status: ImportStatus
  onDismiss: () => void
}

export function ImportStatusBar ({ status, onDismiss }: Props) {
  const failed = status.state === 'failed'
  return (
    <div className={failed ? 'import-status import-status-failed' : 'import-status'}
      role={failed ? 'alert' : 'status'} data-state={status.state}
    >
      <p>{status.text}</p>
      {status.state !== 'running' && (
        <button type='button' className='icon-button' aria-label='Dismiss' title='Dismiss' onClick={onDismiss}>✕</button>
      )}
    </div>
  )
}
