import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Stop } from '../../src/main/engine/outcome'
import { Watchdog } from '../../src/main/engine/watchdog'

function dog(signal?: AbortSignal): { w: Watchdog; kills: [string, Stop][] } {
  const kills: [string, Stop][] = []
  const w = new Watchdog({
    kill: (id, stop) => kills.push([id, stop]),
    killGraceMs: 10,
    ...(signal ? { signal } : {}),
  })
  return { w, kills }
}

describe('Watchdog', () => {
  it('records exactly one stop reason: the first one wins', () => {
    const { w, kills } = dog()
    w.attach('c1')
    w.stop({ reason: 'output_limit' })
    w.stop({ reason: 'timeout' })
    w.stop({ reason: 'disk_floor', message: 'x' })
    expect(w.recorded).toEqual({ reason: 'output_limit' })
    expect(kills).toEqual([['c1', { reason: 'output_limit' }]])
  })

  it('a stop before the container exists kills it once it is attached', () => {
    const abort = new AbortController()
    const { w, kills } = dog(abort.signal)
    abort.abort()
    expect(kills).toEqual([])
    w.attach('c2')
    expect(kills).toEqual([['c2', { reason: 'cancelled' }]])
  })

  it('an already aborted signal is a cancel from the start', () => {
    const { w } = dog(AbortSignal.abort())
    expect(w.recorded).toEqual({ reason: 'cancelled' })
  })

  it('fires the timeout, and releases `stopped` when the daemon never reports the exit', async () => {
    const { w, kills } = dog()
    w.attach('c3')
    w.startTimer(5)
    expect(await w.stopped).toBe('stopped')
    expect(kills).toEqual([['c3', { reason: 'timeout' }]])
  })

  it('after finish, nothing is killed; a reason found later is still recorded', async () => {
    const abort = new AbortController()
    const { w, kills } = dog(abort.signal)
    w.attach('c4')
    let disposed = 0
    w.onFinish(() => disposed++)
    w.startTimer(5)
    w.finish()
    abort.abort()
    await new Promise((r) => setTimeout(r, 20))
    expect(w.recorded).toBeNull()
    expect(disposed).toBe(1)
    w.stop({ reason: 'daemon_gone', message: 'gone' })
    expect(w.recorded).toEqual({ reason: 'daemon_gone', message: 'gone' })
    expect(kills).toEqual([])
  })
})

describe('Watchdog clock while a run waits for input', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('wall time spent waiting does not count; the rest of the time limit still does', () => {
    vi.useFakeTimers()
    const { w, kills } = dog()
    w.attach('c1')
    w.startTimer(1000, { inputWaitMs: 60_000 })
    vi.advanceTimersByTime(500)
    w.pauseClock()
    vi.advanceTimersByTime(30_000)
    expect(w.recorded).toBeNull()
    w.resumeClock()
    vi.advanceTimersByTime(499)
    expect(w.recorded).toBeNull()
    vi.advanceTimersByTime(2)
    expect(w.recorded).toEqual({ reason: 'timeout' })
    expect(kills).toHaveLength(1)
    w.finish()
  })

  it('waits together may last the input-wait ceiling, then the run ends as timeout saying so', () => {
    vi.useFakeTimers()
    const { w } = dog()
    w.attach('c1')
    w.startTimer(1000, { inputWaitMs: 10_000 })
    w.pauseClock()
    vi.advanceTimersByTime(6_000)
    w.resumeClock()
    vi.advanceTimersByTime(100)
    w.pauseClock()
    vi.advanceTimersByTime(3_999)
    expect(w.recorded).toBeNull()
    vi.advanceTimersByTime(2)
    expect(w.recorded?.reason).toBe('timeout')
    expect(w.recorded?.message).toMatch(/waited for input for more than 10 s/)
    w.finish()
  })

  it('CPU time used while "waiting" counts toward the time limit', async () => {
    vi.useFakeTimers()
    const { w } = dog()
    let cpuNs = 5e9
    w.attach('c1')
    w.startTimer(2000, { inputWaitMs: 600_000, pollMs: 100, cpuNs: async () => cpuNs })
    w.pauseClock()
    await vi.advanceTimersByTimeAsync(0)
    for (let i = 0; i < 19 && !w.recorded; i++) {
      cpuNs += 1e8 // 100 ms of CPU per 100 ms: a script computing while it claims to wait
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(w.recorded).toBeNull()
    cpuNs += 2e8
    await vi.advanceTimersByTimeAsync(100)
    expect(w.recorded).toEqual({ reason: 'timeout' })
    w.finish()
  })

  it('a pause asked before the clock starts takes effect when it starts', () => {
    vi.useFakeTimers()
    const { w } = dog()
    w.attach('c1')
    w.pauseClock()
    w.startTimer(1000, { inputWaitMs: 60_000 })
    vi.advanceTimersByTime(5_000)
    expect(w.recorded).toBeNull()
    w.resumeClock()
    vi.advanceTimersByTime(1_001)
    expect(w.recorded).toEqual({ reason: 'timeout' })
    w.finish()
  })
})
