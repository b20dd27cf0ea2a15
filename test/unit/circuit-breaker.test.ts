import { describe, expect, it } from 'vitest'
import { CircuitBreaker } from '../../src/main/jobs/circuit-breaker'

function withClock(): { breaker: CircuitBreaker; advance: (ms: number) => void } {
  let now = Date.UTC(2026, 11, 1, 12, 0, 0)
  const breaker = new CircuitBreaker({ now: () => now })
  return {
    breaker,
    advance: (ms) => {
      now += ms
    },
  }
}

/** A breaker that five failures in a row have just opened. */
function opened(): ReturnType<typeof withClock> {
  const clocked = withClock()
  for (let i = 0; i < 5; i++) clocked.breaker.recordFailure()
  return clocked
}

describe('CircuitBreaker (Tako VM: 5 failures, 30 s recovery, 2 successes)', () => {
  it('starts closed with nothing counted', () => {
    expect(new CircuitBreaker().snapshot()).toEqual({
      state: 'closed',
      failure_count: 0,
      success_count: 0,
      last_failure: null,
    })
  })

  it('stays closed below five failures in a row; a success in between starts the count again', () => {
    const { breaker } = withClock()
    for (let i = 0; i < 4; i++) breaker.recordFailure()
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failure_count: 4 })
    breaker.recordSuccess()
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      failure_count: 0,
      success_count: 1,
    })
    for (let i = 0; i < 4; i++) breaker.recordFailure()
    expect(breaker.state).toBe('closed')
  })

  it('opens at the fifth failure and records when it happened', () => {
    const { breaker } = withClock()
    for (let i = 0; i < 5; i++) breaker.recordFailure()
    expect(breaker.snapshot()).toEqual({
      state: 'open',
      failure_count: 5,
      success_count: 0,
      last_failure: '2026-12-01T12:00:00.000Z',
    })
  })

  it('ignores successes while open, turns half-open 30 s after the last failure', () => {
    const { breaker, advance } = opened()
    advance(29_999)
    breaker.recordSuccess()
    expect(breaker.snapshot()).toMatchObject({ state: 'open', success_count: 0 })
    advance(1)
    expect(breaker.state).toBe('half_open')
  })

  it('a failure while open restarts the recovery time', () => {
    const { breaker, advance } = opened()
    advance(20_000)
    breaker.recordFailure()
    advance(20_000)
    expect(breaker.state).toBe('open')
    advance(10_000)
    expect(breaker.state).toBe('half_open')
  })

  it('closes after two successes half-open', () => {
    const { breaker, advance } = opened()
    advance(30_000)
    breaker.recordSuccess()
    expect(breaker.snapshot()).toMatchObject({ state: 'half_open', success_count: 1 })
    breaker.recordSuccess()
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      failure_count: 0,
      success_count: 2,
      last_failure: '2026-12-01T12:00:00.000Z',
    })
  })

  it('a failure half-open opens it again for another 30 s', () => {
    const { breaker, advance } = opened()
    advance(30_000)
    breaker.recordSuccess()
    breaker.recordFailure()
    expect(breaker.snapshot()).toMatchObject({ state: 'open', success_count: 0 })
    advance(29_000)
    expect(breaker.state).toBe('open')
    advance(1_000)
    expect(breaker.state).toBe('half_open')
  })

  it('reads runs: service_unavailable fails, a started container succeeds, a run that never started counts for nothing', () => {
    const { breaker } = withClock()
    const unavailable = {
      error: {
        type: 'service_unavailable' as const,
        message: 'Docker is not reachable',
        phase: null,
      },
      startedAt: null,
    }
    breaker.recordRun(unavailable)
    expect(breaker.snapshot()).toMatchObject({ failure_count: 1 })
    breaker.recordRun({
      error: { type: 'image_missing', message: 'not built', phase: null },
      startedAt: null,
    })
    expect(breaker.snapshot()).toMatchObject({ failure_count: 1, success_count: 0 })
    breaker.recordRun({
      error: { type: 'division_error', message: 'Division by zero', phase: 'execution' },
      startedAt: '2026-12-01T12:00:00.000Z',
    })
    expect(breaker.snapshot()).toMatchObject({ failure_count: 0, success_count: 1 })
    for (let i = 0; i < 5; i++) breaker.recordRun(unavailable)
    expect(breaker.state).toBe('open')
  })
})
