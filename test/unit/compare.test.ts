// The run comparison built from our own store, one kind of difference at a time.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { compareRuns } from '../../src/main/app/compare'
import { csvDiff } from '../../src/main/app/compare-artifacts'
import { canonicalNumber, jsonDiff } from '../../src/main/app/compare-json'
import { TEXT_DIFF_LIMITS, textDiff } from '../../src/main/app/compare-text'
import { NotFound } from '../../src/main/app/errors'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { RunStore } from '../../src/main/store/run-store'
import { comparisonDto } from '../../src/main/server/routes-compare'
import { storeRun, type StoredRun } from '../fixtures/stored-run'

let store: RunStore

beforeEach(() => {
  store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'tako-compare-')))
})

function compare(a: StoredRun, b: StoredRun): ReturnType<typeof compareRuns> {
  storeRun(store, 'run-a', a)
  storeRun(store, 'run-b', b)
  return compareRuns(store, 'run-a', 'run-b')
}

const PNG_1 = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108', 'hex')
const PNG_2 = Buffer.from('89504e470d0a1a0a0000000d49484452000000020000000208', 'hex')

describe('compareRuns', () => {
  it('says two runs with the same everything are identical', () => {
    const run: StoredRun = {
      code: 'print(1)\n',
      input: '{"n": 1}',
      output: '{"x": 1}',
      artifacts: { 'a.txt': 'same' },
    }
    const c = compare(run, run)
    expect(c.identical).toBe(true)
    expect(
      [c.code, c.input, c.stdout, c.stderr, c.output, c.artifacts].map((d) => d.identical),
    ).toEqual([true, true, true, true, true, true])
    expect(c.artifacts.same.map((a) => a.name)).toEqual(['a.txt'])
  })

  it('diffs the code by line, with line numbers on each side', () => {
    const c = compare(
      { code: 'a = 1\nb = 2\nprint(a + b)\n' },
      { code: 'a = 1\nb = 3\nprint(a + b)\nprint("done")\n' },
    )
    expect(c.identical).toBe(false)
    expect(c.code).toMatchObject({ identical: false, linesAdded: 2, linesRemoved: 1, cut: null })
    expect(c.code.hunks).toHaveLength(1)
    expect(c.code.hunks[0].lines).toEqual([
      { kind: 'same', text: 'a = 1', beforeLine: 1, afterLine: 1 },
      { kind: 'removed', text: 'b = 2', beforeLine: 2, afterLine: null },
      { kind: 'added', text: 'b = 3', beforeLine: null, afterLine: 2 },
      { kind: 'same', text: 'print(a + b)', beforeLine: 3, afterLine: 3 },
      { kind: 'added', text: 'print("done")', beforeLine: null, afterLine: 4 },
    ])
  })

  it('diffs the input structurally', () => {
    const c = compare({ input: '{"n": 1, "name": "x"}' }, { input: '{"n": 2, "extra": [1]}' })
    expect(c.input.changes).toEqual([
      { path: '$.n', kind: 'changed', before: '1', after: '2', clipped: false },
      { path: '$.name', kind: 'removed', before: '"x"', after: null, clipped: false },
      { path: '$.extra', kind: 'added', before: null, after: '[1]', clipped: false },
    ])
  })

  it('diffs stdout and stderr by line', () => {
    const c = compare(
      { stdout: 'one\ntwo\n', stderr: '' },
      { stdout: 'one\nTWO\n', stderr: 'warning\n' },
    )
    expect(c.stdout).toMatchObject({ linesAdded: 1, linesRemoved: 1 })
    expect(c.stderr).toMatchObject({ linesAdded: 1, linesRemoved: 0 })
    expect(c.stderr.hunks[0].lines).toEqual([
      { kind: 'added', text: 'warning', beforeLine: null, afterLine: 1 },
    ])
  })

  it('diffs result.json by JSON path with exact numbers', () => {
    const c = compare(
      {
        output:
          '{"a": {"b": [1, 2, 3]}, "big": 12345678901234567890, "same": 1.50, "k y": true, "gone": null}',
      },
      {
        output:
          '{"a": {"b": [1, 5]}, "big": 12345678901234567891, "same": 1.5, "k y": false, "new": {"z": 1}}',
      },
    )
    expect(c.output.changes).toEqual([
      { path: '$.a.b[1]', kind: 'changed', before: '2', after: '5', clipped: false },
      { path: '$.a.b[2]', kind: 'removed', before: '3', after: null, clipped: false },
      {
        path: '$.big',
        kind: 'changed',
        before: '12345678901234567890',
        after: '12345678901234567891',
        clipped: false,
      },
      { path: '$["k y"]', kind: 'changed', before: 'true', after: 'false', clipped: false },
      { path: '$.gone', kind: 'removed', before: 'null', after: null, clipped: false },
      { path: '$.new', kind: 'added', before: null, after: '{"z": 1}', clipped: false },
    ])
  })

  it('reports a result.json that appears as added at $', () => {
    const c = compare({ output: null }, { output: '{"x": 1}' })
    expect(c.output.changes).toEqual([
      { path: '$', kind: 'added', before: null, after: '{"x": 1}', clipped: false },
    ])
  })

  it('sorts artifacts into added, removed, changed (by sha256) and same, with their kinds', () => {
    const c = compare(
      {
        artifacts: {
          'plot.png': PNG_1,
          'table.csv': 'x,y\n1,2\n3,4\n',
          'notes.txt': 'a\nb\n',
          'blob.bin': 'x',
          'old.txt': 'bye',
          'keep.txt': 'k',
        },
      },
      {
        artifacts: {
          'plot.png': PNG_2,
          'table.csv': 'x,y\n1,2\n3,5\n',
          'notes.txt': 'a\nc\n',
          'blob.bin': 'y',
          'new.txt': 'hello',
          'keep.txt': 'k',
        },
      },
    )
    const { artifacts } = c
    expect(artifacts.added.map((a) => a.name)).toEqual(['new.txt'])
    expect(artifacts.removed.map((a) => a.name)).toEqual(['old.txt'])
    expect(artifacts.same.map((a) => a.name)).toEqual(['keep.txt'])
    const kinds = Object.fromEntries(artifacts.changed.map((a) => [a.name, a.kind]))
    expect(kinds).toEqual({
      'plot.png': 'image',
      'table.csv': 'csv',
      'notes.txt': 'text',
      'blob.bin': 'binary',
    })
    const png = artifacts.changed.find((a) => a.name === 'plot.png')!
    expect(png.before.sha256).not.toBe(png.after.sha256)
    const csv = artifacts.changed.find((a) => a.name === 'table.csv')!.csv!
    expect(csv.cells).toEqual([{ row: 2, col: 1, before: '4', after: '5' }])
    expect(csv.after).toEqual([
      ['x', 'y'],
      ['1', '2'],
      ['3', '5'],
    ])
    const text = artifacts.changed.find((a) => a.name === 'notes.txt')!.text!
    expect(text).toMatchObject({ linesAdded: 1, linesRemoved: 1 })
  })

  it('does not follow an artifact replaced by a link when it reads content', () => {
    storeRun(store, 'run-a', { artifacts: { 'x.txt': 'one\n' } })
    storeRun(store, 'run-b', { artifacts: { 'x.txt': 'two\n' } })
    const file = path.join(store.artifactsDir('run-b'), 'x.txt')
    fs.rmSync(file)
    fs.symlinkSync('/etc/passwd', file)
    const c = compareRuns(store, 'run-a', 'run-b')
    expect(c.artifacts.changed[0]).toMatchObject({ name: 'x.txt', kind: 'text', text: null })
  })

  it('puts limits, outcome and resource use side by side, absent use as null', () => {
    const c = compare(
      {},
      {
        record: {
          status: 'failed',
          exitCode: 1,
          error: { type: 'value_error', message: 'bad', phase: 'execution' },
          limits: { ...DEFAULT_LIMITS, memoryBytes: 1024 * 1024 * 1024 },
          resourceUsage: {
            maxRssBytes: 50 * 1024 * 1024,
            cpuTimeMs: 120,
            peakPids: 3,
            outputBytes: 10,
          },
        },
      },
    )
    expect(c.identical).toBe(false)
    expect(c.status).toEqual({ before: 'succeeded', after: 'failed', changed: true })
    expect(c.exitCode).toEqual({ before: 0, after: 1, changed: true })
    expect(c.errorType).toEqual({ before: null, after: 'value_error', changed: true })
    expect(c.limits.memoryMb).toEqual({ before: 512, after: 1024, changed: true })
    expect(c.limits.cpus.changed).toBe(false)
    expect(c.resourceUsage.maxRssBytes).toEqual({
      before: null,
      after: 50 * 1024 * 1024,
      changed: true,
    })
  })

  it('refuses an unknown run with NotFound', () => {
    storeRun(store, 'run-a')
    expect(() => compareRuns(store, 'run-a', 'nope')).toThrow(NotFound)
    expect(() => compareRuns(store, '../x', 'run-a')).toThrow(NotFound)
  })
})

