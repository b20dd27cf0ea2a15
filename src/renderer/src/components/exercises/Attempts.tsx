import { useState, type JSX } from 'react'
import type {
  ExerciseTestView,
  SubmissionDetail,
  SubmissionSummary,
} from '../../../../shared/exercise'
import { client } from '../../api/client'
import { formatTime } from '../../format'
import { Modal } from '../Modal'
import { CodeEditor } from '../LazyCodeEditor'
import { GradingPanel } from './GradingPanel'
import { ReplaceCodeDialog } from './ReplaceCodeDialog'
import { formatScore, viewOfDetail } from './grading-state'

/** One past attempt: its code (read-only) and its results; its code can go back to the editor. */
function AttemptDialog({
  detail,
  tests,
  onLoad,
  onClose,
}: {
  detail: SubmissionDetail
  tests: readonly ExerciseTestView[]
  onLoad: (code: string) => void
  onClose: () => void
}): JSX.Element {
  return (
    <Modal className="modal attempt-dialog" labelledBy="attempt-title" onClose={onClose}>
      <h2 id="attempt-title">Attempt of {formatTime(detail.createdAt)}</h2>
      <div className="attempt-body">
        <div className="attempt-code">
          <CodeEditor
            language="python"
            label="Code of this attempt"
            value={detail.code}
            onChange={() => undefined}
            readOnly
          />
        </div>
        <GradingPanel tests={tests} view={viewOfDetail(detail)} />
      </div>
      <div className="modal-buttons">
        <button type="button" onClick={() => onLoad(detail.code)}>
          Load this code into the editor
        </button>
        <button type="button" className="primary" onClick={onClose} data-autofocus>
          Close
        </button>
      </div>
    </Modal>
  )
}

/**
 * The exercise's past attempts, newest first, with their scores; opening one shows it. Loading an
 * attempt's code asks first when the editor holds changes that are in no attempt, as loading a past
 * run does (Esc keeps the code, focus returns to the attempt's row).
 */
export function Attempts({
  attempts,
  tests,
  unsaved,
  onLoad,
  report,
}: {
  attempts: readonly SubmissionSummary[]
  tests: readonly ExerciseTestView[]
  /** The editor's code has changes that are in no attempt. */
  unsaved: boolean
  onLoad: (code: string) => void
  report: (err: unknown) => void
}): JSX.Element {
  const [open, setOpen] = useState<SubmissionDetail | null>(null)
  const [asking, setAsking] = useState<SubmissionDetail | null>(null)
  return (
    <section className="attempts" aria-labelledby="attempts-title">
      <h3 id="attempts-title">Past attempts</h3>
      {attempts.length === 0 ? (
        <p className="muted">None yet: Check your code to make one.</p>
      ) : (
        <ul>
          {attempts.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                className="attempt-row"
                onClick={() => {
                  client.call('exercises:submission', { id: a.id }).then(setOpen, report)
                }}
              >
                <span>{formatTime(a.createdAt)}</span>
                <span className={`attempt-score status-${a.status}`}>
                  {a.status === 'done' ? formatScore(a.score, a.maxScore) : a.status}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {open && (
        <AttemptDialog
          detail={open}
          tests={tests}
          onClose={() => setOpen(null)}
          onLoad={(code) => {
            setOpen(null)
            if (unsaved) setAsking(open)
            else onLoad(code)
          }}
        />
      )}
      {asking && (
        <ReplaceCodeDialog
          replacement={`the attempt of ${formatTime(asking.createdAt)}`}
          onKeep={() => setAsking(null)}
          onReplace={() => {
            setAsking(null)
            onLoad(asking.code)
          }}
        />
      )}
    </section>
  )
}
