import type { JSX, ReactNode } from 'react'
import type { ExerciseDetail } from '../../../../shared/exercise'
import { CodeEditor } from '../LazyCodeEditor'
import { PaneTitle } from '../PaneTitle'
import { GradingPanel } from './GradingPanel'
import type { GradingView } from './grading-state'
import { Instructions } from './Instructions'
import { TestList } from './TestList'

interface Props {
  exercise: ExerciseDetail
  code: string
  onCode: (code: string) => void
  onReset: () => void
  /** Absent in the teacher's preview: nothing is graded there. */
  onCheck?: () => void
  onCancel?: () => void
  grading: boolean
  view: GradingView | null
  /** Past attempts (the student's page) or the preview's note. */
  aside?: ReactNode
  /** Buttons in the page's header (delete; the preview's way back). */
  actions?: ReactNode
}

/** An exercise as a student works on it: instructions and tests, the code, Check and its results. */
export function ExercisePage(props: Props): JSX.Element {
  const { exercise, view } = props
  return (
    <div className="exercise-page" data-testid="exercise-page">
      <section className="pane exercise-info" aria-labelledby="exercise-title">
        <header className="exercise-header">
          <div>
            <h2 id="exercise-title">{exercise.title}</h2>
            <p className="muted exercise-meta">
              {exercise.tests.length} test{exercise.tests.length === 1 ? '' : 's'} ·{' '}
              {exercise.maxScore} points · environment {exercise.environment} ·{' '}
              {exercise.limits.timeoutS} s, {exercise.limits.memoryMb} MiB per test
            </p>
          </div>
          {props.actions}
        </header>
        <div
          className="exercise-info-body"
          tabIndex={0}
          aria-label="Instructions and tests"
          role="region"
        >
          <Instructions source={exercise.instructions} label="Instructions" />
          <h3>Tests</h3>
          <TestList tests={exercise.tests} />
          {props.aside}
        </div>
      </section>
      <section className="pane exercise-work" aria-label="Your code">
        <PaneTitle title="main.py" note="Ctrl+Enter to check" />
        <CodeEditor
          language="python"
          label="Your code"
          value={props.code}
          onChange={props.onCode}
          onRun={props.onCheck}
        />
        <div className="check-bar">
          {props.onCheck ? (
            <button
              type="button"
              className="primary"
              onClick={props.onCheck}
              disabled={props.grading}
              title="Check (Ctrl+Enter)"
            >
              ✓ Check
            </button>
          ) : (
            <span className="muted">Preview: students press Check here.</span>
          )}
          <button type="button" onClick={props.onReset}>
            Reset to starter code
          </button>
        </div>
        {view && (
          <GradingPanel
            tests={exercise.tests}
            view={view}
            {...(props.onCancel ? { onCancel: props.onCancel } : {})}
          />
        )}
      </section>
    </div>
  )
}
