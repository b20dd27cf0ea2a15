// The checks of an exercise test's `expect` block (see docs/exercise-pack.md, 'Expectations'), as
// pure functions of what a run produced: stdout (equals / contains / regex), result.json values at
// JSONPath-subset paths (numbers within a tolerance), and files (existence; CSV cell by cell with a
// numeric tolerance, anything else byte for byte). Each answers null when it holds, else the message
// a student reads: what was expected and what the run gave.
import vm from 'node:vm'
import Papa from 'papaparse'
import type { ResultExpectation, StdoutExpectation } from '../../shared/exercise'
import { evaluateJsonPath, parseJsonPath } from './grading-jsonpath'

/** A regex pattern longer than this is refused at import. */
export const MAX_REGEX_CHARS = 1000
/** Only the first this many characters of stdout are matched against a regex. */
export const MAX_REGEX_SUBJECT_CHARS = 256 * 1024
/** A regex match that takes longer is stopped (a catastrophic pattern fails its test, no more). */
export const REGEX_TIMEOUT_MS = 250
/** Files larger than this are not parsed as CSV (compared by bytes instead). */
const MAX_CSV_BYTES = 16 * 1024 * 1024
const SHOWN = 200

export function regexFlags(e: StdoutExpectation): string {
  return e.ignore_case ? 'iu' : 'u'
}

/** Why `e.regex` cannot be used (too long, not a valid pattern), or null. */
export function regexProblem(pattern: string, flags: string): string | null {
  if (pattern.length > MAX_REGEX_CHARS) return `longer than ${MAX_REGEX_CHARS} characters`
  try {
    new RegExp(pattern, flags)
    return null
  } catch (err) {
    return (err as Error).message
  }
}

const regexContext = vm.createContext({})

/** `re.test(subject)` stopped after REGEX_TIMEOUT_MS: true, false, or 'timeout'. */
export function regexTest(re: RegExp, subject: string): boolean | 'timeout' {
  Object.assign(regexContext, { re, subject })
  try {
    return vm.runInContext('re.test(subject)', regexContext, {
      timeout: REGEX_TIMEOUT_MS,
    }) as boolean
  } catch {
    return 'timeout'
  } finally {
    Object.assign(regexContext, { re: null, subject: null })
  }
}

function show(text: string): string {
  return JSON.stringify(text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text)
}

function normalise(text: string, e: StdoutExpectation): string {
  let t = text
  if (e.ignore_whitespace) t = t.replace(/\s+/g, ' ').trim()
  if (e.ignore_case) t = t.toLowerCase()
  return t
}

/** The run's stdout against `expect.stdout`. */
export function checkStdout(stdout: string, e: StdoutExpectation): string | null {
  if (e.regex !== undefined) {
    const subject = stdout.slice(0, MAX_REGEX_SUBJECT_CHARS)
    const text = e.ignore_whitespace ? subject.replace(/\s+/g, ' ').trim() : subject
    const got = regexTest(new RegExp(e.regex, regexFlags(e)), text)
    if (got === true) return null
    if (got === 'timeout') {
      return `The output could not be matched against /${e.regex}/ within ${REGEX_TIMEOUT_MS} ms.`
    }
    return `Expected the output to match /${e.regex}/; got ${show(stdout)}.`
  }
  const got = normalise(stdout, e)
  if (e.equals !== undefined) {
    // A trailing newline is what print() adds: it never decides a test.
    const want = normalise(e.equals, e)
    if (got.replace(/\n+$/, '') === want.replace(/\n+$/, '')) return null
    return `Expected the output ${show(e.equals)}; got ${show(stdout)}.`
  }
  if (e.contains !== undefined) {
    if (got.includes(normalise(e.contains, e))) return null
    return `Expected the output to contain ${show(e.contains)}; got ${show(stdout)}.`
  }
  return null
}

