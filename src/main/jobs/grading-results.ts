// What a check prints and how test scores add up (see docs/exercise-pack.md, 'Checks' and
// 'Results'): pure functions shared by the grader and its tests.
import type { GradingResults, TestResult } from '../../shared/exercise'

/** What a student sees of a hidden test, whatever happened in it. */
export const HIDDEN_PASSED = 'Hidden test: passed.'
export const HIDDEN_FAILED = 'Hidden test: failed.'

/** The most a check may print (its stdout is one small JSON object). */
const MAX_CHECK_OUTPUT = 64 * 1024
const MAX_MESSAGE = 4000

/** Scores as a person reads them: no float noise (0.1 + 0.2), six decimals at most. */
export function roundScore(n: number): number {
  return Math.round(n * 1e6) / 1e6
}

/**
 * A check's stdout: exactly one JSON object `{"score": 0..1, "message": "…"}` (message optional),
 * surrounding whitespace allowed. Anything else is the reason the test failed.
 */
export function parseCheckOutput(
  stdout: string,
): { score: number; message: string } | { error: string } {
  const text = stdout.trim()
  if (text.length === 0)
    return { error: 'The check printed nothing (it must print one JSON object).' }
  if (text.length > MAX_CHECK_OUTPUT) return { error: 'The check printed too much.' }
  let value: unknown
  try {
    value = JSON.parse(text) as unknown
  } catch {
    return {
      error: `The check did not print one JSON object: ${JSON.stringify(text.slice(0, 200))}`,
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: 'The check did not print a JSON object.' }
  }
  const o = value as Record<string, unknown>
  const extra = Object.keys(o).filter((k) => k !== 'score' && k !== 'message')
  if (extra.length > 0) return { error: `The check printed unknown keys: ${extra.join(', ')}.` }
  if (typeof o.score !== 'number' || !Number.isFinite(o.score) || o.score < 0 || o.score > 1) {
    return { error: 'The check\'s "score" must be a number from 0 to 1.' }
  }
  if (o.message !== undefined && typeof o.message !== 'string') {
    return { error: 'The check\'s "message" must be a string.' }
  }
  return { score: o.score, message: (o.message ?? '').slice(0, MAX_MESSAGE) }
}

/** A test's result as a student may see it: a hidden test's output is the neutral message. */
export function studentView(t: TestResult): TestResult {
  if (t.visibility === 'visible') return t
  return { ...t, output: t.status === 'passed' ? HIDDEN_PASSED : HIDDEN_FAILED }
}

/** One test's result from its points and the fraction earned (1 = passed). */
export function testResult(
  test: { name: string; points: number; visibility: 'visible' | 'hidden' },
  fraction: number,
  output: string,
): TestResult {
  const score = roundScore(test.points * fraction)
  return {
    name: test.name,
    score,
    max_score: test.points,
    status: fraction >= 1 ? 'passed' : 'failed',
    output: output.slice(0, MAX_MESSAGE * 2),
    visibility: test.visibility,
  }
}

/** Gradescope's results.json from the tests' results. */
export function gradingResults(tests: TestResult[], executionMs: number): GradingResults {
  return {
    score: roundScore(tests.reduce((n, t) => n + t.score, 0)),
    max_score: roundScore(tests.reduce((n, t) => n + t.max_score, 0)),
    execution_time: Math.round(executionMs) / 1000,
    tests,
  }
}
