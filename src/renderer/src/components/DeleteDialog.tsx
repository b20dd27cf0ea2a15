import type { JSX } from 'react'
import { AlertDialog } from './AlertDialog'

/**
 * Asks before a run is deleted from disk. A modal dialog (see useModal): focus stays inside, Esc
 * cancels, and focus returns to the Delete button that opened it.
 */
export function DeleteDialog({
  onCancel,
  onConfirm,
}: {
  onCancel: () => void
  onConfirm: () => void
}): JSX.Element {
  return (
    <AlertDialog
      id="confirm"
      title="Delete this run?"
      cancelLabel="Cancel"
      confirmLabel="Delete run"
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      Its code, input, output and files are removed from disk. This cannot be undone.
    </AlertDialog>
  )
}
