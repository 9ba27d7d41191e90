// ContextMenu.tsx — a small menu at a point (role menu): ↑/↓ (and Home/End) move between items,
// Enter or a click runs one, Escape, Tab or a click elsewhere closes it. It takes the focus when it
// opens; `onClose(true)` asks the opener to take it back (a key closed it, not a click elsewhere).
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react'
import { createPortal } from 'react-dom'

export interface MenuItem {
  label: string
  shortcut?: string
  danger?: boolean
  run: () => void
}

interface Props {
  label: string
  x: number
  y: number
  items: MenuItem[]
  onClose: (refocus: boolean) => void
}

export function ContextMenu ({ label, x, y, items, onClose }: Props) {
  const menu = useRef<HTMLUListElement>(null)
  const [at, setAt] = useState({ left: x, top: y })

  // Kept inside the window: moved left or up when it would stick out.
  useLayoutEffect(() => {
    const el = menu.current
    if (!el) return
    const r = el.getBoundingClientRect()
    setAt({
      left: Math.max(4, Math.min(x, window.innerWidth - r.width - 4)),
      top: Math.max(4, Math.min(y, window.innerHeight - r.height - 4))
    })
    el.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
  }, [x, y])

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (menu.current && !menu.current.contains(e.target as Node)) onClose(false)
    }
    const onBlur = () => onClose(false)
    window.addEventListener('mousedown', onDown, true)
    window.addEventListener('blur', onBlur)
    return () => {
      window.removeEventListener('mousedown', onDown, true)
      window.removeEventListener('blur', onBlur)
    }
  }, [onClose])

  const onKeyDown = (e: KeyboardEvent) => {
    const buttons = Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])
    const i = buttons.indexOf(document.activeElement as HTMLElement)
    const go = (k: number) => buttons[(k + buttons.length) % buttons.length]?.focus()
    if (e.key === 'ArrowDown') go(i + 1)
    else if (e.key === 'ArrowUp') go(i - 1)
    else if (e.key === 'Home') go(0)
    else if (e.key === 'End') go(buttons.length - 1)
    else if (e.key === 'Escape' || e.key === 'Tab') onClose(true)
    else return
    e.preventDefault()
    e.stopPropagation()
  }

  return createPortal(
    <ul ref={menu} role='menu' aria-label={label} className='context-menu' style={at} onKeyDown={onKeyDown}>
      {items.map((item) => (
        <li key={item.label} role='none'>
          <button
            type='button'
            role='menuitem'
            tabIndex={-1}
            className={item.danger ? 'context-item context-item-danger' : 'context-item'}
            onClick={() => {
              onClose(false)
              item.run()
            }}
          >
            <span>{item.label}</span>
            {item.shortcut && <kbd aria-hidden='true'>{item.shortcut}</kbd>}
          </button>
        </li>
      ))}
    </ul>,
    document.body
  )
}
