// exercise.json, checked (see docs/exercise-pack.md): a strict schema (unknown keys refused), then
// what a schema cannot say — every referenced file is in the pack, paths stay inside it, fixtures
// live under fixtures/, JSONPath paths are in the subset, regexes compile and stay short, stdout
// expectations name exactly one kind, test names are unique, the environment exists, inputs fit.
// Every failure is a PackRefused naming the exact reason (HTTP 422).
import { z } from 'zod'
import { EXERCISE_FILE, EXERCISE_FORMAT, type ExerciseSpec } from '../../shared/exercise'
import { REQUEST_LIMIT_BOUNDS } from '../../shared/limit-bounds'
import { findEnvironment, ENVIRONMENTS } from '../environments/catalogue'
import { stdinTooLarge } from '../engine/stdin-channel'
import { parseJsonPath } from '../jobs/grading-jsonpath'
import { regexFlags, regexProblem } from '../jobs/grading-expect'
import { checkArtifactPath } from './artifact-access'
import { InvalidArgument } from './errors'
import { inputProblem } from './run-request'
import { describeIssue } from './zod-issue'

/** A pack that fails its checks; the message is the exact reason (HTTP 422). */
export class PackRefused extends InvalidArgument {
  constructor(reason: string) {
    super(`Pack refused: ${reason}`)
  }
}

export { EXERCISE_FILE }
export const FIXTURES_PREFIX = 'fixtures/'
export const MAX_TESTS = 50
const MAX_TEXT = 1024 * 1024

const packPath = z.string().min(1).max(1024)
const finite = z.number().finite()

const stdoutSchema = z.strictObject({
  equals: z.string().max(MAX_TEXT).optional(),
  contains: z.string().max(MAX_TEXT).optional(),
  regex: z.string().optional(),
  ignore_case: z.boolean().optional(),
  ignore_whitespace: z.boolean().optional(),
})

const resultSchema = z.strictObject({
  path: z.string().min(1),
  equals: z.unknown().optional(),
  exists: z.boolean().optional(),
  tolerance: finite.min(0).optional(),
})

const fileSchema = z.strictObject({
  path: z.string().min(1),
  exists: z.boolean().optional(),
  equals_file: packPath.optional(),
  tolerance: finite.min(0).optional(),
})

const testSchema = z.strictObject({
  name: z.string().min(1).max(200),
  points: finite.positive().max(10_000),
  visibility: z.enum(['visible', 'hidden']),
  input_data: z.record(z.string(), z.unknown()).optional(),
  stdin: z.string().optional(),
  expect: z
    .strictObject({
      stdout: stdoutSchema.optional(),
      result: z.array(resultSchema).max(100).optional(),
      files: z.array(fileSchema).max(100).optional(),
    })
    .optional(),
  check: packPath.optional(),
  fixtures: z.array(packPath).max(100).optional(),
})

const { timeoutS, memoryMb } = REQUEST_LIMIT_BOUNDS

const specSchema = z.strictObject({
  format: z.literal(EXERCISE_FORMAT),
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    )
    .refine((s) => !s.includes('..'), 'must not contain ".."'),
  title: z.string().min(1).max(200),
  instructions: packPath,
  environment: z.string().min(1).max(64),
  limits: z
    .strictObject({
      timeout: z.number().int().min(timeoutS.min).max(timeoutS.max).optional(),
      memory_mb: z.number().int().min(memoryMb.min).max(memoryMb.max).optional(),
    })
    .optional(),
  starter: packPath,
  tests: z.array(testSchema).min(1).max(MAX_TESTS),
})

/** A path of the pack: plain relative segments that stay inside it. */
export function checkPackPath(p: string, where: string): void {
  try {
    checkArtifactPath(p)
  } catch {
    throw new PackRefused(`${where}: ${JSON.stringify(p)} is not a plain path inside the pack`)
  }
}

function needFile(files: ReadonlySet<string>, p: string, where: string): void {
  checkPackPath(p, where)
  if (!files.has(p)) throw new PackRefused(`${where}: ${JSON.stringify(p)} is not in the pack`)
}

