import type { JSX, ReactNode } from 'react'

/**
 * A pane's title row: the file or area it shows, then a note — a string is shown muted; an element
 * (an error, say) is shown as it is.
 */
export function PaneTitle({ title, note }: { title: string; note: ReactNode }): JSX.Element {
  return (
    <div className="pane-title">
      <span>{title}</span>
      {typeof note === 'string' ? <span className="muted">{note}</span> : note}
    </div>
  )
}
