import { describe, it, expect } from 'vitest'
import type { RunLimits } from '../../src/shared/run'
import { DEFAULT_LIMITS, LIMIT_BOUNDS, LimitError, checkLimits } from '../../src/main/engine/limits'

const MiB = 1024 * 1024

function errorOf(limits: RunLimits): LimitError | null {
  try {
    checkLimits(limits)
    return null
  } catch (err) {
    if (err instanceof LimitError) return err
    throw err
  }
}

describe('DEFAULT_LIMITS', () => {
  it('matches docs/run-contract.md, "Limits"', () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      timeoutMs: 30_000,
      memoryBytes: 512 * MiB,
      cpus: 1,
      pids: 128,
      nofile: 256,
      fileSizeBytes: 100 * MiB,
      tmpBytes: 64 * MiB,
      stdoutBytes: 1 * MiB,
      stderrBytes: 1 * MiB,
      artifactCount: 10_000,
      artifactBytes: 100 * MiB,
      artifactTotalBytes: 500 * MiB,
      artifactDepth: 16,
      resultBytes: 16 * MiB,
    })
  })

  it('passes checkLimits', () => {
    expect(() => checkLimits(DEFAULT_LIMITS)).not.toThrow()
  })

  it('is frozen, so no caller can loosen the defaults for everyone', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true)
    expect(Object.isFrozen(LIMIT_BOUNDS)).toBe(true)
  })
})

describe('checkLimits', () => {
  it.each([0, -1, -30_000, 999, NaN, Infinity, -Infinity, 3_600_001])(
    'rejects timeoutMs %s',
    (timeoutMs) => {
      const err = errorOf({ ...DEFAULT_LIMITS, timeoutMs })
      expect(err).toBeInstanceOf(LimitError)
      expect(err?.field).toBe('timeoutMs')
      expect(err?.message).toContain(String(timeoutMs))
    },
  )

  it('accepts the timeout bounds themselves', () => {
    expect(errorOf({ ...DEFAULT_LIMITS, timeoutMs: 1_000 })).toBeNull()
    expect(errorOf({ ...DEFAULT_LIMITS, timeoutMs: 3_600_000 })).toBeNull()
  })

  it.each([0, 6 * MiB, 16 * MiB - 1, -512 * MiB, NaN, Infinity])(
    'rejects memoryBytes %s (below 16 MiB or not finite)',
    (memoryBytes) => {
      expect(errorOf({ ...DEFAULT_LIMITS, memoryBytes })?.field).toBe('memoryBytes')
    },
  )

  it('accepts exactly 16 MiB of memory', () => {
    expect(errorOf({ ...DEFAULT_LIMITS, memoryBytes: 16 * MiB })).toBeNull()
  })

  it('rejects zero or unbounded cpus, pids, nofile, fsize and tmpfs', () => {
    const bad: [keyof RunLimits, number][] = [
      ['cpus', 0],
      ['cpus', 65],
      ['pids', 0],
      ['pids', -1],
      ['pids', 100_000],
      ['nofile', 0],
      ['fileSizeBytes', 0],
      ['tmpBytes', 0],
      ['tmpBytes', Infinity],
    ]
    for (const [field, value] of bad) {
      expect(errorOf({ ...DEFAULT_LIMITS, [field]: value })?.field, `${field}=${value}`).toBe(field)
    }
  })

  it('rejects NaN in every field, naming the field', () => {
    for (const field of Object.keys(DEFAULT_LIMITS) as (keyof RunLimits)[]) {
      expect(errorOf({ ...DEFAULT_LIMITS, [field]: NaN })?.field, field).toBe(field)
    }
  })

  it('rejects zero and Infinity in every field', () => {
    for (const field of Object.keys(DEFAULT_LIMITS) as (keyof RunLimits)[]) {
      expect(errorOf({ ...DEFAULT_LIMITS, [field]: 0 })?.field, `${field}=0`).toBe(field)
      expect(errorOf({ ...DEFAULT_LIMITS, [field]: Infinity })?.field, `${field}=Inf`).toBe(field)
    }
  })

  it('rejects a non-number smuggled in as a limit', () => {
    const limits = { ...DEFAULT_LIMITS, pids: '128' as unknown as number }
    expect(errorOf(limits)?.field).toBe('pids')
  })
})
