// The history's first page asked for as the app starts (history-first-page.ts): taken once by the
// opening list, refused when a run changed before it was taken, and never waited for long.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AppEvent, TakoApi, TakoClient } from '../../src/shared/api'
import {
  arrivedFirstPage,
  firstPageArrival,
  resetFirstPage,
  startFirstPage,
  takeFirstPage,
} from '../../src/renderer/src/history-first-page'

type Page = TakoApi['history:list']
const PAGE: Page = { items: [], total: 7, hasMore: false }

/** A client whose `history:list` answers when `answer` is called; events sent with `emit`. */
function fakeClient() {
  let answer: (p: Page) => void = () => undefined
  let fail: (e: Error) => void = () => undefined
  const listeners = new Set<(e: AppEvent) => void>()
  const calls: unknown[] = []
  const client = {
    call: vi.fn((method: string, args: unknown) => {
      calls.push([method, args])
      return new Promise<Page>((resolve, reject) => {
        answer = resolve
        fail = reject
      })
    }),
    subscribe(l: (e: AppEvent) => void) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
  } as unknown as TakoClient
  return {
    client,
    calls,
    listeners,
    answer: (p: Page) => answer(p),
    fail: (e: Error) => fail(e),
    emit: (e: AppEvent) => listeners.forEach((l) => l(e)),
  }
}

afterEach(() => {
  resetFirstPage()
  vi.useRealTimers()
})

describe('the early first page', () => {
  it('asks once for the opening list (newest first, one page) and is taken once', async () => {
    const f = fakeClient()
    startFirstPage(f.client)
    startFirstPage(f.client)
    expect(f.calls).toEqual([['history:list', { sort: 'newest', limit: 100, offset: 0 }]])
    expect(arrivedFirstPage()).toBeNull()
    f.answer(PAGE)
    await firstPageArrival(10_000)
    expect(arrivedFirstPage()).toEqual(PAGE)
    const taken = takeFirstPage()
    expect(taken).not.toBeNull()
    await expect(taken).resolves.toEqual(PAGE)
    expect(takeFirstPage()).toBeNull()
    expect(arrivedFirstPage()).toBeNull()
  })

  it('is not used when a run changed after it was asked for (the list asks again)', () => {
    const f = fakeClient()
    startFirstPage(f.client)
    f.emit({ type: 'run.status', runId: 'r1', status: 'running' })
    expect(takeFirstPage()).toBeNull()
  })

  it('stops listening after it is taken, at the end of the task (the stream stays open until then)', async () => {
    vi.useFakeTimers()
    const f = fakeClient()
    startFirstPage(f.client)
    expect(f.listeners.size).toBe(1)
    expect(takeFirstPage()).not.toBeNull()
    expect(f.listeners.size).toBe(1)
    await vi.runAllTimersAsync()
    expect(f.listeners.size).toBe(0)
  })

  it('is waited for at most the given time, and a failure does not hold the first render', async () => {
    vi.useFakeTimers()
    const f = fakeClient()
    startFirstPage(f.client)
    let done = false
    void firstPageArrival(150).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(149)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(done).toBe(true)

    let failedDone = false
    void firstPageArrival(10_000).then(() => (failedDone = true))
    f.fail(new Error('unreachable'))
    await vi.advanceTimersByTimeAsync(0)
    expect(failedDone).toBe(true)
    await expect(takeFirstPage()).rejects.toThrow('unreachable')
  })

  it('does not hold anything when it was never asked for', async () => {
    expect(takeFirstPage()).toBeNull()
    await expect(firstPageArrival(10_000)).resolves.toBeUndefined()
  })
})
