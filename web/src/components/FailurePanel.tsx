// FailurePanel.tsx — a clear stop: what went wrong and what one can do next. Used when a document
// cannot be opened or the server ended the connection for good (4401, 4403, 4404).
import type { ReactNode } from 'react'

interface Props {
  title: string
  message: string
  children?: ReactNode
  overlay?: boolean
}

export function FailurePanel ({ title, message, children, overlay = false }: Props) {
  return (
    <div className={overlay ? 'failure failure-overlay' : 'failure'}>
      <div className='failure-card' role='alert' data-testid='failure'>
        <h1>{title}</h1>
        <p>{message}</p>
        {children && <div className='failure-actions'>{children}</div>}
      </div>
    </div>
  )
}