function needFixture(files: ReadonlySet<string>, p: string, where: string): void {
  needFile(files, p, where)
  if (!p.startsWith(FIXTURES_PREFIX)) {
    throw new PackRefused(`${where}: ${JSON.stringify(p)} must be under ${FIXTURES_PREFIX}`)
  }
}

function checkTest(t: ExerciseSpec['tests'][number], i: number, files: ReadonlySet<string>): void {
  const at = `tests[${i}] (${JSON.stringify(t.name)})`
  const stdout = t.expect?.stdout
  if (stdout) {
    const kinds = (['equals', 'contains', 'regex'] as const).filter((k) => stdout[k] !== undefined)
    if (kinds.length !== 1) {
      throw new PackRefused(
        `${at}: expect.stdout needs exactly one of equals, contains, regex (it has ${kinds.length === 0 ? 'none' : kinds.join(', ')})`,
      )
    }
    if (stdout.regex !== undefined) {
      const why = regexProblem(stdout.regex, regexFlags(stdout))
      if (why) throw new PackRefused(`${at}: expect.stdout.regex is not usable: ${why}`)
    }
  }
  for (const [j, r] of (t.expect?.result ?? []).entries()) {
    const where = `${at}: expect.result[${j}]`
    const steps = parseJsonPath(r.path)
    if ('error' in steps) {
      throw new PackRefused(`${where}: path ${JSON.stringify(r.path)} ${steps.error}`)
    }
    if ('equals' in r === (r.exists !== undefined)) {
      throw new PackRefused(`${where} needs exactly one of equals, exists`)
    }
  }
  for (const [j, f] of (t.expect?.files ?? []).entries()) {
    const where = `${at}: expect.files[${j}]`
    try {
      checkArtifactPath(f.path)
    } catch {
      throw new PackRefused(`${where}: ${JSON.stringify(f.path)} is not a plain path in /output`)
    }
    if ((f.exists !== undefined) === (f.equals_file !== undefined)) {
      throw new PackRefused(`${where} needs exactly one of exists, equals_file`)
    }
    if (f.equals_file !== undefined) needFixture(files, f.equals_file, `${where}.equals_file`)
  }
  if (t.check !== undefined) {
    needFile(files, t.check, `${at}: check`)
    if (!t.check.endsWith('.py')) {
      throw new PackRefused(`${at}: check ${JSON.stringify(t.check)} is not a .py file`)
    }
  }
  for (const f of t.fixtures ?? []) needFixture(files, f, `${at}: fixtures`)
  if (t.input_data !== undefined) {
    const why = inputProblem(t.input_data)
    if (why) throw new PackRefused(`${at}: ${why}`)
  }
  if (t.stdin !== undefined) {
    const why = stdinTooLarge(0, t.stdin)
    if (why) throw new PackRefused(`${at}: ${why}`)
  }
}

/** Parses and checks exercise.json against the pack's file list; PackRefused with the reason. */
export function parseExerciseSpec(text: string, files: ReadonlySet<string>): ExerciseSpec {
  let raw: unknown
  try {
    raw = JSON.parse(text) as unknown
  } catch (err) {
    throw new PackRefused(`${EXERCISE_FILE} is not valid JSON (${(err as Error).message})`)
  }
  const parsed = specSchema.safeParse(raw)
  if (!parsed.success) {
    throw new PackRefused(`${EXERCISE_FILE}: ${describeIssue(parsed.error, raw)}`)
  }
  const spec = parsed.data
  if (!findEnvironment(spec.environment)) {
    throw new PackRefused(
      `environment ${JSON.stringify(spec.environment)} does not exist (known: ${ENVIRONMENTS.map((e) => e.name).join(', ')})`,
    )
  }
  needFile(files, spec.instructions, 'instructions')
  needFile(files, spec.starter, 'starter')
  const names = new Set<string>()
  spec.tests.forEach((t, i) => {
    if (names.has(t.name)) throw new PackRefused(`two tests are named ${JSON.stringify(t.name)}`)
    names.add(t.name)
    checkTest(t, i, files)
  })
  return spec
}
