import type { JSX } from 'react'
import type { AppView } from '../../hooks/useExercisesView'

const VIEWS: { view: AppView; label: string }[] = [
  { view: 'scripts', label: 'Scripts' },
  { view: 'exercises', label: 'Exercises' },
]

/** The main navigation: the Scripts view and the Exercises view (Ctrl/Cmd+Shift+E switches). */
export function ViewNav({
  view,
  onView,
}: {
  view: AppView
  onView: (view: AppView) => void
}): JSX.Element {
  return (
    <nav className="view-nav" aria-label="Views">
      {VIEWS.map((v) => (
        <button
          key={v.view}
          type="button"
          aria-current={view === v.view ? 'page' : undefined}
          title={`${v.label} (Ctrl+Shift+E switches)`}
          aria-keyshortcuts="Control+Shift+E"
          onClick={() => onView(v.view)}
        >
          {v.label}
        </button>
      ))}
    </nav>
  )
}
