import { useEffect, useRef, useState, type JSX } from 'react'
import type { ExerciseDetail } from '../../../../shared/exercise'
import type { ExercisesState } from '../../hooks/useExercises'
import { useExercisesGrading } from '../../hooks/useExercisesGrading'
import { useExercisesTeacher } from '../../hooks/useExercisesTeacher'
import type { Notices } from '../../hooks/useNotices'
import { DeleteDialog } from '../DeleteDialog'
import { ZipPicker } from '../ZipPicker'
import { Attempts } from './Attempts'
import { ExercisePage } from './ExercisePage'
import { PackBuilder } from './PackBuilder'
import { ReplaceCodeDialog } from './ReplaceCodeDialog'
import { previewDetail } from './pack-draft'
import './exercises.css'

interface Props {
  exercises: ExercisesState
  notices: Notices
  /** The Scripts view's current script: teacher mode makes a pack from it. */
  script: { code: string; environment: string }
  defaults: { timeoutS: number; memoryMb: number }
  teaching: boolean
  onTeaching: (on: boolean) => void
  /** While the Scripts view shows: kept mounted (teacher mode keeps its form), not shown. */
  hidden?: boolean
}

/** The open exercise with Check, its results and past attempts. */
function StudentPage({
  exercise,
  exercises,
  notices,
}: {
  exercise: ExerciseDetail
  exercises: ExercisesState
  notices: Notices
}): JSX.Element {
  const g = useExercisesGrading(exercise, notices.error)
  const [removing, setRemoving] = useState(false)
  // Reset asks first when it would replace unchecked changes (Esc keeps them; focus returns to Reset).
  const [askingReset, setAskingReset] = useState(false)
  return (
    <>
      <ExercisePage
        exercise={exercise}
        code={g.code}
        onCode={g.setCode}
        onReset={() => {
          if (g.reset === 'ask') setAskingReset(true)
          else if (g.reset === 'replace') g.resetCode()
        }}
        onCheck={g.check}
        onCancel={g.cancel}
        grading={g.grading}
        view={g.view}
        actions={
          <button type="button" className="danger" onClick={() => setRemoving(true)}>
            Remove…
          </button>
        }
        aside={
          <Attempts
            attempts={g.attempts}
            tests={exercise.tests}
            unsaved={g.unsaved}
            onLoad={g.loadAttempt}
            report={notices.error}
          />
        }
      />
      {askingReset && (
        <ReplaceCodeDialog
          replacement="the starter code"
          onKeep={() => setAskingReset(false)}
          onReplace={() => {
            setAskingReset(false)
            g.resetCode()
          }}
        />
      )}
      {removing && (
        <DeleteDialog
          title={`Remove “${exercise.title}”?`}
          text="The exercise and its past attempts are removed from this app."
          confirmLabel="Remove exercise"
          onCancel={() => setRemoving(false)}
          onConfirm={() => {
            setRemoving(false)
            exercises.remove(exercise.id)
          }}
        />
      )}
    </>
  )
}

/** Teacher mode, and its preview of the exercise as a student sees it. */
function TeacherArea(props: Props): JSX.Element {
  const teacher = useExercisesTeacher(props.script, props.notices, !props.hidden)
  const [previewing, setPreviewing] = useState(false)
  const [previewCode, setPreviewCode] = useState<string | null>(null)
  if (!previewing) {
    return (
      <PackBuilder
        teacher={teacher}
        onPreview={() => {
          setPreviewCode(null)
          setPreviewing(true)
        }}
        onClose={() => props.onTeaching(false)}
      />
    )
  }
  const detail = previewDetail(teacher.form, teacher.runsById, props.defaults)
  return (
    <ExercisePage
      exercise={detail}
      code={previewCode ?? detail.starter}
      onCode={setPreviewCode}
      onReset={() => setPreviewCode(null)}
      grading={false}
      view={null}
      actions={
        <button type="button" className="primary" onClick={() => setPreviewing(false)} autoFocus>
          Back to editing
        </button>
      }
      aside={<p className="preview-note">Preview as a student: nothing here is saved or graded.</p>}
    />
  )
}

/** The Exercises view: imported exercises, opening packs, an exercise's page, teacher mode. */
export function ExercisesView(props: Props): JSX.Element {
  const { exercises } = props
  const picker = useRef<HTMLInputElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const { hidden, onTeaching } = props
  useEffect(() => {
    if (!hidden) heading.current?.focus()
  }, [hidden])
  // An exercise opened (picked, imported, dropped) ends teacher mode: it is what is shown next.
  const shown = useRef(exercises.selected)
  useEffect(() => {
    if (exercises.selected !== shown.current && exercises.selected !== null) onTeaching(false)
    shown.current = exercises.selected
  }, [exercises.selected, onTeaching])
  const selectedId = exercises.selected?.id ?? null
  return (
    <main className="exercises-view" hidden={hidden}>
      <nav className="exercise-list pane" aria-labelledby="exercises-title">
        <h2 id="exercises-title" tabIndex={-1} ref={heading}>
          Exercises
        </h2>
        <div className="exercise-list-actions">
          <button type="button" onClick={() => picker.current?.click()}>
            Open pack…
          </button>
          <button type="button" onClick={exercises.importExample}>
            Example exercise
          </button>
          <button
            type="button"
            aria-pressed={props.teaching}
            onClick={() => props.onTeaching(!props.teaching)}
          >
            Create exercise from this script
          </button>
          <ZipPicker
            inputRef={picker}
            label="Exercise pack to open"
            onPick={exercises.importFile}
          />
        </div>
        <p className="muted drop-hint">or drop a pack (.zip) on the window</p>
        {exercises.list === null ? (
          <p className="muted">Loading…</p>
        ) : exercises.list.length === 0 ? (
          <p className="muted">No exercises yet.</p>
        ) : (
          <ul aria-label="Imported exercises">
            {exercises.list.map((x) => (
              <li key={x.id}>
                <button
                  type="button"
                  className={`exercise-item ${x.id === selectedId && !props.teaching ? 'selected' : ''}`}
                  aria-current={x.id === selectedId && !props.teaching ? 'page' : undefined}
                  onClick={() => {
                    props.onTeaching(false)
                    exercises.select(x.id)
                  }}
                >
                  <span className="exercise-item-title">{x.title}</span>
                  <span className="muted">
                    {x.testCount} test{x.testCount === 1 ? '' : 's'} · {x.maxScore} pts
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </nav>
      {props.teaching ? (
        <TeacherArea {...props} />
      ) : exercises.selected ? (
        <StudentPage
          key={exercises.selected.id}
          exercise={exercises.selected}
          exercises={exercises}
          notices={props.notices}
        />
      ) : (
        <section className="pane exercise-empty">
          <h2>No exercise open</h2>
          <p>
            Open a pack a teacher gave you (<strong>Open pack…</strong> or drop the .zip here), or
            try the <strong>Example exercise</strong>.
          </p>
          <p className="muted">
            Teachers: write and run the solution in the Scripts view, then choose{' '}
            <strong>Create exercise from this script</strong>.
          </p>
        </section>
      )}
    </main>
  )
}
