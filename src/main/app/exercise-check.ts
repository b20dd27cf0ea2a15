// The pieces of an exercise check that are not orchestration (see docs/exercise-pack.md,
// 'Checks'): the read-only folders a check container sees, made from copies; which fixtures are a
// test's own; what a finished check run means for its test; and how a failed student run reads.
import fs from 'node:fs'
import path from 'node:path'
import type { ExerciseTestSpec, TestResult } from '../../shared/exercise'
import type { RunRecord } from '../../shared/record'
import { parseCheckOutput, testResult } from '../jobs/grading-results'
import { FIXTURES_PREFIX } from './exercise-spec'

function tail(text: string, n = 1500): string {
  return text.length > n ? `…${text.slice(-n)}` : text
}

/** Why a student's run did not succeed, as the test's output. */
export function runFailure(rec: RunRecord, stderr: string): string {
  const e = rec.error
  const what =
    rec.status === 'timeout'
      ? 'Your program ran out of time'
      : rec.status === 'oom'
        ? 'Your program ran out of memory'
        : 'Your program stopped with an error'
  const parts = [`${what}${e ? `: ${e.message}` : '.'}`]
  if (e?.line) parts.push(`(line ${e.line})`)
  if (e?.hint) parts.push(e.hint)
  const err = stderr.trim()
  if (err) parts.push(`\n${tail(err)}`)
  return parts.join(' ')
}

/** A test's own fixtures: its `fixtures` and its `equals_file` files, each once. */
export function checkFixtures(test: ExerciseTestSpec): string[] {
  const own = new Set(test.fixtures ?? [])
  for (const f of test.expect?.files ?? []) if (f.equals_file) own.add(f.equals_file)
  return [...own]
}

/**
 * Makes a check's two folders under `stage`: `submission/` (output/, stdout.txt, stderr.txt,
 * result.json when there is one) and `fixtures/` (each fixture at its path under fixtures/), every
 * file a fresh copy any sandbox user may read and none may write.
 */
export function stageCheck(
  stage: string,
  student: {
    artifacts: [string, Buffer][]
    stdout: string
    stderr: string
    outputJson: string | null
  },
  fixtureFiles: [string, Buffer][],
): { submission: string; fixtures: string } {
  const submission = path.join(stage, 'submission')
  const fixtures = path.join(stage, 'fixtures')
  mkdir(path.join(submission, 'output'))
  mkdir(fixtures)
  for (const [name, bytes] of student.artifacts) {
    writeStaged(path.join(submission, 'output', ...name.split('/')), bytes)
  }
  writeStaged(path.join(submission, 'stdout.txt'), student.stdout)
  writeStaged(path.join(submission, 'stderr.txt'), student.stderr)
  if (student.outputJson !== null) {
    writeStaged(path.join(submission, 'result.json'), student.outputJson)
  }
  for (const [f, bytes] of fixtureFiles) {
    writeStaged(path.join(fixtures, ...f.slice(FIXTURES_PREFIX.length).split('/')), bytes)
  }
  return { submission, fixtures }
}

/** The test's result from its finished check run: its one JSON object, or why there is none. */
export function checkVerdict(
  test: ExerciseTestSpec,
  checkRun: RunRecord,
  stdout: string,
  stderr: string,
): TestResult {
  if (checkRun.status !== 'succeeded') {
    const err = stderr.trim()
    const why = checkRun.error ? `: ${checkRun.error.message}` : ''
    return testResult(
      test,
      0,
      `The check did not finish (${checkRun.status}${why}).${err ? `\n${tail(err, 800)}` : ''}`,
    )
  }
  const verdict = parseCheckOutput(stdout)
  if ('error' in verdict) return testResult(test, 0, verdict.error)
  return testResult(
    test,
    verdict.score,
    verdict.message || (verdict.score >= 1 ? 'Passed.' : 'Failed.'),
  )
}

function mkdir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  fs.chmodSync(dir, 0o755)
}

/** A staged file any sandbox user may read and none may write. */
function writeStaged(file: string, data: string | Uint8Array): void {
  const parent = path.dirname(file)
  if (!fs.existsSync(parent)) {
    fs.mkdirSync(parent, { recursive: true, mode: 0o755 })
  }
  fs.writeFileSync(file, data, { mode: 0o444, flag: 'wx' })
}
