import type { JSX, ReactNode } from 'react'

/**
 * A pane's title row: the file or area it shows, then a note — a string is shown muted; an element
 * is shown as it is. While there is an `error`, it stands in the note's place as an alert named
 * `errorLabel`.
 */
export function PaneTitle({
  title,
  note,
  error = null,
  errorLabel,
}: {
  title: string
  note: ReactNode
  error?: string | null
  errorLabel?: string
}): JSX.Element {
  return (
    <div className="pane-title">
      <span>{title}</span>
      {error ? (
        <span className="error-text" role="alert" aria-label={errorLabel}>
          {error}
        </span>
      ) : typeof note === 'string' ? (
        <span className="muted">{note}</span>
      ) : (
        note
      )}
    </div>
  )
}
