import type { JSX, ReactNode } from 'react'
import { useModal } from '../hooks/useModal'

/**
 * A modal dialog over a backdrop, with useModal's keyboard rules (focus moves in and stays inside,
 * Esc calls `onClose`, focus goes back to the opener). `labelledBy` is the id of its heading.
 */
export function Modal(props: {
  className: string
  labelledBy: string
  /** The id of the text that says what it asks (an alert dialog's question). */
  describedBy?: string
  role?: 'dialog' | 'alertdialog'
  onClose: () => void
  children: ReactNode
}): JSX.Element {
  const ref = useModal(props.onClose)
  return (
    <div className="modal-backdrop">
      <div
        className={props.className}
        role={props.role ?? 'dialog'}
        aria-modal="true"
        aria-labelledby={props.labelledBy}
        aria-describedby={props.describedBy}
        ref={ref}
      >
        {props.children}
      </div>
    </div>
  )
}
