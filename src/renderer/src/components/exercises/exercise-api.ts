// The grading events of the app's contract (src/shared/api.ts), as the Exercises view uses them.
import type { AppEvent } from '../../../../shared/api'

export type ExerciseEvent = Extract<AppEvent, { type: 'exercise.progress' | 'exercise.done' }>

/** The event when it is one of grading's. */
export function exerciseEvent(e: AppEvent): ExerciseEvent | null {
  return e.type === 'exercise.progress' || e.type === 'exercise.done' ? e : null
}