describe('bounds', () => {
  it('cuts a 2 MiB stdout to its head and says so', () => {
    const big = (tag: string): string =>
      Array.from({ length: 200_000 }, (_, i) => `${tag} line ${i}`).join('\n')
    const d = textDiff(big('a'), big('b'))
    expect(d.identical).toBe(false)
    expect(d.cut).toMatch(/first 20,000 lines or 512 KiB/)
    expect(d.cut).toMatch(/shown as one replaced block/)
    const shown = d.hunks.reduce((n, h) => n + h.lines.length, 0)
    expect(shown).toBeLessThanOrEqual(TEXT_DIFF_LIMITS.outputLines)
    expect(d.cut).toMatch(/more diff lines are not shown/)
  })

  it('keeps a diff whose only difference lies past the compared head as not identical', () => {
    const head = 'x\n'.repeat(30_000)
    const d = textDiff(`${head}a\n`, `${head}b\n`)
    expect(d).toMatchObject({ identical: false, hunks: [] })
    expect(d.cut).not.toBeNull()
  })

  it('lists at most 1,000 result changes and counts the rest', () => {
    const arr = (v: number): string => JSON.stringify(Array.from({ length: 1500 }, () => v))
    const d = jsonDiff(arr(1), arr(2))
    expect(d.changes).toHaveLength(1000)
    expect(d.cut).toBe('500 more changes are not listed.')
  })

  it('walks a result with a 10 MiB string by path instead of comparing it whole', () => {
    const doc = (c: string): string => JSON.stringify({ s: c.repeat(10 * 1024 * 1024), n: 1 })
    const d = jsonDiff(doc('a'), doc('b'))
    expect(d.changes.map((c) => [c.path, c.kind, c.clipped])).toEqual([['$.s', 'changed', true]])
  })

  it('clips a long value and marks it', () => {
    const d = jsonDiff('{"s": 1}', JSON.stringify({ s: 'x'.repeat(5000) }))
    expect(d.changes[0]).toMatchObject({ path: '$.s', clipped: true })
    expect(d.changes[0].after!.length).toBe(2001)
  })

  it('compares CSV cells within 200 rows and 30 columns and says what was left out', () => {
    const csv = (v: string): string =>
      Array.from({ length: 300 }, (_, r) =>
        Array.from({ length: 40 }, (__, c) => (r === 250 || c === 35 ? v : `${r}.${c}`)).join(','),
      ).join('\n')
    const d = csvDiff(csv('a'), csv('b'))
    expect(d.rows).toEqual({ before: 300, after: 300 })
    expect(d.cols).toEqual({ before: 40, after: 40 })
    expect(d.cells).toEqual([])
    expect(d.before).toHaveLength(200)
    expect(d.before[0]).toHaveLength(30)
    expect(d.cut).toBe('only the first 200 rows and 30 columns were compared.')
  })
})

