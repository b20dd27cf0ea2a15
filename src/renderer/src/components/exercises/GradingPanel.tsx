import type { JSX } from 'react'
import type { ExerciseTestView } from '../../../../shared/exercise'
import { formatScore, progressRows, type GradingView } from './grading-state'

const MARK = { pending: '…', passed: '✓', failed: '✗' } as const

/**
 * The progress list of one submission: a row per test filling in pass/fail and points, the total
 * at the end, expected vs got under each failing visible test, hidden tests by name only.
 */
export function GradingPanel({
  tests,
  view,
  onCancel,
}: {
  tests: readonly ExerciseTestView[]
  view: GradingView
  onCancel?: () => void
}): JSX.Element {
  const rows = progressRows(tests, view)
  const live = view.status === 'queued' || view.status === 'running'
  return (
    <section className="grading" aria-label="Check results" data-testid="grading">
      <div className="grading-head">
        <strong role="status" data-testid="grading-status" data-status={view.status}>
          {live
            ? `Checking… ${view.done} of ${view.total}`
            : view.status === 'done'
              ? `Score ${formatScore(view.score, view.maxScore)}`
              : view.status === 'cancelled'
                ? 'Check cancelled'
                : 'Check failed'}
        </strong>
        {live && (
          <progress value={view.done} max={Math.max(1, view.total)} aria-label="Tests checked" />
        )}
        {live && onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel check
          </button>
        )}
      </div>
      {view.error && <p className="error-text">{view.error}</p>}
      <ol className="grading-rows">
        {rows.map((r) => (
          <li key={r.name} className={`grading-row ${r.state}`} data-state={r.state}>
            <span className="grading-mark" aria-hidden="true">
              {MARK[r.state]}
            </span>
            <span className="grading-name">
              {r.name}
              {r.visibility === 'hidden' && <span className="muted"> (hidden)</span>}
            </span>
            <span className="grading-state">{r.state === 'pending' ? 'waiting' : r.state}</span>
            <span className="grading-points">
              {r.score === null ? `– / ${r.points}` : formatScore(r.score, r.points)}
            </span>
            {r.feedback && <pre className="grading-feedback">{r.feedback}</pre>}
          </li>
        ))}
      </ol>
    </section>
  )
}
