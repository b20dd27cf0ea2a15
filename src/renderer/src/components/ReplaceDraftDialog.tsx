import type { JSX } from 'react'
import { useModal } from '../hooks/useModal'

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
  const dialogRef = useModal(onKeep)
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="replace-title"
        aria-describedby="replace-text"
        ref={dialogRef}
      >
        <h2 id="replace-title">Replace your draft?</h2>
        <p id="replace-text">
          The editor holds changes that are in no run yet. Loading run{' '}
          <code>{runId.slice(0, 8)}</code> replaces its code, input and input lines.
        </p>
        <div className="modal-buttons">
          <button type="button" onClick={onKeep} data-autofocus>
            Keep my draft
          </button>
          <button type="button" className="danger" onClick={onReplace}>
            Replace draft
          </button>
        </div>
      </div>
    </div>
  )
}
