import type { JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import { formatTime } from '../format'
import { CodeEditor } from './LazyCodeEditor'
import { PaneTitle } from './PaneTitle'
import './past-run.css'

interface Props {
  /** The run's record, or null while it loads. */
  run: RunDetail | null
  onLoad: (id: string) => void
  onClose: () => void
  /** Ctrl/Cmd+Enter in a read-only editor runs the draft, as everywhere else in the app. */
  onRun: () => void
  /** The run's error line (the code shown is the run's own). */
  errorLine?: number | null
  reveal?: { line: number; seq: number } | null
}

const noEdit = (): void => undefined

/** A past run's code, input and input lines as it ran: read-only, with a way to edit a copy. */
export function PastRunEditors({
  run,
  onLoad,
  onClose,
  onRun,
  errorLine,
  reveal,
}: Props): JSX.Element {
  return (
    <section className="editors past-run" aria-label="Past run (read-only)">
      <div className="past-run-bar" role="group" aria-label="Past run">
        <span className="past-run-label">
          <span className="read-only-badge">Read-only</span>{' '}
          {run ? (
            <>
              run <code>{run.id.slice(0, 8)}</code> · {formatTime(run.createdAt)}
              {run.relationship ? ` · ${run.relationship} of ${run.parentId?.slice(0, 8)}` : ''}
            </>
          ) : (
            'Loading the run…'
          )}
        </span>
        <button type="button" disabled={!run} onClick={() => run && onLoad(run.id)}>
          Load into editor
        </button>
        <button type="button" onClick={onClose}>
          Back to your draft
        </button>
      </div>
      {run && (
        <>
          <div className="pane code-pane">
            <PaneTitle title="main.py" note="read-only · Load into editor to change it" />
            <CodeEditor
              language="python"
              label="Code of the past run (read-only)"
              value={run.code}
              onChange={noEdit}
              onRun={onRun}
              readOnly
              errorLine={errorLine}
              reveal={reveal}
            />
          </div>
          <div className="input-row">
            <div className="pane input-pane">
              <PaneTitle title="/input/data.json" note="read-only" />
              <CodeEditor
                language="json"
                label="Input of the past run (read-only)"
                value={JSON.stringify(run.input ?? {}, null, 2)}
                onChange={noEdit}
                onRun={onRun}
                readOnly
              />
            </div>
            <div className="pane input-lines">
              <div className="pane-title">
                <label htmlFor="past-input-lines">Given to input()</label>
                <span className="muted">{run.interactive ? 'given live' : 'read-only'}</span>
              </div>
              <textarea id="past-input-lines" readOnly value={run.stdin ?? ''} />
            </div>
          </div>
        </>
      )}
    </section>
  )
}