/** Deep equality where numbers may differ by `tolerance`. */
export function valuesMatch(want: unknown, got: unknown, tolerance: number): boolean {
  if (typeof want === 'number' && typeof got === 'number') {
    return want === got || Math.abs(want - got) <= tolerance
  }
  if (Array.isArray(want)) {
    return (
      Array.isArray(got) &&
      got.length === want.length &&
      want.every((w, i) => valuesMatch(w, got[i], tolerance))
    )
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return false
    const wk = Object.keys(want)
    const gk = Object.keys(got)
    return (
      wk.length === gk.length &&
      wk.every(
        (k) =>
          Object.hasOwn(got, k) &&
          valuesMatch(
            (want as Record<string, unknown>)[k],
            (got as Record<string, unknown>)[k],
            tolerance,
          ),
      )
    )
  }
  return want === got
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text
}

/** result.json (its JSON text, null when the run wrote none) against `expect.result`. */
export function checkResult(outputJson: string | null, list: ResultExpectation[]): string | null {
  let root: unknown
  if (outputJson !== null) {
    try {
      root = JSON.parse(outputJson) as unknown
    } catch {
      return 'result.json is not valid JSON.'
    }
  }
  for (const e of list) {
    const steps = parseJsonPath(e.path)
    if ('error' in steps) return `Bad path ${e.path} in the exercise: ${steps.error}.`
    if (outputJson === null) {
      if (e.exists === false) continue
      return `Expected /output/result.json with ${e.path}; the program wrote no result.json.`
    }
    const found = evaluateJsonPath(root, steps)
    if ('missing' in found) {
      if (e.exists === false) continue
      return `Expected ${e.path} in result.json; ${found.missing} is not there.`
    }
    if (e.exists === false) return `Expected no ${e.path} in result.json; it is there.`
    if ('equals' in e && !valuesMatch(e.equals, found.value, e.tolerance ?? 0)) {
      const within = e.tolerance ? ` (within ${e.tolerance})` : ''
      return `Expected ${e.path} to be ${brief(e.equals)}${within}; got ${brief(found.value)}.`
    }
  }
  return null
}

function parseCsv(bytes: Buffer): string[][] {
  const parsed = Papa.parse<string[]>(bytes.toString('utf8'), {
    header: false,
    skipEmptyLines: 'greedy',
  })
  return parsed.data
}

function cellsMatch(want: string, got: string, tolerance: number): boolean {
  if (want === got) return true
  const a = want.trim()
  const b = got.trim()
  if (a !== '' && b !== '') {
    const x = Number(a)
    const y = Number(b)
    if (Number.isFinite(x) && Number.isFinite(y)) return Math.abs(x - y) <= tolerance
  }
  return a === b
}

/** A produced file against the pack's fixture: CSV cell by cell (numbers within `tolerance`), else bytes. */
export function compareFile(
  name: string,
  want: Buffer,
  got: Buffer,
  tolerance: number,
): string | null {
  const csv = name.toLowerCase().endsWith('.csv')
  if (csv && want.length <= MAX_CSV_BYTES && got.length <= MAX_CSV_BYTES) {
    const a = parseCsv(want)
    const b = parseCsv(got)
    if (a.length !== b.length) {
      return `${name}: expected ${a.length} rows, got ${b.length}.`
    }
    for (let r = 0; r < a.length; r++) {
      const wr = a[r] ?? []
      const gr = b[r] ?? []
      if (wr.length !== gr.length) {
        return `${name}, row ${r + 1}: expected ${wr.length} columns, got ${gr.length}.`
      }
      for (let c = 0; c < wr.length; c++) {
        if (!cellsMatch(wr[c] ?? '', gr[c] ?? '', tolerance)) {
          const within = tolerance ? ` (within ${tolerance})` : ''
          return `${name}, row ${r + 1}, column ${c + 1}: expected ${show(wr[c] ?? '')}${within}, got ${show(gr[c] ?? '')}.`
        }
      }
    }
    return null
  }
  if (want.equals(got)) return null
  return `${name} differs from the expected file (${got.length} bytes, expected ${want.length}).`
}
