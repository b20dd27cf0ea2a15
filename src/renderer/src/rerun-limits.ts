import type { RunDetail } from '../../shared/api'
import { REQUEST_LIMIT_BOUNDS } from '../../shared/limit-bounds'

/** The limit a run hit, doubled within the request bounds; null when it hit none. */
export function doubledLimit(run: RunDetail): {
  limits: { timeoutS?: number; memoryMb?: number }
  label: string
  /** Why the button is disabled (already at the most a run may ask for), else null. */
  blocked: string | null
} | null {
  if (run.status === 'oom') {
    const max = REQUEST_LIMIT_BOUNDS.memoryMb.max
    const next = Math.min(run.limits.memoryMb * 2, max)
    return {
      limits: { memoryMb: next },
      label: `Rerun with ${next} MiB`,
      blocked: run.limits.memoryMb >= max ? `${max} MiB is the most memory a run may have` : null,
    }
  }
  if (run.status === 'timeout') {
    const max = REQUEST_LIMIT_BOUNDS.timeoutS.max
    const next = Math.min(run.limits.timeoutS * 2, max)
    return {
      limits: { timeoutS: next },
      label: `Rerun with ${next} s`,
      blocked: run.limits.timeoutS >= max ? `${max} s is the longest a run may take` : null,
    }
  }
  return null
}
