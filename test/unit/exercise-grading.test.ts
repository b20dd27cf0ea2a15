// The pure parts of grading: the JSONPath subset, stdout / result.json / file expectations (CSV cell
// by cell with a tolerance), a catastrophic regex stopped, what a check may print, and how scores
// and hidden tests are reported.
import { describe, expect, it } from 'vitest'
import { buildContainerSpec, type RunSpecInput } from '../../src/main/engine/container-spec'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import {
  checkResult,
  checkStdout,
  compareFile,
  regexTest,
  valuesMatch,
} from '../../src/main/jobs/grading-expect'
import { evaluateJsonPath, parseJsonPath } from '../../src/main/jobs/grading-jsonpath'
import {
  gradingResults,
  HIDDEN_FAILED,
  HIDDEN_PASSED,
  parseCheckOutput,
  studentView,
  testResult,
} from '../../src/main/jobs/grading-results'

describe('the JSONPath subset', () => {
  it('parses $, .key and [n], and nothing else', () => {
    expect(parseJsonPath('$')).toEqual([])
    expect(parseJsonPath('$.a.b_c[0][12].d-e')).toEqual([
      { key: 'a' },
      { key: 'b_c' },
      { index: 0 },
      { index: 12 },
      { key: 'd-e' },
    ])
    for (const bad of ['a.b', '$..a', '$[*]', '$.a[-1]', "$['a']", '$.a[01]', '$.', '$[?(@)]']) {
      expect(parseJsonPath(bad), bad).toHaveProperty('error')
    }
  })

  it('finds values and names the first step that is missing', () => {
    const doc = { a: { b: [1, { c: null }] } }
    const at = (p: string): unknown => evaluateJsonPath(doc, parseJsonPath(p) as never)
    expect(at('$.a.b[1].c')).toEqual({ value: null })
    expect(at('$.a.b[2]')).toEqual({ missing: '$.a.b[2]' })
    expect(at('$.a.x.y')).toEqual({ missing: '$.a.x' })
    expect(at('$.a.b.c')).toEqual({ missing: '$.a.b.c' })
    expect(evaluateJsonPath({}, [{ key: 'constructor' }])).toEqual({ missing: '$.constructor' })
  })
})

describe('stdout expectations', () => {
  it('equals, contains and regex with ignore_case and ignore_whitespace', () => {
    expect(checkStdout('The mean is 2.5\n', { contains: '2.5' })).toBeNull()
    expect(checkStdout('2.5\n', { equals: '2.5' })).toBeNull()
    expect(
      checkStdout('  THE  mean\n is 2.5 ', {
        equals: 'the mean is 2.5',
        ignore_case: true,
        ignore_whitespace: true,
      }),
    ).toBeNull()
    expect(
      checkStdout('The mean is 2.5', { regex: '^the mean is \\d+\\.\\d+$', ignore_case: true }),
    ).toBeNull()
    expect(checkStdout('nothing', { contains: '2.5' })).toBe(
      'Expected the output to contain "2.5"; got "nothing".',
    )
    expect(checkStdout('x', { equals: 'y' })).toBe('Expected the output "y"; got "x".')
  })

  it('stops a catastrophic regex instead of hanging', () => {
    expect(regexTest(/^(a+)+$/, `${'a'.repeat(40)}b`)).toBe('timeout')
    expect(checkStdout(`${'a'.repeat(40)}b`, { regex: '^(a+)+$' })).toBe(
      'The output could not be matched against /^(a+)+$/ within 250 ms.',
    )
  })
})

describe('result.json expectations', () => {
  it('compares numbers within the tolerance and says what it got', () => {
    expect(
      checkResult('{"mean": 15.0000000001}', [{ path: '$.mean', equals: 15, tolerance: 1e-6 }]),
    ).toBeNull()
    expect(checkResult('{"mean": 14.5}', [{ path: '$.mean', equals: 15, tolerance: 1e-9 }])).toBe(
      'Expected $.mean to be 15 (within 1e-9); got 14.5.',
    )
    expect(checkResult(null, [{ path: '$.mean', equals: 15 }])).toBe(
      'Expected /output/result.json with $.mean; the program wrote no result.json.',
    )
    expect(checkResult('{"a": 1}', [{ path: '$.b', exists: false }])).toBeNull()
    expect(checkResult('{"a": 1}', [{ path: '$.a', exists: false }])).toBe(
      'Expected no $.a in result.json; it is there.',
    )
    expect(valuesMatch({ a: [1, 2] }, { a: [1, 2.0000001] }, 1e-3)).toBe(true)
    expect(valuesMatch({ a: 1 }, { a: 1, b: 2 }, 0)).toBe(false)
  })
})

