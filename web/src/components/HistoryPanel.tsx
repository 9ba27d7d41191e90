// HistoryPanel.tsx — the History panel beside the editor (a bottom sheet on phones): the
// document's versions by day, and the selected version compared with the current text over the
// editor (VersionDiffView, rendered into `diffHost`, the editor's area). Editors restore a version
// (one live edit on the server, so everyone's editor follows through the CRDT; nothing is applied
// here), name the current state and rename versions; owners delete them. Every action asks the API
// and then lists the versions again, since the server decides what a version becomes.
//
// Keyboard: the panel takes the focus when it opens (its owner gives it back on onClose); Escape
// closes the comparison first, then the panel. Dialogs are rendered outside the panel's element,
// so their own Escape closes only them.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { createPortal } from 'react-dom'
import type * as Y from 'yjs'
import type { DocumentInfo, Version } from '../api'
import { versionTitle } from '../history/labels'
import { useVersions } from '../history/useVersions'
import { useSession } from '../session'
import { ActivityTab } from './ActivityTab'
import { ConfirmDialog } from './ConfirmDialog'
import { NameVersionDialog } from './NameVersionDialog'
import { VersionDiffView } from './VersionDiffView'
import { VersionList } from './VersionList'
import { errorText } from '../errorText'

interface Props {
  doc: DocumentInfo
  current: Y.Text | null
  diffHost: HTMLElement | null
  onClose: () => void
}

type DialogKind = 'name' | 'rename' | 'restore' | 'delete'
type Tab = 'versions' | 'activity'
const TABS: Array<{ id: Tab, label: string }> = [{ id: 'versions', label: 'Versions' }, { id: 'activity', label: 'Activity' }]

