import type { RunLimits } from '../../shared/run'
import { MiB } from '../../shared/units'

/** The default limits (see docs/run-contract.md, 'Limits'). Every run starts from these; a request may override within the ceilings. */
export const DEFAULT_LIMITS: RunLimits = Object.freeze({
  timeoutMs: 30_000,
  memoryBytes: 512 * MiB,
  cpus: 1,
  pids: 128,
  nofile: 256,
  fileSizeBytes: 100 * MiB,
  tmpBytes: 64 * MiB,
  stdoutBytes: 1 * MiB,
  stderrBytes: 1 * MiB,
  outputCeilingBytes: 512 * MiB,
  artifactCount: 10_000,
  artifactBytes: 100 * MiB,
  artifactTotalBytes: 500 * MiB,
  artifactDepth: 16,
  resultBytes: 16 * MiB,
})

/** Hard bounds a run's limits are checked against before any container is created. */
export const LIMIT_BOUNDS = Object.freeze({
  timeoutMs: { min: 1_000, max: 3_600_000 },
  /** Docker refuses less than 6 MiB; a Python interpreter needs more than 16 MiB to start. */
  memoryBytes: { min: 16 * MiB, max: 64 * 1024 * MiB },
  cpus: { min: 0.1, max: 64 },
  pids: { min: 8, max: 4096 },
  nofile: { min: 16, max: 65_536 },
  fileSizeBytes: { min: 1024, max: 4096 * MiB },
  tmpBytes: { min: 1 * MiB, max: 4096 * MiB },
})

export class LimitError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'LimitError'
  }
}

/** Throws a LimitError naming the first field outside its bounds (NaN and infinities included). */
export function checkLimits(limits: RunLimits): void {
  for (const [field, bound] of Object.entries(LIMIT_BOUNDS)) {
    const value = limits[field as keyof RunLimits]
    if (!Number.isFinite(value) || value < bound.min || value > bound.max) {
      throw new LimitError(
        field,
        `${field} must be between ${bound.min} and ${bound.max}, got ${String(value)}`,
      )
    }
  }
  for (const field of [
    'stdoutBytes',
    'stderrBytes',
    'outputCeilingBytes',
    'artifactCount',
    'artifactBytes',
    'artifactTotalBytes',
    'artifactDepth',
    'resultBytes',
  ] as const) {
    const value = limits[field]
    if (!Number.isFinite(value) || value < 1) {
      throw new LimitError(field, `${field} must be a positive number, got ${String(value)}`)
    }
  }
}
