// The history list's rows from events: placed in order, counted, hidden by the filter, paged
// without duplicates; and the throttle that bounds any reload.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunSummary } from '../../src/shared/api'
import {
  appendPage,
  drop,
  EMPTY_ROWS,
  fileCountText,
  latestWins,
  matchesLocally,
  throttle,
  upsert,
} from '../../src/renderer/src/history-rows'

function run(id: string, second: number, patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    status: 'succeeded',
    environment: 'default',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    durationMs: second * 10,
    peakMemoryBytes: null,
    codePreview: '',
    errorType: null,
    parentId: null,
    relationship: null,
    source: 'api',
    ...patch,
  }
}

describe('history rows', () => {
  it('places a new run by the order, replaces a known one, counts only new ones', () => {
    let rows = appendPage(EMPTY_ROWS, [run('c', 3), run('a', 1)], 2, false)
    rows = upsert(rows, run('b', 2), 'newest')
    expect(rows.items.map((r) => r.id)).toEqual(['c', 'b', 'a'])
    expect(rows.total).toBe(3)
    rows = upsert(rows, run('b', 2, { status: 'failed' }), 'newest')
    expect(rows.items.map((r) => [r.id, r.status])).toEqual([
      ['c', 'succeeded'],
      ['b', 'failed'],
      ['a', 'succeeded'],
    ])
    expect(rows.total).toBe(3)
    rows = upsert(rows, run('d', 0), 'duration')
    expect(rows.items.at(-1)?.id).toBe('d')
  })

  it('leaves a run past the loaded rows to its page, and pages without duplicates', () => {
    let rows = appendPage(EMPTY_ROWS, [run('c', 30), run('b', 20)], 5, true)
    rows = upsert(rows, run('old', 1), 'newest')
    expect(rows.items.map((r) => r.id)).toEqual(['c', 'b'])
    expect(rows.total).toBe(6)
    rows = upsert(rows, run('new', 40), 'newest')
    rows = appendPage(rows, [run('b', 20), run('a', 10)], 7, false)
    expect(rows.items.map((r) => r.id)).toEqual(['new', 'c', 'b', 'a'])
  })

  it('counts new runs the filter hides; a deleted run leaves the count and the list', () => {
    const filter = { q: '', status: 'failed', environment: '', sort: 'newest' as const }
    let rows = appendPage(EMPTY_ROWS, [run('f', 5, { status: 'failed' })], 1, false)
    const fresh = run('n', 9, { status: 'queued' })
    expect(matchesLocally(fresh, filter)).toBe(false)
    rows = drop(rows, fresh.id, true)
    rows = drop(rows, fresh.id, true)
    expect(rows.hidden).toEqual(['n'])
    // The shown run that stops matching just leaves (it is not new).
    rows = drop(rows, 'f', true)
    expect(rows.hidden).toEqual(['n'])
    expect(rows.total).toBe(0)
    // The hidden run later matches: shown, no longer hidden.
    rows = upsert(rows, run('n', 9, { status: 'failed' }), 'newest')
    expect(rows.hidden).toEqual([])
    expect(rows.items.map((r) => r.id)).toEqual(['n'])
    rows = drop(rows, 'n', false)
    expect(rows).toMatchObject({ items: [], total: 0, hidden: [] })
  })

  describe('throttle', () => {
    beforeEach(() => vi.useFakeTimers())
    afterEach(() => vi.useRealTimers())

    it('calls at once, then once per interval however many calls come (a burst never postpones it)', () => {
      const fn = vi.fn()
      const t = throttle(fn, 500)
      t()
      expect(fn).toHaveBeenCalledTimes(1)
      // Calls every 100 ms for 2 s: a debounce would never fire; the throttle fires every 500 ms.
      for (let i = 0; i < 20; i++) {
        vi.advanceTimersByTime(100)
        t()
      }
      expect(fn.mock.calls.length).toBeGreaterThanOrEqual(4)
      expect(fn.mock.calls.length).toBeLessThanOrEqual(5)
      t.cancel()
      vi.advanceTimersByTime(1000)
      const n = fn.mock.calls.length
      vi.advanceTimersByTime(1000)
      expect(fn.mock.calls.length).toBe(n)
    })
  })
})

describe('latestWins', () => {
  it('sends one request at a time and only the newest queued ask; superseded asks get null', async () => {
    const sent: string[] = []
    const pending: Array<(v: string) => void> = []
    const ask = latestWins(
      (q: string) =>
        new Promise<string>((resolve) => {
          sent.push(q)
          pending.push(resolve)
        }),
    )
    const a = ask('a')
    const ab = ask('ab')
    const abc = ask('abc')
    expect(sent).toEqual(['a'])
    pending.shift()!('answer a')
    // 'a' was superseded while out; 'ab' was replaced in the queue by 'abc' before it was sent.
    expect(await a).toBeNull()
    expect(await ab).toBeNull()
    expect(sent).toEqual(['a', 'abc'])
    pending.shift()!('answer abc')
    expect(await abc).toBe('answer abc')
  })

  it('rejects with the error of the newest ask, and keeps working after it', async () => {
    let fail = true
    const ask = latestWins(async (q: string) => {
      if (fail) throw new Error(`no ${q}`)
      return q
    })
    await expect(ask('x')).rejects.toThrow('no x')
    fail = false
    expect(await ask('y')).toBe('y')
  })
})

describe("a history row's file counts", () => {
  it('names the files a run wrote and the input files it was given, from its summary', () => {
    expect(fileCountText(run('a', 1))).toBeNull()
    expect(fileCountText(run('a', 1, { artifactCount: 0, inputFileCount: 0 }))).toBeNull()
    expect(fileCountText(run('a', 1, { artifactCount: 1 }))).toBe('1 file')
    expect(fileCountText(run('a', 1, { artifactCount: 12, inputFileCount: 1 }))).toBe(
      '12 files, 1 input file',
    )
    expect(fileCountText(run('a', 1, { inputFileCount: 3 }))).toBe('3 input files')
  })
})
