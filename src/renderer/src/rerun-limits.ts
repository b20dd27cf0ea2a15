import type { RunDetail } from '../../shared/api'
import { REQUEST_LIMIT_BOUNDS } from '../../shared/limit-bounds'

/** The limit each kind of stop raises: its key, its unit, and why it cannot go higher. */
const RAISES = {
  oom: {
    key: 'memoryMb',
    unit: 'MiB',
    atMost: (max: number) => `${max} MiB is the most memory a run may have`,
  },
  timeout: {
    key: 'timeoutS',
    unit: 's',
    atMost: (max: number) => `${max} s is the longest a run may take`,
  },
} as const

/** The limit a run hit, doubled within the request bounds; null when it hit none. */
export function doubledLimit(run: RunDetail): {
  limits: { timeoutS?: number; memoryMb?: number }
  label: string
  /** Why the button is disabled (already at the most a run may ask for), else null. */
  blocked: string | null
} | null {
  const raise = run.status === 'oom' || run.status === 'timeout' ? RAISES[run.status] : null
  if (!raise) return null
  const max = REQUEST_LIMIT_BOUNDS[raise.key].max
  const now = run.limits[raise.key]
  const next = Math.min(now * 2, max)
  return {
    limits: { [raise.key]: next },
    label: `Rerun with ${next} ${raise.unit}`,
    blocked: now >= max ? raise.atMost(max) : null,
  }
}
