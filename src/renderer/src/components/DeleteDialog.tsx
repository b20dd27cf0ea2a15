import { useEffect, useRef, type JSX, type KeyboardEvent } from 'react'

const FOCUSABLE =
  'button:not([disabled]), [href], input, select, textarea, [tabindex]:not([tabindex="-1"])'

/**
 * Asks before a run is deleted from disk. A modal dialog: Tab and Shift+Tab stay inside it, focus
 * that leaves it (a click on the backdrop) comes back, Esc cancels, and when it closes the focus
 * returns to what had it before (the Delete button that opened it).
 */
export function DeleteDialog({
  onCancel,
  onConfirm,
}: {
  onCancel: () => void
  onConfirm: () => void
}): JSX.Element {
  const dialogRef = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const dialog = dialogRef.current
    dialog?.querySelector<HTMLElement>('[data-autofocus]')?.focus()
    const keepInside = (e: FocusEvent): void => {
      if (dialog && e.target instanceof Node && !dialog.contains(e.target))
        dialog.querySelector<HTMLElement>(FOCUSABLE)?.focus()
    }
    document.addEventListener('focusin', keepInside)
    return () => {
      document.removeEventListener('focusin', keepInside)
      if (opener?.isConnected) opener.focus()
    }
  }, [])

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>): void {
    if (e.key === 'Escape') {
      // Handled here: the app's own Esc (stop the run) must not see it.
      e.preventDefault()
      e.stopPropagation()
      onCancel()
      return
    }
    if (e.key !== 'Tab' || !dialogRef.current) return
    const items = [...dialogRef.current.querySelectorAll<HTMLElement>(FOCUSABLE)]
    const first = items[0]
    const last = items.at(-1)
    if (!first || !last) return
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault()
      last.focus()
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault()
      first.focus()
    }
  }

  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-text"
        ref={dialogRef}
        onKeyDown={onKeyDown}
      >
        <h2 id="confirm-title">Delete this run?</h2>
        <p id="confirm-text">
          Its code, input, output and files are removed from disk. This cannot be undone.
        </p>
        <div className="modal-buttons">
          <button type="button" onClick={onCancel} data-autofocus>
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
