// Dialog.tsx — a modal dialog: a titled panel over a dimmed page. Escape or a click outside closes
// it; focus moves into it when it opens (to a [data-autofocus] element, else the first field, else the first button) and back to
// where it was when it closes; Tab stays inside.
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react'

interface Props {
  title: string
  onClose: () => void
  children: ReactNode
  wide?: boolean
}

const FOCUSABLE = 'input, select, textarea, button, a[href], [tabindex]:not([tabindex="-1"])'

export function Dialog ({ title, onClose, children, wide = false }: Props) {
  const panel = useRef<HTMLDivElement>(null)

  // Escape closes the dialog wherever the focus is (a button that just disabled itself drops it).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation()
        onClose()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const el = panel.current
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ??
      el?.querySelector<HTMLElement>('input, select, textarea') ?? el?.querySelector<HTMLElement>(FOCUSABLE)
    first?.focus()
    return () => previous?.focus()
  }, [])

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Tab' || !panel.current) return
    const items = Array.from(panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((i) => !i.hasAttribute('disabled'))
    if (items.length === 0) return
    const first = items[0]
    const last = items[items.length - 1]
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault()
      last.focus()
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault()
      first.focus()
    }
  }

  return (
    <div className='dialog-backdrop' onMouseDown={(e) => { if (e.target === e.currentTarget) onClose() }}>
      <div
        ref={panel}
        className={wide ? 'dialog dialog-wide' : 'dialog'}
        role='dialog'
        aria-modal='true'
        aria-label={title}
        onKeyDown={onKeyDown}
      >
        <header className='dialog-header'>
          <h2>{title}</h2>
          <button type='button' className='icon-button' aria-label='Close' onClick={onClose}>✕</button>
        </header>
        {children}
      </div>
    </div>
  )
}
