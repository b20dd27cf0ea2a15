import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../../src/shared/api'
import { doubledLimit } from '../../src/renderer/src/rerun-limits'

function run(status: RunDetail['status'], limits: RunDetail['limits']): RunDetail {
  return { status, limits } as RunDetail
}

describe('doubledLimit', () => {
  it('doubles the memory of an OOM run and the time of a timed-out one', () => {
    expect(doubledLimit(run('oom', { timeoutS: 30, memoryMb: 512, cpus: 1 }))).toEqual({
      limits: { memoryMb: 1024 },
      label: 'Rerun with 1024 MiB',
      blocked: null,
    })
    expect(doubledLimit(run('timeout', { timeoutS: 10, memoryMb: 512, cpus: 1 }))).toEqual({
      limits: { timeoutS: 20 },
      label: 'Rerun with 20 s',
      blocked: null,
    })
  })

  it('stops at the most a request may ask for, and says why at the maximum', () => {
    expect(doubledLimit(run('oom', { timeoutS: 30, memoryMb: 40_000, cpus: 1 }))).toMatchObject({
      limits: { memoryMb: 65_536 },
      blocked: null,
    })
    const atMax = doubledLimit(run('oom', { timeoutS: 30, memoryMb: 65_536, cpus: 1 }))
    expect(atMax?.blocked).toBe('65536 MiB is the most memory a run may have')
    const longest = doubledLimit(run('timeout', { timeoutS: 86_400, memoryMb: 512, cpus: 1 }))
    expect(longest).toMatchObject({ limits: { timeoutS: 86_400 } })
    expect(longest?.blocked).toBe('86400 s is the longest a run may take')
  })

  it('offers nothing for runs no limit stopped', () => {
    for (const s of ['succeeded', 'failed', 'cancelled'] as const)
      expect(doubledLimit(run(s, { timeoutS: 30, memoryMb: 512, cpus: 1 }))).toBeNull()
  })
})
