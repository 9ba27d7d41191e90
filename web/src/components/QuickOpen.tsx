// QuickOpen.tsx — Ctrl/Cmd+P: type part of a path, pick a file. A combobox over a listbox of the
// best fuzzy matches (projects/fuzzy.ts) with the matched characters marked; ↑/↓ choose, Enter
// opens, Escape closes. Empty, it lists the files by path.
import { useMemo, useState, type KeyboardEvent } from 'react'
import type { TreeFile } from '../api'
import { fuzzyFilter } from '../projects/fuzzy'
import { Dialog } from './Dialog'

const LIMIT = 50

interface Props {
  files: TreeFile[]
  onOpen: (file: TreeFile) => void
  onClose: () => void
}

function Highlighted ({ text, positions }: { text: string, positions: number[] }) {
  const marks = new Set(positions)
  const parts: Array<{ s: string, mark: boolean }> = []
  for (let i = 0; i < text.length; i++) {
    const mark = marks.has(i)
    const last = parts[parts.length - 1]
    if (last && last.mark === mark) last.s += text[i]
    else parts.push({ s: text[i], mark })
  }
  return <>{parts.map((p, i) => (p.mark ? <mark key={i}>{p.s}</mark> : <span key={i}>{p.s}</span>))}</>
}

export function QuickOpen ({ files, onOpen, onClose }: Props) {
  const [query, setQuery] = useState('')
  const [index, setIndex] = useState(0)
  const matches = useMemo(() => fuzzyFilter(files, (f) => f.path, query, LIMIT), [files, query])
  const chosen = matches[Math.min(index, matches.length - 1)]

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') setIndex((i) => Math.min(i + 1, matches.length - 1))
    else if (e.key === 'ArrowUp') setIndex((i) => Math.max(i - 1, 0))
    else if (e.key === 'Enter') { if (chosen) onOpen(chosen.item) } else return
    e.preventDefault()
  }

  return (
    <Dialog title='Go to file' onClose={onClose} wide>
      <div className='dialog-body quick-open'>
        <input
          className='quick-open-input'
          role='combobox'
          aria-label='File name'
          aria-expanded='true'
          aria-controls='quick-open-list'
          aria-activedescendant={chosen ? `quick-open-${chosen.item.id}` : undefined}
          aria-autocomplete='list'
          placeholder='Type part of a path'
          autoComplete='off'
          spellCheck={false}
          value={query}
          onChange={(e) => { setQuery(e.target.value); setIndex(0) }}
          onKeyDown={onKeyDown}
        />
        <ul id='quick-open-list' role='listbox' aria-label='Matching files' className='quick-open-list'>
          {matches.map(({ item, match }) => (
            <li
              key={item.id}
              id={`quick-open-${item.id}`}
              role='option'
              aria-selected={item === chosen?.item}
              className={item === chosen?.item ? 'quick-open-item quick-open-item-chosen' : 'quick-open-item'}
              data-path={item.path}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => onOpen(item)}
            >
              <Highlighted text={item.path} positions={match.positions} />
            </li>
          ))}
        </ul>
        {matches.length === 0 && <p className='quick-open-empty'>{files.length === 0 ? 'This project has no files yet.' : 'No file matches.'}</p>}
      </div>
    </Dialog>
  )
}