describe('file expectations', () => {
  it('compares CSV cell by cell with a numeric tolerance, other files by bytes', () => {
    const want = Buffer.from('count,mean\n3,5\n')
    expect(
      compareFile('s.csv', want, Buffer.from('count,mean\r\n3,5.0000000001\r\n'), 1e-6),
    ).toBeNull()
    expect(compareFile('s.csv', want, Buffer.from('count,mean\n3,5.1\n'), 1e-6)).toBe(
      's.csv, row 2, column 2: expected "5" (within 0.000001), got "5.1".',
    )
    expect(compareFile('s.csv', want, Buffer.from('count,mean\n'), 0)).toBe(
      's.csv: expected 2 rows, got 1.',
    )
    expect(compareFile('p.png', Buffer.from([1, 2]), Buffer.from([1, 2]), 0)).toBeNull()
    expect(compareFile('p.png', Buffer.from([1, 2]), Buffer.from([1, 3, 4]), 0)).toBe(
      'p.png differs from the expected file (3 bytes, expected 2).',
    )
  })
})

describe("a check's output and the scores", () => {
  it('takes exactly one JSON object with a score from 0 to 1', () => {
    expect(parseCheckOutput(' {"score": 0.5, "message": "half"}\n')).toEqual({
      score: 0.5,
      message: 'half',
    })
    expect(parseCheckOutput('{"score": 1}')).toEqual({ score: 1, message: '' })
    for (const bad of [
      '',
      'ok',
      '{"score": 2}',
      '{"score": "1"}',
      '[1]',
      '{"score": 1}{"score": 1}',
      '{"score": 1, "points": 3}',
      '{"score": 1, "message": 3}',
    ]) {
      expect(parseCheckOutput(bad), bad).toHaveProperty('error')
    }
  })

  it("scores without float noise, hides hidden tests' output, keeps Gradescope's fields", () => {
    const t = testResult({ name: 'x', points: 0.3, visibility: 'hidden' }, 1 / 3, 'secret detail')
    expect(t.score).toBe(0.1)
    expect(t.status).toBe('failed')
    expect(studentView(t).output).toBe(HIDDEN_FAILED)
    const passed = testResult({ name: 'y', points: 0.2, visibility: 'hidden' }, 1, 'secret')
    expect(studentView(passed).output).toBe(HIDDEN_PASSED)
    const visible = testResult(
      { name: 'z', points: 1, visibility: 'visible' },
      0,
      'expected 1, got 2',
    )
    expect(studentView(visible).output).toBe('expected 1, got 2')
    const r = gradingResults([t, passed, visible], 1234.4)
    expect(r).toEqual({
      score: 0.3,
      max_score: 1.5,
      execution_time: 1.234,
      tests: [t, passed, visible],
    })
  })
})

describe("a check container's read-only folders", () => {
  const run: RunSpecInput = {
    runId: 'r1',
    sessionId: 's1',
    image: 'tako-vm/default:x',
    limits: DEFAULT_LIMITS,
    user: { uid: 1001, gid: 1001 },
    codeFile: '/data/r1/main.py',
    inputFile: '/data/r1/input.json',
    outputDir: '/data/r1/artifacts',
  }

  it("are bound read-only after the run's own mounts", () => {
    const spec = buildContainerSpec({
      ...run,
      mounts: [
        { host: '/data/stage/x/submission', container: '/submission' },
        { host: '/data/stage/x/fixtures', container: '/fixtures' },
      ],
    })
    expect(spec.HostConfig?.Binds).toEqual([
      '/data/r1/main.py:/code/main.py:ro',
      '/data/r1/input.json:/input/data.json:ro',
      '/data/r1/artifacts:/output:rw',
      '/data/stage/x/submission:/submission:ro',
      '/data/stage/x/fixtures:/fixtures:ro',
    ])
    expect(spec.HostConfig?.ReadonlyRootfs).toBe(true)
  })

  it("never over one of the run's own paths, nor from a path Docker would read differently", () => {
    for (const m of [
      { host: '/data/x', container: '/output' },
      { host: '/data/x', container: '/code' },
      { host: '/data/x', container: '/tmp' },
      { host: '/data/x', container: '/output/sub' },
      { host: '/data/x', container: '/' },
      { host: 'relative', container: '/submission' },
      { host: '/data/x:/etc', container: '/submission' },
      { host: '/data/x,rw', container: '/submission' },
    ]) {
      expect(() => buildContainerSpec({ ...run, mounts: [m] }), JSON.stringify(m)).toThrow(
        'refused mount',
      )
    }
  })
})