export function HistoryPanel ({ doc, current, diffHost, onClose }: Props) {
  const { api } = useSession()
  const list = useVersions(api, doc.id)
  const [selected, setSelected] = useState<Version | null>(null)
  const [dialog, setDialog] = useState<DialogKind | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [tab, setTab] = useState<Tab>('versions')
  const panel = useRef<HTMLElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const canEdit = doc.role !== 'viewer'

  useEffect(() => { heading.current?.focus() }, [])

  // The selected version as last listed (renamed by someone else, say); gone if it was deleted.
  useEffect(() => {
    if (!selected || !list.loaded || list.error) return
    const now = list.items.find((v) => v.id === selected.id)
    if (!now) setSelected(null)
    else if (now !== selected && JSON.stringify(now) !== JSON.stringify(selected)) setSelected(now)
  }, [list.items, list.loaded, list.error, selected])

  const deselect = useCallback(() => {
    const id = selected?.id
    setSelected(null)
    if (id !== undefined) panel.current?.querySelector<HTMLElement>(`.version-button[data-version-id="${id}"]`)?.focus()
  }, [selected])

  // Arrow keys move between the tabs, as in any tab list.
  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return
    const step = e.key === 'ArrowRight' ? 1 : TABS.length - 1
    const next = TABS[(TABS.findIndex((t) => t.id === tab) + step) % TABS.length].id
    setTab(next)
    panel.current?.querySelector<HTMLElement>(`#history-tab-${next}`)?.focus()
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return
    e.stopPropagation()
    if (selected) deselect()
    else onClose()
  }

  const done = async (message: string) => {
    setDialog(null)
    setNotice(message)
    await list.refresh()
    // The dialog gave the focus back to a button that went with the comparison.
    if (!(document.activeElement instanceof HTMLElement) || document.activeElement === document.body) heading.current?.focus()
  }

  const restore = async () => {
    if (!selected) return
    const title = versionTitle(selected)
    await api.restoreVersion(doc.id, selected.id)
    setSelected(null)
    await done(`Restored ${title}. The text before it is kept as a version.`)
  }

  const remove = async () => {
    if (!selected) return
    const title = versionTitle(selected)
    await api.deleteVersion(doc.id, selected.id)
    setSelected(null)
    await done(`Deleted ${title}.`)
  }

  return (
    <>
      <aside ref={panel} className='history-panel' aria-labelledby='history-heading' onKeyDown={onKeyDown} data-testid='history-panel'>
        <header className='history-header'>
          <h2 id='history-heading' ref={heading} tabIndex={-1}>History</h2>
          {canEdit && (
            <button type='button' className='button button-small' onClick={() => setDialog('name')}>Name this version</button>
          )}
          <button type='button' className='icon-button' aria-label='Close history' title='Close (Esc)' onClick={onClose}>✕</button>
        </header>
        <div className='history-tabs' role='tablist' aria-label='History views' onKeyDown={onTabKey}>
          {TABS.map((t) => (
            <button
              key={t.id}
              id={`history-tab-${t.id}`}
              type='button'
              role='tab'
              className='history-tab'
              aria-selected={tab === t.id}
              aria-controls='history-tabpanel'
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        {notice && <div className='history-notice' role='status'>{notice}</div>}
        <div className='history-body' id='history-tabpanel' role='tabpanel' aria-labelledby={`history-tab-${tab}`}>
          {tab === 'activity'
            ? <ActivityTab docId={doc.id} />
            : (
              <>
                {list.error && <div className='form-error' role='alert'>Cannot list the versions. {errorText(list.error)}</div>}
                {!list.loaded && <div className='loading' aria-busy='true'>Loading versions…</div>}
                {list.loaded && !list.error && list.items.length === 0 && (
                  <p className='empty history-empty'>No versions yet. One is saved after each burst of editing{canEdit ? ', or name the current text' : ''}.</p>
                )}
                <VersionList
                  versions={list.items}
                  selectedId={selected?.id ?? null}
                  hasOlder={list.hasOlder}
                  loading={list.loadingOlder}
                  onSelect={(v) => { setNotice(null); setSelected(v.id === selected?.id ? null : v) }}
                  onLoadOlder={() => void list.loadOlder()}
                />
              </>
              )}
        </div>
      </aside>
      {selected && current && diffHost && createPortal(
        <div className='version-view-host' onKeyDown={onKeyDown}>
          <VersionDiffView
            docId={doc.id}
            language={doc.language}
            role={doc.role}
            version={selected}
            current={current}
            onClose={deselect}
            onRestore={() => setDialog('restore')}
            onRename={() => setDialog('rename')}
            onDelete={() => setDialog('delete')}
          />
        </div>,
        diffHost
      )}
      {dialog === 'name' && (
        <NameVersionDialog
          title='Name this version'
          initial=''
          allowEmpty={false}
          onClose={() => setDialog(null)}
          onSave={async (name) => {
            const v = await api.nameCurrentVersion(doc.id, name ?? '')
            await done(`Named the current text “${v.name ?? ''}”.`)
          }}
        />
      )}
      {dialog === 'rename' && selected && (
        <NameVersionDialog
          title={selected.name ? 'Rename version' : 'Name version'}
          initial={selected.name ?? ''}
          allowEmpty={selected.name !== null}
          onClose={() => setDialog(null)}
          onSave={async (name) => {
            const v = await api.renameVersion(doc.id, selected.id, name)
            setSelected(v)
            await done(v.name ? `Renamed the version to “${v.name}”.` : 'Removed the version\'s name.')
          }}
        />
      )}
      {dialog === 'restore' && selected && (
        <ConfirmDialog
          title='Restore this version'
          message={`The document's text becomes ${versionTitle(selected)}, for everyone who has it open. The current text is kept as a version first, so you can go back to it.`}
          confirmLabel='Restore'
          onClose={() => setDialog(null)}
          onConfirm={restore}
        />
      )}
      {dialog === 'delete' && selected && (
        <ConfirmDialog
          title='Delete version'
          message={`Delete ${versionTitle(selected)} from the history? The versions after it keep their text.`}
          confirmLabel='Delete'
          onClose={() => setDialog(null)}
          onConfirm={remove}
        />
      )}
    </>
  )
}
