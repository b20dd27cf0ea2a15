// Teacher mode's form, and what it becomes: the PackDraft the main process writes into a pack,
// and the exercise as a student would see it ("Preview as student"). Pure.
import type { RunDetail } from '../../../../shared/api'
import type {
  ExerciseDetail,
  ExerciseTestView,
  PackDraft,
  TestDraft,
} from '../../../../shared/exercise'

export interface PackForm {
  title: string
  /** The pack's id; follows the title until the teacher edits it. */
  id: string
  idEdited: boolean
  instructions: string
  starter: string
  environment: string
  timeoutS: string
  memoryMb: string
  tests: TestDraft[]
}

/** A pack id from a title: lower case letters, digits and dashes. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '')
  return slug || 'exercise'
}

export function newForm(script: { code: string; environment: string }): PackForm {
  return {
    title: '',
    id: 'exercise',
    idEdited: false,
    instructions: '# Exercise\n\nDescribe what the program should do.\n',
    starter: script.code,
    environment: script.environment,
    timeoutS: '',
    memoryMb: '',
    tests: [],
  }
}

/** A test made from a run: what it printed and wrote, checked by default. */
export function testFromRun(run: RunDetail, taken: readonly TestDraft[]): TestDraft {
  let n = taken.length + 1
  while (taken.some((t) => t.name === `Test ${n}`)) n++
  return {
    name: `Test ${n}`,
    points: 1,
    visibility: 'visible',
    fromRun: run.id,
    expectStdout: run.stdout.trim() ? 'contains' : null,
    expectResult: run.outputJson !== null,
    expectFiles: [],
    existFiles: [],
  }
}

const whole = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined)

export function toPackDraft(form: PackForm): PackDraft {
  const timeoutS = whole(form.timeoutS)
  const memoryMb = whole(form.memoryMb)
  return {
    id: form.id,
    title: form.title.trim(),
    instructions: form.instructions,
    starter: form.starter,
    environment: form.environment,
    ...(timeoutS || memoryMb
      ? { limits: { ...(timeoutS ? { timeoutS } : {}), ...(memoryMb ? { memoryMb } : {}) } }
      : {}),
    // The text of "contains…" counts only while the test checks for it.
    tests: form.tests.map(({ stdoutText, ...t }) =>
      t.expectStdout === 'contains' && stdoutText !== undefined ? { ...t, stdoutText } : t,
    ),
  }
}

/** What is missing before the pack can be exported (empty when nothing is). */
export function formProblems(form: PackForm): string[] {
  const out: string[] = []
  if (!form.title.trim()) out.push('Give the exercise a title.')
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(form.id)) {
    out.push('The id takes lower case letters, digits and dashes.')
  }
  if (form.tests.length === 0) out.push('Add at least one test from a recorded run.')
  const names = form.tests.map((t) => t.name.trim())
  if (names.some((n) => !n)) out.push('Every test needs a name.')
  if (form.tests.some((t) => !(t.points > 0))) out.push('Every test is worth more than 0 points.')
  if (new Set(names).size !== names.length) out.push('Two tests have the same name.')
  for (const t of form.tests) {
    if (!t.expectStdout && !t.expectResult && !t.expectFiles.length && !t.existFiles?.length) {
      out.push(`"${t.name}" checks nothing: choose its output, result.json or files.`)
    }
  }
  return out
}

/** The exercise as a student will see it once the pack is imported. */
export function previewDetail(
  form: PackForm,
  runs: ReadonlyMap<string, RunDetail>,
  defaults: { timeoutS: number; memoryMb: number },
): ExerciseDetail {
  const tests = form.tests.map((t): ExerciseTestView => {
    if (t.visibility === 'hidden') return { visibility: 'hidden', name: t.name, points: t.points }
    const run = runs.get(t.fromRun)
    const stdout = run?.stdout ?? ''
    const contains = t.expectStdout === 'contains'
    const text = contains ? (t.stdoutText ?? stdout.trim()) : stdout
    const input = run?.input
    return {
      visibility: 'visible',
      name: t.name,
      points: t.points,
      ...(input && typeof input === 'object' && Object.keys(input).length
        ? { input_data: input as Record<string, unknown> }
        : {}),
      ...(run?.stdin ? { stdin: run.stdin } : {}),
      expect: {
        ...(t.expectStdout ? { stdout: { [t.expectStdout]: text } } : {}),
        ...(t.expectResult ? { result: [{ path: '$', exists: true }] } : {}),
        files: [
          ...t.expectFiles.map((path) => ({ path, equals_file: path })),
          ...(t.existFiles ?? []).map((path) => ({ path, exists: true })),
        ],
      },
      hasCheck: false,
    }
  })
  const draft = toPackDraft(form)
  return {
    id: draft.id,
    title: draft.title || 'Untitled exercise',
    environment: draft.environment,
    testCount: tests.length,
    maxScore: form.tests.reduce((s, t) => s + t.points, 0),
    importedAt: new Date(0).toISOString(),
    packSha256: '',
    instructions: draft.instructions,
    starter: draft.starter,
    limits: {
      timeoutS: draft.limits?.timeoutS ?? defaults.timeoutS,
      memoryMb: draft.limits?.memoryMb ?? defaults.memoryMb,
    },
    tests,
  }
}
