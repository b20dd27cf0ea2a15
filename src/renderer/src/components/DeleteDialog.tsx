import type { JSX } from 'react'
import { useModal } from '../hooks/useModal'

/**
 * Asks before a run is deleted from disk. A modal dialog (see useModal): focus stays inside, Esc
 * cancels, and focus returns to the Delete button that opened it.
 */
export function DeleteDialog({
  onCancel,
  onConfirm,
  title = 'Delete this run?',
  text = 'Its code, input, output and files are removed from disk. This cannot be undone.',
  confirmLabel = 'Delete run',
}: {
  onCancel: () => void
  onConfirm: () => void
  /** What is deleted (a run unless told). */
  title?: string
  text?: string
  confirmLabel?: string
}): JSX.Element {
  const dialogRef = useModal(onCancel)

  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-text"
        ref={dialogRef}
      >
        <h2 id="confirm-title">{title}</h2>
        <p id="confirm-text">{text}</p>
        <div className="modal-buttons">
          <button type="button" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  )
}
