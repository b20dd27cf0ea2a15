// Grades a submission (see docs/exercise-pack.md, 'Grading'): each test is one normal run of the
// student's code in a fresh container through a job queue of its own (so limits, the warm pool and
// the cold path apply as to any run), checked against the test's `expect`; a test with a `check`
// then runs the pack's check script in a second, separate container that sees the student's
// outputs read-only at /submission and only that test's fixtures at /fixtures. Tests run one after
// another and are reported as each finishes; a crash in one does not hide the others; a cancel
// stops the running test's run and skips the rest. The grading runs live in their own store (never
// in the history) and are removed once their test is graded.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { AppEvent } from '../../shared/api'
import type { ExerciseSpec, ExerciseTestSpec, TestResult } from '../../shared/exercise'
import type { RunRecord } from '../../shared/record'
import { removeTree } from '../engine/remove-tree'
import { checkResult, checkStdout, compareFile } from '../jobs/grading-expect'
import { gradingResults, studentView, testResult } from '../jobs/grading-results'
import type { JobService, SubmitRequest } from '../jobs/job-service'
import {
  INTERRUPTED_MESSAGE,
  type ExerciseStore,
  type StoredSubmission,
} from '../store/exercise-store'
import { STDERR_FILE, STDOUT_FILE, type RunStore } from '../store/run-store'
import { openArtifact } from './artifact-access'
import { checkFixtures, checkVerdict, runFailure, stageCheck } from './exercise-check'
import { toSubmitRequest } from './run-request'

/** Run errors that say grading could not happen (not that the student's code is wrong). */
const INFRA_ERRORS = new Set([
  'service_unavailable',
  'image_missing',
  'internal_error',
  'interrupted',
  'config_error',
])

class GradingFailed extends Error {}

interface Live {
  cancelled: boolean
  runId: string | null
  done: Promise<void>
}

export interface GraderOptions {
  store: ExerciseStore
  /** The grading runs' own queue and store (not the history's). */
  jobs: JobService
  runs: RunStore
  /** Where each check's /submission and /fixtures folders are made. */
  stageDir: string
  maxTimeoutS: number
  /**
   * The daemon gets a run's files copied (archive transfer: a remote host): it cannot see the
   * host folders a check needs, so a check fails grading with the reason instead of running blind.
   */
  filesCopied?: boolean
  log?: (event: string, fields: Record<string, unknown>) => void
}

export class ExerciseGrader {
  private readonly live = new Map<string, Live>()
  /** Set by `shutdown`: submissions it stops are failed as interrupted, not cancelled by the student. */
  private stopping = false
  private readonly listeners = new Set<(e: AppEvent) => void>()
  private readonly log: (event: string, fields: Record<string, unknown>) => void

  constructor(private readonly o: GraderOptions) {
    this.log = o.log ?? (() => undefined)
  }

