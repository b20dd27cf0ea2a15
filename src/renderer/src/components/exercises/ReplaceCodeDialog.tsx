import type { JSX } from 'react'
import { AlertDialog } from '../AlertDialog'

/**
 * Asks before other code (an attempt's, the starter) replaces an exercise's unchecked changes. A
 * modal dialog (see useModal): Esc keeps the code, focus returns to the button that opened it.
 */
export function ReplaceCodeDialog({
  replacement,
  onKeep,
  onReplace,
}: {
  /** What replaces the code, e.g. "the starter code". */
  replacement: string
  onKeep: () => void
  onReplace: () => void
}): JSX.Element {
  return (
    <AlertDialog
      id="replace-code"
      title="Replace your code?"
      cancelLabel="Keep my code"
      confirmLabel="Replace code"
      onCancel={onKeep}
      onConfirm={onReplace}
    >
      The editor holds changes you have not checked. Loading {replacement} replaces them.
    </AlertDialog>
  )
}
