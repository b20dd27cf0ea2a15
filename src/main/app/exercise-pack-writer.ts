// Teacher mode's pack writer (see docs/exercise-pack.md, 'Teacher mode'): a PackDraft and the
// recorded runs it names become an exercise pack — exercise.json, instructions.md, starter.py and
// fixtures/ — zipped with fflate. Each test is made from what its run was given (input, stdin) and
// what it produced (stdout, result.json, artifacts), so the solution that made the runs passes.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { zipSync, type Zippable } from 'fflate'
import type {
  ExerciseSpec,
  ExerciseTestSpec,
  PackDraft,
  ResultExpectation,
  TestDraft,
} from '../../shared/exercise'
import { EXERCISE_FORMAT } from '../../shared/exercise'
import type { RunRecord } from '../../shared/record'
import { STDOUT_FILE, type RunStore } from '../store/run-store'
import { openArtifact } from './artifact-access'
import { FailedPrecondition, InvalidArgument, NotFound } from './errors'

/** What one pack may hold (see docs/exercise-pack.md, 'Teacher mode'). */
export const PACK_WRITE_LIMITS = Object.freeze({
  fileBytes: 16 * 1024 * 1024,
  totalBytes: 64 * 1024 * 1024,
  /** The reader takes at most 100 `expect.result` checks per test. */
  resultValues: 100,
  resultDepth: 16,
})

/** Numbers in result.json and CSV fixtures compare within this tolerance. */
export const DEFAULT_TOLERANCE = 1e-9

/** A key the reader's JSONPath subset can name as `.key` (see jobs/grading-jsonpath.ts). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** The pack's file name for a draft. */
export function packFileName(draft: Pick<PackDraft, 'id'>): string {
  return `${draft.id}.zip`
}

/**
 * result.json as a list of checks, one per value (`$.a.b[0]` paths, numbers within the
 * tolerance). An object with a key the path subset cannot name is checked as a whole.
 */
export function resultExpectations(value: unknown): ResultExpectation[] {
  const out: ResultExpectation[] = []
  const walk = (v: unknown, at: string, depth: number): void => {
    if (v !== null && typeof v === 'object' && depth < PACK_WRITE_LIMITS.resultDepth) {
      const parts: [string, unknown][] | null = Array.isArray(v)
        ? v.map((x, i) => [`[${i}]`, x])
        : Object.keys(v).every((k) => IDENTIFIER.test(k))
          ? Object.entries(v).map(([k, x]) => [`.${k}`, x])
          : null
      if (parts && parts.length > 0) {
        for (const [step, x] of parts) walk(x, at + step, depth + 1)
        return
      }
    }
    if (out.length >= PACK_WRITE_LIMITS.resultValues) {
      throw new InvalidArgument(
        `result.json holds more than ${PACK_WRITE_LIMITS.resultValues} values: too many to check one by one`,
      )
    }
    out.push(
      typeof v === 'number'
        ? { path: at, equals: v, tolerance: DEFAULT_TOLERANCE }
        : { path: at, equals: v },
    )
  }
  walk(value, '$', 0)
  return out
}

function finishedRun(store: RunStore, test: TestDraft): RunRecord {
  const rec = store.get(test.fromRun)
  if (!rec) throw new NotFound(`Test "${test.name}": run ${test.fromRun} not found`)
  if (rec.status !== 'succeeded') {
    throw new FailedPrecondition(
      `Test "${test.name}": run ${test.fromRun} ended ${rec.status}; a test is made from a successful run of the solution`,
    )
  }
  return rec
}

function stdoutExpectation(
  store: RunStore,
  rec: RunRecord,
  test: TestDraft,
): ExerciseTestSpec['expect'] {
  if (test.expectStdout === null) return {}
  if (rec.stdoutTruncated) {
    throw new FailedPrecondition(
      `Test "${test.name}": run ${rec.id} printed more than was kept, so its stdout cannot be expected`,
    )
  }
  const stdout = store.readText(rec.id, STDOUT_FILE)
  const text = test.stdoutText ?? (test.expectStdout === 'contains' ? stdout.trim() : stdout)
  const found = test.expectStdout === 'equals' ? text === stdout : stdout.includes(text)
  if (!found || (test.expectStdout === 'contains' && text === '')) {
    throw new InvalidArgument(
      `Test "${test.name}": the expected text is not what run ${rec.id} printed, so the solution would fail its own test`,
    )
  }
  return { stdout: { [test.expectStdout]: text } }
}

/** Reads artifact `name` of a run, within the pack's file limit. */
function artifactBytes(store: RunStore, rec: RunRecord, name: string, test: TestDraft): Buffer {
  let opened
  try {
    opened = openArtifact(store, rec.id, name)
  } catch (err) {
    throw new InvalidArgument(
      `Test "${test.name}": run ${rec.id} has no file ${JSON.stringify(name)} (${(err as Error).message})`,
    )
  }
  try {
    if (opened.size > PACK_WRITE_LIMITS.fileBytes) {
      throw new InvalidArgument(
        `Test "${test.name}": ${JSON.stringify(name)} is ${opened.size} bytes, more than the ${PACK_WRITE_LIMITS.fileBytes} a pack file may have`,
      )
    }
    return fs.readFileSync(opened.fd)
  } finally {
    fs.closeSync(opened.fd)
  }
}

