// The exercise actions both transports share (see docs/exercise-pack.md): import a pack (zip bytes
// or a folder the app ships), the student's view of an exercise, submit, read a submission, the
// teacher's CSV of scores, delete. The IPC handlers (exercise-handlers.ts) and the HTTP routes
// (server/routes-exercises.ts) only translate arguments and results.
import fs from 'node:fs'
import path from 'node:path'
import Papa from 'papaparse'
import type {
  ExerciseDetail,
  ExerciseSummary,
  ExerciseTestView,
  SubmissionDetail,
  SubmissionSummary,
} from '../../shared/exercise'
import { MiB } from '../../shared/units'
import { findEnvironment } from '../environments/catalogue'
import { findUp } from '../paths'
import type { ExerciseStore, StoredSubmission } from '../store/exercise-store'
import type { ExerciseGrader } from './exercise-grader'
import { Conflict, InvalidArgument, NotFound } from './errors'
import { readPackFolder, readPackZip, PackRefused, type ReadPack } from './exercise-pack'
import { toSubmitRequest, MAX_CODE_CHARS } from './run-request'

export interface Exercises {
  store: ExerciseStore
  grader: ExerciseGrader
}

/** Where the app's example packs are (`examples/exercises/<name>/`). */
export function examplesDir(): string {
  return findUp(path.join('examples', 'exercises'))
}

/** The checks that need the app's ceilings: the pack's limits must be ones a run may have. */
function checkLimits(pack: ReadPack, maxTimeoutS: number): void {
  try {
    toSubmitRequest(
      {
        code: 'pass',
        input: {},
        environment: pack.spec.environment,
        timeoutS: pack.spec.limits?.timeout ?? null,
        memoryMb: pack.spec.limits?.memory_mb ?? null,
        source: 'app',
      },
      maxTimeoutS,
    )
  } catch (err) {
    if (err instanceof InvalidArgument) throw new PackRefused(`limits: ${err.message}`)
    throw err
  }
}

async function store(ex: Exercises, pack: ReadPack, maxTimeoutS: number): Promise<ExerciseSummary> {
  checkLimits(pack, maxTimeoutS)
  const { spec } = pack
  const existing = ex.store.get(spec.id)
  if (existing?.summary.packSha256 === pack.packSha256) return existing.summary
  if (existing && ex.grader.grading(spec.id)) {
    throw new Conflict(
      `Exercise ${spec.id} is being graded: import the new version when it is done`,
    )
  }
  const summary: ExerciseSummary = {
    id: spec.id,
    title: spec.title,
    environment: spec.environment,
    testCount: spec.tests.length,
    maxScore: spec.tests.reduce((n, t) => n + t.points, 0),
    importedAt: new Date().toISOString(),
    packSha256: pack.packSha256,
  }
  await ex.store.savePack(summary, spec, pack.files)
  return summary
}

/** Imports a zipped pack: verified completely, then stored; PackRefused (nothing stored) otherwise. */
export async function importPack(
  ex: Exercises,
  bytes: Uint8Array,
  maxTimeoutS: number,
): Promise<ExerciseSummary> {
  return store(ex, await readPackZip(bytes), maxTimeoutS)
}

/** Imports one of the example packs the app ships, by folder name. */
export async function importExample(
  ex: Exercises,
  name: string,
  maxTimeoutS: number,
  root = examplesDir(),
): Promise<ExerciseSummary> {
  const dir = path.join(root, name)
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !fs.existsSync(path.join(dir, 'exercise.json'))) {
    throw new NotFound(`No example exercise named ${JSON.stringify(name)}`)
  }
  return store(ex, readPackFolder(dir), maxTimeoutS)
}

function exerciseOr404(ex: Exercises, id: string): NonNullable<ReturnType<ExerciseStore['get']>> {
  const e = ex.store.get(id)
  if (!e) throw new NotFound('Exercise not found')
  return e
}

/** The student's view: instructions, starter, visible tests in full, hidden ones by name and points. */
export function exerciseDetail(ex: Exercises, id: string): ExerciseDetail {
  const { summary, spec } = exerciseOr404(ex, id)
  const env = findEnvironment(spec.environment)!
  const tests: ExerciseTestView[] = spec.tests.map((t) => {
    if (t.visibility === 'hidden') return { visibility: 'hidden', name: t.name, points: t.points }
    const { check, visibility, ...rest } = t
    return { ...rest, visibility, hasCheck: check !== undefined }
  })
  return {
    ...summary,
    instructions: ex.store.packFile(id, spec.instructions).toString('utf8'),
    starter: ex.store.packFile(id, spec.starter).toString('utf8'),
    limits: {
      timeoutS: spec.limits?.timeout ?? env.defaults.timeoutMs / 1000,
      memoryMb: spec.limits?.memory_mb ?? env.defaults.memoryBytes / MiB,
    },
    tests,
  }
}

export async function deleteExercise(ex: Exercises, id: string): Promise<boolean> {
  exerciseOr404(ex, id)
  if (ex.grader.grading(id))
    throw new Conflict('The exercise is being graded: cancel or wait first')
  return ex.store.delete(id)
}

export function submit(ex: Exercises, id: string, code: string): SubmissionSummary {
  const { spec, summary } = exerciseOr404(ex, id)
  if (code.length === 0 || code.length > MAX_CODE_CHARS) {
    throw InvalidArgument.field('code', `code must be 1 to ${MAX_CODE_CHARS} characters`, null)
  }
  return summaryOf(ex.grader.submit(id, spec, summary.packSha256, code))
}

export function summaryOf(s: StoredSubmission): SubmissionSummary {
  return {
    id: s.id,
    exerciseId: s.exerciseId,
    createdAt: s.createdAt,
    status: s.status,
    score: s.score,
    maxScore: s.maxScore,
  }
}

export function submissionDetail(ex: Exercises, id: string): SubmissionDetail {
  const s = ex.store.getSubmission(id)
  if (!s) throw new NotFound('Submission not found')
  return {
    ...summaryOf(s),
    code: ex.store.readSubmissionCode(id),
    tests: s.tests,
    total: s.total,
    results: s.results,
    error: s.error,
  }
}

export function submissionsOf(ex: Exercises, exerciseId: string): SubmissionSummary[] {
  exerciseOr404(ex, exerciseId)
  return ex.store.submissionsOf(exerciseId).map(summaryOf)
}

/**
 * The teacher's table: one row per submission, oldest first — time, status, score, max_score, then
 * each test's score (empty where it has none).
 */
export function submissionsCsv(ex: Exercises, exerciseId: string): string {
  const { spec } = exerciseOr404(ex, exerciseId)
  const names = spec.tests.map((t) => t.name)
  const rows = ex.store
    .submissionsOf(exerciseId)
    .reverse()
    .map((s) => {
      const byName = new Map(s.tests.map((t) => [t.name, t.score]))
      return [
        s.createdAt,
        s.id,
        s.status,
        s.score ?? '',
        s.maxScore,
        ...names.map((n) => (s.status === 'done' ? (byName.get(n) ?? '') : '')),
      ]
    })
  return Papa.unparse(
    {
      fields: ['time', 'submission_id', 'status', 'score', 'max_score', ...names],
      data: rows,
    },
    { escapeFormulae: true },
  )
}
