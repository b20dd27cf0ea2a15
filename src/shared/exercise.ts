/**
 * Exercise packs (see docs/exercise-pack.md): the pack's `exercise.json` as a teacher writes it, the
 * views of an imported exercise the app and the API show, and a submission's results in Gradescope's
 * `results.json` form.
 */

export const EXERCISE_FORMAT = 1

/** The file that makes a zip or a folder an exercise pack. */
export const EXERCISE_FILE = 'exercise.json'

/**
 * Where a pack's files start among a zip's entry names: `''` when exercise.json is at the top,
 * `'mean-of-list/'` for a pack zipped with its one folder (every entry inside it), null when the
 * names are not a pack's (a run bundle's `input/exercise.json` beside manifest.json is not).
 */
export function packRoot(names: readonly string[]): string | null {
  if (names.includes(EXERCISE_FILE)) return ''
  const first = names[0]?.split('/')[0]
  if (
    first &&
    names.every((n) => n.startsWith(`${first}/`)) &&
    names.includes(`${first}/${EXERCISE_FILE}`)
  ) {
    return `${first}/`
  }
  return null
}

/** `expect.stdout`: exactly one of `equals`, `contains`, `regex`. */
export interface StdoutExpectation {
  equals?: string
  contains?: string
  regex?: string
  ignore_case?: boolean
  ignore_whitespace?: boolean
}

/** `expect.result[]`: a JSONPath subset (`$.a.b[0]`) on result.json; one of `equals`, `exists`. */
export interface ResultExpectation {
  path: string
  equals?: unknown
  exists?: boolean
  tolerance?: number
}

/** `expect.files[]`: a file in /output that exists, or equals a fixture of the pack. */
export interface FileExpectation {
  path: string
  exists?: boolean
  equals_file?: string
  tolerance?: number
}

export interface ExerciseTestSpec {
  name: string
  points: number
  visibility: 'visible' | 'hidden'
  input_data?: Record<string, unknown>
  stdin?: string
  expect?: {
    stdout?: StdoutExpectation
    result?: ResultExpectation[]
    files?: FileExpectation[]
  }
  /** A Python file of the pack run in a separate grading container after the student's run. */
  check?: string
  /**
   * Files of the pack (under `fixtures/`) the check may read, at `/fixtures/<path under fixtures/>`
   * in the grading container; the test's `equals_file` fixtures are mounted there too. Never given
   * to the student's run.
   */
  fixtures?: string[]
}

/** The pack's `exercise.json`. */
export interface ExerciseSpec {
  format: typeof EXERCISE_FORMAT
  id: string
  title: string
  /** A Markdown file of the pack. */
  instructions: string
  environment: string
  limits?: { timeout?: number; memory_mb?: number }
  /** A Python file of the pack: the code a student starts from. */
  starter: string
  tests: ExerciseTestSpec[]
}

export interface ExerciseSummary {
  id: string
  title: string
  environment: string
  testCount: number
  maxScore: number
  importedAt: string
  /** The pack's manifest hash (sha256 of its files), shown for integrity. */
  packSha256: string
}

/** A test as a student may see it: hidden tests only by name and points. */
export type ExerciseTestView =
  | ({ visibility: 'visible' } & Omit<ExerciseTestSpec, 'visibility' | 'check'> & {
        hasCheck: boolean
      })
  | { visibility: 'hidden'; name: string; points: number }

export interface ExerciseDetail extends ExerciseSummary {
  /** The instructions as Markdown text (render without HTML). */
  instructions: string
  starter: string
  limits: { timeoutS: number; memoryMb: number }
  tests: ExerciseTestView[]
}

/** One test in Gradescope's results.json form. */
export interface TestResult {
  name: string
  score: number
  max_score: number
  status: 'passed' | 'failed'
  /** What went wrong (expected vs got); a neutral message for hidden tests. */
  output: string
  visibility: 'visible' | 'hidden'
}

/** Gradescope's results.json (top level). */
export interface GradingResults {
  score: number
  max_score: number
  execution_time: number
  tests: TestResult[]
}

export type SubmissionStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed'

export interface SubmissionSummary {
  id: string
  exerciseId: string
  createdAt: string
  status: SubmissionStatus
  score: number | null
  maxScore: number
}

export interface SubmissionDetail extends SubmissionSummary {
  code: string
  /** Tests finished so far, in pack order (all of them once done). */
  tests: TestResult[]
  total: number
  /** The whole results.json once done; null before. */
  results: GradingResults | null
  /** Why grading itself failed (not a failing test), e.g. Docker down. */
  error: string | null
}

/**
 * A test the teacher makes from a recorded run (teacher mode): the run's input and stdin become the
 * test's, and what is checked is taken from what the run produced.
 */
export interface TestDraft {
  name: string
  points: number
  visibility: 'visible' | 'hidden'
  fromRun: string
  expectStdout: 'equals' | 'contains' | null
  /**
   * The text `expectStdout` checks for: by default the run's whole stdout (trimmed for `contains`);
   * it must be in the run's stdout, so the solution passes its own test.
   */
  stdoutText?: string
  expectResult: boolean
  /** Artifact paths of the run that must equal (copied into the pack as fixtures). */
  expectFiles: string[]
  /** Artifact paths of the run that must only exist (e.g. a plot whose bytes may differ). */
  existFiles?: string[]
}

export interface PackDraft {
  id: string
  title: string
  /** Markdown. */
  instructions: string
  starter: string
  environment: string
  limits?: { timeoutS?: number; memoryMb?: number }
  tests: TestDraft[]
}