  subscribe(listener: (e: AppEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(e: AppEvent): void {
    for (const l of this.listeners) {
      try {
        l(e)
      } catch (err) {
        this.log('exercise-listener-error', { error: String(err) })
      }
    }
  }

  isLive(submissionId: string): boolean {
    return this.live.has(submissionId)
  }

  /** The run a submission's current test is waiting for (queued or running), or null. */
  runOf(submissionId: string): string | null {
    return this.live.get(submissionId)?.runId ?? null
  }

  /** True while any submission of this exercise is being graded. */
  grading(exerciseId: string): boolean {
    return [...this.live.keys()].some(
      (id) => this.o.store.getSubmission(id)?.exerciseId === exerciseId,
    )
  }

  /** Records a queued submission and starts grading it in the background. */
  submit(
    exerciseId: string,
    spec: ExerciseSpec,
    packSha256: string,
    code: string,
  ): StoredSubmission {
    const rec: StoredSubmission = {
      id: randomUUID(),
      exerciseId,
      createdAt: new Date().toISOString(),
      endedAt: null,
      status: 'queued',
      score: null,
      maxScore: spec.tests.reduce((n, t) => n + t.points, 0),
      total: spec.tests.length,
      tests: [],
      results: null,
      error: null,
      packSha256,
      owner: this.o.store.owner,
    }
    this.o.store.createSubmission(rec, code)
    const live: Live = { cancelled: false, runId: null, done: Promise.resolve() }
    this.live.set(rec.id, live)
    live.done = this.grade(rec, spec, code, live)
      .catch((err: unknown) => {
        // Only saving the submission itself can fail here (the disk is full, the folder gone).
        this.log('exercise-grading-error', { submission: rec.id, error: String(err) })
        const current = this.o.store.getSubmission(rec.id) ?? rec
        try {
          this.o.store.saveSubmission({
            ...current,
            status: 'failed',
            score: null,
            results: null,
            endedAt: new Date().toISOString(),
            error: `Grading failed: ${(err as Error).message}`,
          })
        } catch {
          // still unwritable: the start-up check marks it once this process is gone
        }
      })
      .finally(() => this.live.delete(rec.id))
    return rec
  }

  /** Cancels a submission: its running test's run is stopped and the rest are skipped. */
  cancel(submissionId: string): boolean {
    const live = this.live.get(submissionId)
    if (!live || live.cancelled) return false
    live.cancelled = true
    if (live.runId) this.o.jobs.cancel(live.runId)
    return true
  }

  /** Cancels every submission in progress and waits for them to settle. */
  async shutdown(): Promise<void> {
    this.stopping = true
    const all = [...this.live.entries()]
    for (const [id] of all) this.cancel(id)
    await Promise.all(all.map(([, l]) => l.done))
  }

  private async grade(
    start: StoredSubmission,
    spec: ExerciseSpec,
    code: string,
    live: Live,
  ): Promise<void> {
    const t0 = performance.now()
    let rec: StoredSubmission = { ...start, status: 'running' }
    this.o.store.saveSubmission(rec)
    const tests: TestResult[] = []
    let error: string | null = null
    for (const [index, test] of spec.tests.entries()) {
      let result: TestResult
      if (live.cancelled || error !== null) {
        result = testResult(
          test,
          0,
          error !== null ? 'Not run: grading failed.' : 'Not run: the submission was cancelled.',
        )
      } else {
        try {
          result = await this.gradeTest(rec, spec, test, code, live)
        } catch (err) {
          if (err instanceof GradingFailed) error = err.message
          else this.log('exercise-test-error', { submission: rec.id, error: String(err) })
          result = testResult(
            test,
            0,
            live.cancelled
              ? 'Not run: the submission was cancelled.'
              : `The test could not be graded: ${(err as Error).message}`,
          )
        }
      }
      const shown = studentView(result)
      tests.push(shown)
      rec = { ...rec, tests: [...tests] }
      this.o.store.saveSubmission(rec)
      this.emit({
        type: 'exercise.progress',
        submissionId: rec.id,
        exerciseId: rec.exerciseId,
        test: shown,
        index,
        done: tests.length,
        total: spec.tests.length,
      })
    }
    const results = gradingResults(tests, performance.now() - t0)
    if (live.cancelled && this.stopping && error === null) error = INTERRUPTED_MESSAGE
    const status = error !== null ? 'failed' : live.cancelled ? 'cancelled' : 'done'
    rec = {
      ...rec,
      status,
      endedAt: new Date().toISOString(),
      error,
      score: status === 'done' ? results.score : null,
      results: status === 'done' ? results : null,
    }
    this.o.store.saveSubmission(rec)
    this.emit({
      type: 'exercise.done',
      submissionId: rec.id,
      exerciseId: rec.exerciseId,
      status,
      score: rec.score,
      maxScore: rec.maxScore,
    })
  }

  /** A run through the grading queue, waited for; removed from the grading store by `drop`. */
  private async run(req: SubmitRequest, live: Live): Promise<RunRecord> {
    const queued = this.o.jobs.submit(req)
    live.runId = queued.id
    if (live.cancelled) this.o.jobs.cancel(queued.id)
    const rec = (await this.o.jobs.wait(queued.id)) ?? queued
    live.runId = null
    return rec
  }

  private async drop(id: string): Promise<void> {
    await this.o.runs.delete(id).catch((err: unknown) => {
      this.log('grading-run-delete-failed', { runId: id, error: String(err) })
    })
  }

  private request(spec: ExerciseSpec, test: ExerciseTestSpec, code: string): SubmitRequest {
    return toSubmitRequest(
      {
        code,
        input: test.input_data ?? {},
        environment: spec.environment,
        timeoutS: spec.limits?.timeout ?? null,
        memoryMb: spec.limits?.memory_mb ?? null,
        source: 'app',
        stdin: test.stdin ?? null,
      },
      this.o.maxTimeoutS,
    )
  }

  private async gradeTest(
    sub: StoredSubmission,
    spec: ExerciseSpec,
    test: ExerciseTestSpec,
    code: string,
    live: Live,
  ): Promise<TestResult> {
    const run = await this.run(this.request(spec, test, code), live)
    try {
      if (live.cancelled) throw new Error('cancelled')
      if (run.error && INFRA_ERRORS.has(run.error.type)) {
        throw new GradingFailed(`Grading could not run the tests: ${run.error.message}`)
      }
      const stdout = this.o.runs.readText(run.id, STDOUT_FILE)
      const stderr = this.o.runs.readText(run.id, STDERR_FILE)
      if (run.status !== 'succeeded') return testResult(test, 0, runFailure(run, stderr))
      const outputJson = this.o.runs.readOutput(run.id)
      const problems: string[] = []
      const e = test.expect
      if (e?.stdout) problems.push(checkStdout(stdout, e.stdout) ?? '')
      if (e?.result) problems.push(checkResult(outputJson, e.result) ?? '')
      for (const f of e?.files ?? []) problems.push(this.checkFile(sub, run, f) ?? '')
      const failed = problems.filter((p) => p !== '')
      if (failed.length > 0) return testResult(test, 0, failed.join('\n'))
      if (!test.check) return testResult(test, 1, 'Passed.')
      return await this.runCheck(sub, spec, test, run, { stdout, stderr, outputJson }, live)
    } finally {
      await this.drop(run.id)
    }
  }

  private checkFile(
    sub: StoredSubmission,
    run: RunRecord,
    f: NonNullable<NonNullable<ExerciseTestSpec['expect']>['files']>[number],
  ): string | null {
    const produced = run.artifacts.some((a) => a.name === f.path)
    if (f.exists !== undefined) {
      if (produced === f.exists) return null
      return f.exists
        ? `Expected the file /output/${f.path}; the program did not write it.`
        : `Expected no file /output/${f.path}; the program wrote one.`
    }
    if (!produced) return `Expected the file /output/${f.path}; the program did not write it.`
    const want = this.o.store.packFile(sub.exerciseId, f.equals_file!)
    return compareFile(f.path, want, this.readArtifact(run.id, f.path), f.tolerance ?? 0)
  }

  private readArtifact(runId: string, name: string): Buffer {
    const open = openArtifact(this.o.runs, runId, name)
    try {
      return fs.readFileSync(open.fd)
    } finally {
      fs.closeSync(open.fd)
    }
  }

  /**
   * The test's check, in a separate container: /submission holds copies of what the student's run
   * produced (only files the walker collected, copied without following links), /fixtures only
   * this test's fixtures; both read-only.
   */
  private async runCheck(
    sub: StoredSubmission,
    spec: ExerciseSpec,
    test: ExerciseTestSpec,
    run: RunRecord,
    out: { stdout: string; stderr: string; outputJson: string | null },
    live: Live,
  ): Promise<TestResult> {
    if (this.o.filesCopied) {
      throw new GradingFailed(
        'This pack has a check, which needs Docker on this computer: the current Docker connection ' +
          'copies files to another host (see docs/exercise-pack.md, "Honest limits").',
      )
    }
    const stage = path.join(this.o.stageDir, randomUUID())
    let checkRun: RunRecord | null = null
    try {
      const { submission, fixtures } = stageCheck(
        stage,
        {
          ...out,
          artifacts: run.artifacts.map((a) => [a.name, this.readArtifact(run.id, a.name)]),
        },
        checkFixtures(test).map((f) => [f, this.o.store.packFile(sub.exerciseId, f)]),
      )
      const source = this.o.store.packFile(sub.exerciseId, test.check!).toString('utf8')
      checkRun = await this.run(
        {
          ...this.request(spec, test, source),
          stdin: null,
          mounts: [
            { host: submission, container: '/submission' },
            { host: fixtures, container: '/fixtures' },
          ],
        },
        live,
      )
      if (live.cancelled) throw new Error('cancelled')
      if (checkRun.error && INFRA_ERRORS.has(checkRun.error.type)) {
        throw new GradingFailed(`Grading could not run a check: ${checkRun.error.message}`)
      }
      return checkVerdict(
        test,
        checkRun,
        this.o.runs.readText(checkRun.id, STDOUT_FILE),
        this.o.runs.readText(checkRun.id, STDERR_FILE),
      )
    } finally {
      if (checkRun) await this.drop(checkRun.id)
      await removeTree(stage)
    }
  }
}
