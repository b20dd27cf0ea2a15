import type { JSX, ReactNode } from 'react'
import { Modal } from './Modal'

interface Props {
  /** Prefix of the title's and the text's ids (unique per dialog). */
  id: string
  title: string
  children: ReactNode
  cancelLabel: string
  confirmLabel: string
  onCancel: () => void
  onConfirm: () => void
}

/**
 * A question before something that cannot be undone. A modal dialog (see useModal): focus starts
 * on the safe answer and stays inside, Esc answers it, focus returns to the button that opened it.
 */
export function AlertDialog(props: Props): JSX.Element {
  return (
    <Modal
      className="modal"
      role="alertdialog"
      labelledBy={`${props.id}-title`}
      describedBy={`${props.id}-text`}
      onClose={props.onCancel}
    >
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <p id={`${props.id}-text`}>{props.children}</p>
      <div className="modal-buttons">
        <button type="button" onClick={props.onCancel} data-autofocus>
          {props.cancelLabel}
        </button>
        <button type="button" className="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  )
}