describe('exact JSON', () => {
  it('spells each number one way', () => {
    expect(canonicalNumber('1.50')).toBe(canonicalNumber('1.5'))
    expect(canonicalNumber('15e-1')).toBe(canonicalNumber('1.5'))
    expect(canonicalNumber('100')).toBe(canonicalNumber('1e2'))
    expect(canonicalNumber('0.0')).toBe(canonicalNumber('-0'.slice(1)))
    expect(canonicalNumber('12345678901234567890')).not.toBe(
      canonicalNumber('12345678901234567891'),
    )
  })

  it('reads escaped keys and strings, and repeated keys as JSON.parse does', () => {
    const d = jsonDiff('{"a\\"b": "\\u00e9", "k": 1, "k": 2}', '{"a\\"b": "é", "k": 2}')
    expect(d).toEqual({ identical: true, changes: [], cut: null })
  })
})

describe('the HTTP shape', () => {
  it('is the same comparison with snake_case keys, JSON values and MB', () => {
    const c = compare(
      { output: '{"v": 1.50}', record: { resourceUsage: null } },
      {
        output: '{"v": 2}',
        record: {
          resourceUsage: {
            maxRssBytes: 3 * 1024 * 1024 + 1,
            cpuTimeMs: 5,
            peakPids: 1,
            outputBytes: 0,
          },
        },
      },
    )
    const dto = comparisonDto(c)
    expect(dto).toMatchObject({
      execution_id: 'run-a',
      with: 'run-b',
      identical: false,
      job_type: { before: 'default', after: 'default', changed: false },
      exit_code: { before: 0, after: 0, changed: false },
      limits: { timeout_s: c.limits.timeoutS, memory_mb: c.limits.memoryMb },
      resource_usage: {
        max_rss_mb: { before: null, after: 3, changed: true },
        cpu_time_ms: { before: null, after: 5, changed: true },
      },
    })
    expect(dto.code).toEqual({
      identical: true,
      lines_added: 0,
      lines_removed: 0,
      hunks: [],
      cut: null,
    })
    const out = dto.output as { changes: { before: { text: string } }[] }
    expect(out.changes[0].before.text).toBe('1.50')
  })
})
