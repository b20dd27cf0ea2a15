import { MiB } from './units'

/**
 * The bounds a run request's limits are checked against, in the request's units (seconds, MiB,
 * CPUs): one table for the app's contract and the HTTP API's schema. The configured `max_timeout`
 * and this machine's memory and CPU count narrow them further (see docs/run-contract.md, 'Limits').
 */
export const REQUEST_LIMIT_BOUNDS = Object.freeze({
  timeoutS: { min: 1, max: 86_400 },
  memoryMb: { min: 16, max: 65_536 },
  cpus: { min: 0.1, max: 64 },
})

/** The longest script a run request may carry, in characters. */
export const MAX_CODE_CHARS = 100_000

/** A run's limits (ms, bytes) in the units a request gives them (seconds, MiB). */
export function inRequestUnits(limits: { timeoutMs: number; memoryBytes: number; cpus: number }): {
  timeoutS: number
  memoryMb: number
  cpus: number
} {
  return {
    timeoutS: limits.timeoutMs / 1000,
    memoryMb: limits.memoryBytes / MiB,
    cpus: limits.cpus,
  }
}
