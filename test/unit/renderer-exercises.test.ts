// The Exercises view's pure parts: a submission's view built from grading events and from the
// stored submission, the progress rows (hidden tests by name only), and teacher mode's form.
import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../../src/shared/api'
import type { ExerciseTestView, SubmissionDetail, TestResult } from '../../src/shared/exercise'
import type { ExerciseEvent } from '../../src/renderer/src/components/exercises/exercise-api'
import {
  applyEvent,
  formatScore,
  progressRows,
  startView,
  viewOfDetail,
} from '../../src/renderer/src/components/exercises/grading-state'
import {
  formProblems,
  newForm,
  previewDetail,
  slugify,
  testFromRun,
  toPackDraft,
} from '../../src/renderer/src/components/exercises/pack-draft'

const tests: ExerciseTestView[] = [
  { visibility: 'visible', name: 'prints the mean', points: 2, hasCheck: false },
  { visibility: 'hidden', name: 'writes result.json', points: 3 },
]

function result(name: string, patch: Partial<TestResult> = {}): TestResult {
  return {
    name,
    score: 0,
    max_score: 2,
    status: 'failed',
    output: 'Expected stdout to contain "2.5"\nGot: "0"',
    visibility: 'visible',
    ...patch,
  }
}

function progress(test: TestResult, done: number, submissionId = 's1'): ExerciseEvent {
  return {
    type: 'exercise.progress',
    submissionId,
    exerciseId: 'ex',
    test,
    index: 0,
    done,
    total: 2,
  }
}

describe('grading view', () => {
  const start = startView({ id: 's1', exerciseId: 'ex', status: 'queued', maxScore: 5 }, 2)

  it('fills in test by test, ignores other submissions, and takes the total at the end', () => {
    let v = applyEvent(start, progress(result('prints the mean'), 1))
    v = applyEvent(v, progress(result('prints the mean', { status: 'passed' }), 1, 'other'))
    expect(v.status).toBe('running')
    expect(v.done).toBe(1)
    expect(progressRows(tests, v).map((r) => [r.state, r.score])).toEqual([
      ['failed', 0],
      ['pending', null],
    ])
    v = applyEvent(v, {
      type: 'exercise.done',
      submissionId: 's1',
      exerciseId: 'ex',
      status: 'done',
      score: 3,
      maxScore: 5,
    })
    // A progress event arriving after the end does not make it running again.
    v = applyEvent(
      v,
      progress(
        result('writes result.json', { status: 'passed', score: 3, visibility: 'hidden' }),
        2,
      ),
    )
    expect(v.status).toBe('done')
    expect(formatScore(v.score, v.maxScore)).toBe('3 / 5')
  })

  it('shows feedback for a failing visible test only, never for a hidden one', () => {
    const v = viewOfDetail({
      id: 's1',
      exerciseId: 'ex',
      createdAt: '2026-12-01T00:00:00Z',
      status: 'done',
      score: 0,
      maxScore: 5,
      code: 'print(0)',
      tests: [],
      total: 2,
      results: {
        score: 0,
        max_score: 5,
        execution_time: 1.2,
        tests: [
          result('prints the mean'),
          result('writes result.json', { output: 'Hidden test: failed.', visibility: 'hidden' }),
        ],
      },
      error: null,
    } satisfies SubmissionDetail)
    const rows = progressRows(tests, v)
    expect(rows[0].feedback).toContain('Expected stdout to contain "2.5"')
    expect(rows[1]).toMatchObject({ state: 'failed', feedback: null, visibility: 'hidden' })
    expect(formatScore(2 / 3, 1)).toBe('0.67 / 1')
    expect(formatScore(null, 5)).toBe('– / 5')
  })
})

const run = {
  id: 'run-1',
  code: 'print(2.5)',
  input: { numbers: [1, 2] },
  stdout: 'Mean: 2.5\n',
  stdin: null,
  outputJson: '{"mean": 2.5}',
  artifacts: [],
} as unknown as RunDetail

describe('teacher mode form', () => {
  it('makes an id from a title', () => {
    expect(slugify('Average of a list!')).toBe('average-of-a-list')
    expect(slugify('Ça va?')).toBe('ca-va')
    expect(slugify('***')).toBe('exercise')
  })

  it('makes a test from a run, named after those taken, checking what it produced', () => {
    const first = testFromRun(run, [])
    expect(first).toMatchObject({
      name: 'Test 1',
      fromRun: 'run-1',
      expectStdout: 'contains',
      expectResult: true,
    })
    expect(testFromRun(run, [{ ...first, name: 'Test 2' }]).name).toBe('Test 3')
  })

  it('names what is missing before export, and makes the draft the writer takes', () => {
    const form = newForm({ code: 'print(2.5)', environment: 'default' })
    expect(formProblems(form)).toEqual([
      'Give the exercise a title.',
      'Add at least one test from a recorded run.',
    ])
    const t = { ...testFromRun(run, []), expectStdout: 'equals' as const, stdoutText: 'x' }
    const ready = { ...form, title: 'Mean', id: 'mean', timeoutS: '10', tests: [t] }
    expect(formProblems(ready)).toEqual([])
    const draft = toPackDraft(ready)
    expect(draft).toMatchObject({ id: 'mean', title: 'Mean', limits: { timeoutS: 10 } })
    // The "contains…" text is dropped once the test checks for equality.
    expect(draft.tests[0]).not.toHaveProperty('stdoutText')
    const nothing = { ...t, expectStdout: null, expectResult: false }
    expect(formProblems({ ...ready, tests: [nothing] })).toEqual([
      '"Test 1" checks nothing: choose its output, result.json or files.',
    ])
  })

  it('previews hidden tests by name and points only', () => {
    const form = {
      ...newForm({ code: 'print(2.5)', environment: 'default' }),
      title: 'Mean',
      tests: [
        testFromRun(run, []),
        { ...testFromRun(run, []), name: 'secret', visibility: 'hidden' as const },
      ],
    }
    const d = previewDetail(form, new Map([['run-1', run]]), { timeoutS: 30, memoryMb: 512 })
    expect(d.maxScore).toBe(2)
    expect(d.tests[1]).toEqual({ visibility: 'hidden', name: 'secret', points: 1 })
    expect(d.tests[0]).toMatchObject({
      visibility: 'visible',
      input_data: { numbers: [1, 2] },
      expect: { stdout: { contains: 'Mean: 2.5' } },
    })
    expect(d.limits).toEqual({ timeoutS: 30, memoryMb: 512 })
  })
})
