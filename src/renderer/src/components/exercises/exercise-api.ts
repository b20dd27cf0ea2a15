// The exercises:* part of the contract (names in src/shared/exercise.ts; the methods are added to
// src/shared/api.ts by the engine side of issue 15). Until both halves are merged, the calls go
// through this one typed door.
import type { AppEvent, TakoClient } from '../../../../shared/api'
import type {
  ExerciseDetail,
  ExerciseSummary,
  SubmissionDetail,
  SubmissionStatus,
  SubmissionSummary,
  TestResult,
} from '../../../../shared/exercise'

export interface ExerciseMethods {
  'exercises:import': [{ data: string | Uint8Array | ArrayBuffer }, ExerciseSummary]
  'exercises:importExample': [{ name: string }, ExerciseSummary]
  'exercises:list': [Record<string, never>, ExerciseSummary[]]
  'exercises:get': [{ id: string }, ExerciseDetail]
  'exercises:delete': [{ id: string }, { deleted: boolean }]
  'exercises:submit': [{ id: string; code: string }, SubmissionSummary]
  'exercises:submission': [{ id: string }, SubmissionDetail]
  'exercises:submissions': [{ exerciseId: string }, SubmissionSummary[]]
  'exercises:cancel': [{ id: string }, { cancelled: boolean }]
}

export type ExerciseEvent =
  | {
      type: 'exercise.progress'
      submissionId: string
      exerciseId: string
      test: TestResult
      index: number
      done: number
      total: number
    }
  | {
      type: 'exercise.done'
      submissionId: string
      exerciseId: string
      status: SubmissionStatus
      score: number | null
      maxScore: number
    }

export function exerciseCall<M extends keyof ExerciseMethods>(
  client: TakoClient,
  method: M,
  args: ExerciseMethods[M][0],
): Promise<ExerciseMethods[M][1]> {
  const call = client.call.bind(client) as unknown as (
    m: M,
    a: unknown,
  ) => Promise<ExerciseMethods[M][1]>
  return call(method, args)
}

/** The event when it is one of grading's. */
export function exerciseEvent(e: AppEvent | ExerciseEvent): ExerciseEvent | null {
  return e.type === 'exercise.progress' || e.type === 'exercise.done' ? e : null
}
