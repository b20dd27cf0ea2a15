import type { JSX } from 'react'
import { AlertDialog } from './AlertDialog'

/**
 * Asks before a past run replaces a draft with unsaved changes. A modal dialog (see useModal):
 * focus stays inside, Esc keeps the draft, focus returns to the button that opened it.
 */
export function ReplaceDraftDialog({
  runId,
  onKeep,
  onReplace,
}: {
  runId: string
  onKeep: () => void
  onReplace: () => void
}): JSX.Element {
  return (
    <AlertDialog
      id="replace"
      title="Replace your draft?"
      cancelLabel="Keep my draft"
      confirmLabel="Replace draft"
      onCancel={onKeep}
      onConfirm={onReplace}
    >
      The editor holds changes that are in no run yet. Loading run <code>{runId.slice(0, 8)}</code>{' '}
      replaces its code, input and input lines.
    </AlertDialog>
  )
}
