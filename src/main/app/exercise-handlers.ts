// The exercise methods of the app's contract (src/shared/api.ts), over the shared actions in
// exercise-service.ts.
import type { Args, TakoApi } from '../../shared/api'
import { bundleBytes } from './bundle-files'
import type { Core } from './core'
import {
  deleteExercise,
  exerciseDetail,
  importExample,
  importPack,
  submissionDetail,
  submissionsOf,
  submit,
} from './exercise-service'

// Teacher mode's exercises:exportPack / exercises:buildPack live beside the shell's save dialog
// (handlers.ts, exercise-pack-writer.ts).
type ExerciseMethod = Exclude<
  Extract<keyof TakoApi, `exercises:${string}`>,
  'exercises:exportPack' | 'exercises:buildPack'
>
export type ExerciseHandlers = {
  [M in ExerciseMethod]: (args: Args<M>) => Promise<TakoApi[M]>
}

export function createExerciseHandlers(core: Core): ExerciseHandlers {
  const ex = core.exercises
  return {
    async 'exercises:import'(args) {
      return importPack(ex, bundleBytes(args.data), core.maxTimeoutS)
    },
    async 'exercises:list'() {
      return ex.store.list()
    },
    async 'exercises:get'(args) {
      return exerciseDetail(ex, args.id)
    },
    async 'exercises:delete'(args) {
      return { deleted: await deleteExercise(ex, args.id) }
    },
    async 'exercises:submit'(args) {
      return submit(ex, args.id, args.code)
    },
    async 'exercises:submission'(args) {
      return submissionDetail(ex, args.id)
    },
    async 'exercises:submissions'(args) {
      return submissionsOf(ex, args.exerciseId)
    },
    async 'exercises:cancel'(args) {
      return { cancelled: ex.grader.cancel(args.id) }
    },
    async 'exercises:importExample'(args) {
      return importExample(ex, args.name, core.maxTimeoutS)
    },
  }
}
