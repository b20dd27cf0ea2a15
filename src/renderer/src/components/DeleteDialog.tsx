import type { JSX } from 'react'

/** Asks before a run is deleted from disk. */
export function DeleteDialog({
  onCancel,
  onConfirm,
}: {
  onCancel: () => void
  onConfirm: () => void
}): JSX.Element {
  return (
    <div className="modal-backdrop">
      <div className="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">Delete this run?</h2>
        <p>Its code, input, output and files are removed from disk. This cannot be undone.</p>
        <div className="modal-buttons">
          <button type="button" onClick={onCancel} autoFocus>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm}>
            Delete run
          </button>
        </div>
      </div>
    </div>
  )
}