/** One test of exercise.json, and the fixture files it brings into the pack. */
function testFromRun(
  store: RunStore,
  test: TestDraft,
  index: number,
  files: Zippable,
): ExerciseTestSpec {
  const rec = finishedRun(store, test)
  const input = store.readInput(rec.id)
  const stdin = store.readStdin(rec.id)
  const expect: NonNullable<ExerciseTestSpec['expect']> = { ...stdoutExpectation(store, rec, test) }
  if (test.expectResult) {
    const json = store.readOutput(rec.id)
    if (json === null) {
      throw new InvalidArgument(`Test "${test.name}": run ${rec.id} wrote no result.json`)
    }
    expect.result = resultExpectations(JSON.parse(json))
  }
  const fileChecks: NonNullable<NonNullable<ExerciseTestSpec['expect']>['files']> = []
  for (const name of test.expectFiles) {
    const fixture = `fixtures/test-${index + 1}/${name}`
    files[fixture] = artifactBytes(store, rec, name, test)
    fileChecks.push({
      path: name,
      equals_file: fixture,
      ...(/\.csv$/i.test(name) ? { tolerance: DEFAULT_TOLERANCE } : {}),
    })
  }
  for (const name of test.existFiles ?? []) {
    if (!rec.artifacts.some((a) => a.name === name)) {
      throw new InvalidArgument(
        `Test "${test.name}": run ${rec.id} has no file ${JSON.stringify(name)}`,
      )
    }
    fileChecks.push({ path: name, exists: true })
  }
  if (fileChecks.length) expect.files = fileChecks
  if (!expect.stdout && !expect.result && !expect.files) {
    throw new InvalidArgument(
      `Test "${test.name}" checks nothing: expect its stdout, result.json or files`,
    )
  }
  const isObject = input !== null && typeof input === 'object' && !Array.isArray(input)
  return {
    name: test.name,
    points: test.points,
    visibility: test.visibility,
    ...(isObject && Object.keys(input).length
      ? { input_data: input as Record<string, unknown> }
      : {}),
    ...(stdin ? { stdin } : {}),
    expect,
  }
}

/** The pack's files for a draft (exercise.json first), read from the runs its tests name. */
export function packFiles(store: RunStore, draft: PackDraft): Zippable {
  const names = new Set<string>()
  for (const t of draft.tests) {
    if (names.has(t.name)) throw new InvalidArgument(`Two tests are named "${t.name}"`)
    names.add(t.name)
  }
  const fixtures: Zippable = {}
  const tests = draft.tests.map((t, i) => testFromRun(store, t, i, fixtures))
  const spec: ExerciseSpec = {
    format: EXERCISE_FORMAT,
    id: draft.id,
    title: draft.title,
    instructions: 'instructions.md',
    environment: draft.environment,
    ...(draft.limits && (draft.limits.timeoutS || draft.limits.memoryMb)
      ? {
          limits: {
            ...(draft.limits.timeoutS ? { timeout: draft.limits.timeoutS } : {}),
            ...(draft.limits.memoryMb ? { memory_mb: draft.limits.memoryMb } : {}),
          },
        }
      : {}),
    starter: 'starter.py',
    tests,
  }
  const text = new TextEncoder()
  const files: Zippable = {
    'exercise.json': text.encode(`${JSON.stringify(spec, null, 2)}\n`),
    'instructions.md': text.encode(draft.instructions),
    'starter.py': text.encode(draft.starter),
    ...fixtures,
  }
  let total = 0
  for (const bytes of Object.values(files)) total += (bytes as Uint8Array).length
  if (total > PACK_WRITE_LIMITS.totalBytes) {
    throw new InvalidArgument(
      `The pack would hold ${total} bytes, more than the ${PACK_WRITE_LIMITS.totalBytes} a pack may have`,
    )
  }
  // The sha256 manifest the reader checks every file against (integrity, not secrecy).
  const manifest = {
    format: 1,
    files: Object.keys(files)
      .sort()
      .map((name) => {
        const bytes = files[name] as Uint8Array
        return {
          path: name,
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        }
      }),
  }
  return { ...files, 'manifest.json': text.encode(`${JSON.stringify(manifest, null, 2)}\n`) }
}

/** The pack as a zip. */
export function buildPackZip(store: RunStore, draft: PackDraft): Uint8Array {
  return zipSync(packFiles(store, draft), { level: 6 })
}

/** Writes the pack to a path the person picks; `{ cancelled: true }` when they cancel the dialog. */
export async function exportPackToFile(
  store: RunStore,
  draft: PackDraft,
  chooseSavePath: ((suggestedName: string, kind: 'exercise') => Promise<string | null>) | undefined,
): Promise<{ path: string } | { cancelled: true }> {
  const zip = buildPackZip(store, draft)
  if (!chooseSavePath) {
    throw new FailedPrecondition(
      'This transport cannot save files: use exercises:buildPack instead',
    )
  }
  const target = await chooseSavePath(packFileName(draft), 'exercise')
  if (target === null) return { cancelled: true }
  // A complete file or none: written beside the target, then renamed into place.
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`,
  )
  try {
    fs.writeFileSync(tmp, zip, { flag: 'wx', mode: 0o644 })
    fs.renameSync(tmp, target)
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw err
  }
  return { path: target }
}
