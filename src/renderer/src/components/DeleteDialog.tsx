import type { JSX } from 'react'
import { AlertDialog } from './AlertDialog'

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
  return (
    <AlertDialog
      id="confirm"
      title={title}
      cancelLabel="Cancel"
      confirmLabel={confirmLabel}
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      {text}
    </AlertDialog>
  )
}
