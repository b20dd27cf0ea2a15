// A submission as the exercise page shows it, built from the grading events as they come and from
// exercises:submission at the end (pure; the hook useExerciseGrading holds it).
import type {
  ExerciseTestView,
  SubmissionDetail,
  SubmissionStatus,
  TestResult,
} from '../../../../shared/exercise'
import type { ExerciseEvent } from './exercise-api'

export interface GradingView {
  submissionId: string
  exerciseId: string
  status: SubmissionStatus
  /** Finished tests by name. */
  results: Record<string, TestResult>
  done: number
  total: number
  score: number | null
  maxScore: number
  /** Why grading itself failed (not a failing test). */
  error: string | null
}

export function isFinished(status: SubmissionStatus): boolean {
  return status === 'done' || status === 'cancelled' || status === 'failed'
}

export function startView(
  s: { id: string; exerciseId: string; status: SubmissionStatus; maxScore: number },
  total: number,
): GradingView {
  return {
    submissionId: s.id,
    exerciseId: s.exerciseId,
    status: s.status,
    results: {},
    done: 0,
    total,
    score: null,
    maxScore: s.maxScore,
    error: null,
  }
}

/** The view after one of its grading events (events of other submissions leave it as it is). */
export function applyEvent(view: GradingView, e: ExerciseEvent): GradingView {
  if (e.submissionId !== view.submissionId) return view
  if (e.type === 'exercise.progress') {
    // A late progress event never takes a finished submission back to running.
    const status = isFinished(view.status) ? view.status : 'running'
    return {
      ...view,
      status,
      results: { ...view.results, [e.test.name]: e.test },
      done: Math.max(view.done, e.done),
      total: e.total,
    }
  }
  return { ...view, status: e.status, score: e.score, maxScore: e.maxScore }
}

/** The view from the stored submission (authoritative once grading has ended). */
export function viewOfDetail(d: SubmissionDetail): GradingView {
  const tests = d.results?.tests ?? d.tests
  return {
    submissionId: d.id,
    exerciseId: d.exerciseId,
    status: d.status,
    results: Object.fromEntries(tests.map((t) => [t.name, t])),
    done: tests.length,
    total: d.total,
    score: d.score,
    maxScore: d.maxScore,
    error: d.error,
  }
}

export interface ProgressRow {
  name: string
  points: number
  visibility: 'visible' | 'hidden'
  state: 'pending' | 'passed' | 'failed'
  score: number | null
  /** Expected vs got, for a failing visible test only. */
  feedback: string | null
}

/** One row per test of the exercise, in pack order, filled in as results arrive. */
export function progressRows(
  tests: readonly Pick<ExerciseTestView, 'name' | 'points' | 'visibility'>[],
  view: Pick<GradingView, 'results'>,
): ProgressRow[] {
  return tests.map((t) => {
    const r = view.results[t.name]
    return {
      name: t.name,
      points: t.points,
      visibility: t.visibility,
      state: r ? r.status : 'pending',
      score: r ? r.score : null,
      feedback:
        r && r.status === 'failed' && t.visibility === 'visible' && r.output ? r.output : null,
    }
  })
}

/** "3 / 10" with the decimals a score needs (at most two). */
export function formatScore(score: number | null, max: number): string {
  const n = (x: number): string => String(Math.round(x * 100) / 100)
  return `${score === null ? '–' : n(score)} / ${n(max)}`
}
