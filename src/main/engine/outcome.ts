import type { RunError, RunLimits, RunOutcome, RunPhase, RunStatus } from '../../shared/run'
import { MiB } from '../../shared/units'
import { classifyExit } from './error-classifier'
import { INPUT_WAIT_HINT, withHint, type HintContext } from './error-hints'

/** Why the host stopped a run; exactly one is recorded per run, the first one wins. */
export type StopReason = 'timeout' | 'cancelled' | 'output_limit' | 'disk_floor' | 'daemon_gone'

export interface Stop {
  reason: StopReason
  /** The user-facing message for limits that carry their own wording (output guard breaches). */
  message?: string
}

/** A failure outside the script (Docker, the host): the run's outcome, not an exception. */
export class InfraFailure extends Error {
  constructor(
    readonly runError: RunError,
    readonly status: Exclude<RunStatus, 'queued' | 'running'> = 'failed',
  ) {
    super(runError.message)
  }
}

export function formatMiB(bytes: number): string {
  return `${Math.round((bytes / MiB) * 10) / 10} MiB`
}

function formatSeconds(ms: number): string {
  const s = ms / 1000
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`
}

export function cancelledError(): RunError {
  return { type: 'cancelled', message: 'Execution was cancelled by user', phase: 'execution' }
}

export interface OutcomeFacts {
  /** Why the host stopped the run, if it did. */
  stop: Stop | null
  infra: InfraFailure | null
  /** From Docker's inspect, never from the script's output. */
  oomKilled: boolean
  /**
   * The container's highest memory use during the run, from its cgroup on the host (null when not
   * measured): with a SIGKILL, the second sign of an OOM kill (`killedAtMemoryLimit`).
   */
  memoryPeakBytes?: number | null
  /** From Docker's wait; null when the daemon never reported one. */
  exitCode: number | null
  stderrText: string
  limits: RunLimits
  /** What makes error hints precise (the run's environment, where modules are). */
  hints?: HintContext
}

export interface Decision {
  status: RunOutcome['status']
  error: RunError | null
  phase: RunPhase
}

function executionFailure(status: RunOutcome['status'], error: Omit<RunError, 'phase'>): Decision {
  return { status, error: { ...error, phase: 'execution' }, phase: 'execution' }
}

/**
 * The run's status and error from what is known once it ended. Pure: the same facts always give
 * the same outcome. A cancel beats everything, an infrastructure failure beats the script's exit,
 * a host stop beats the exit code it caused, and OOM is believed only from Docker's OOMKilled or a
 * SIGKILL at the memory limit as the host's cgroup measured it.
 */
export function classifyOutcome(f: OutcomeFacts): Decision {
  const d = decide(f)
  // A limit the script ran into gets a plain-language hint; the host's own troubles do not (a
  // nearly full disk is not the script's output being too large).
  const hinted = d.error && d.error.phase === 'execution' && HINTED.has(d.error.type)
  if (hinted && d.error && f.stop?.reason === 'timeout' && f.stop.message)
    return { ...d, error: { ...d.error, line: null, hint: INPUT_WAIT_HINT } }
  if (hinted && d.error && f.stop?.reason !== 'disk_floor')
    return { ...d, error: withHint(d.error, f.stderrText, f.limits, f.hints) }
  return d
}

/** Limits a script runs into, where a hint can help (its own exceptions are hinted in decide). */
const HINTED: ReadonlySet<string> = new Set(['timeout', 'oom', 'output_limit'])

/** The kernel charges in pages, at most a huge page at once: a peak this close is the limit. */
const AT_LIMIT_SLACK_BYTES = 2 * MiB

/**
 * Docker sets OOMKilled only when the cgroup's OOM event reaches it before the container's exit,
 * and under gVisor the exit sometimes comes first (measured: 1 run in 8; docs/security.md,
 * 'gVisor'). A SIGKILL (137) after the run's memory, as its cgroup on the host measured it, reached
 * the limit is then the memory limit's kill as well. Never decided from what the script printed.
 */
export function killedAtMemoryLimit(
  exitCode: number,
  peakBytes: number | null,
  limitBytes: number,
): boolean {
  return exitCode === 137 && peakBytes !== null && peakBytes >= limitBytes - AT_LIMIT_SLACK_BYTES
}

function decide(f: OutcomeFacts): Decision {
  if (f.stop?.reason === 'cancelled')
    return { status: 'cancelled', error: cancelledError(), phase: 'failed' }
  if (f.infra) {
    return {
      status: f.infra.status,
      error: f.infra.runError,
      phase: f.infra.runError.phase ?? 'failed',
    }
  }
  switch (f.stop?.reason) {
    case 'timeout':
      return executionFailure('timeout', {
        type: 'timeout',
        message:
          f.stop.message ??
          `Execution timed out after ${formatSeconds(f.limits.timeoutMs)} (the run's time limit); output so far is kept`,
      })
    case 'disk_floor':
    case 'output_limit':
      return executionFailure('failed', {
        type: 'output_limit',
        message:
          f.stop.message ??
          `Stopped: the script wrote more than ${formatMiB(f.limits.outputCeilingBytes)} to stdout/stderr`,
      })
    case 'daemon_gone':
      return executionFailure('failed', {
        type: 'service_unavailable',
        message: f.stop.message ?? 'Docker stopped answering during the run',
      })
    default:
      break
  }
  const code = f.exitCode ?? -1
  if (code === 0) return { status: 'succeeded', error: null, phase: 'completed' }
  if (f.oomKilled || killedAtMemoryLimit(code, f.memoryPeakBytes ?? null, f.limits.memoryBytes)) {
    return executionFailure('oom', {
      type: 'oom',
      message: `Execution exceeded the memory limit (${formatMiB(f.limits.memoryBytes)}) and was killed`,
    })
  }
  if (code === 137) {
    return executionFailure('failed', {
      type: 'killed',
      message: 'Process ended with code 137 (SIGKILL), not from the memory limit',
    })
  }
  const error = withHint(classifyExit(code, f.stderrText), f.stderrText, f.limits, f.hints)
  return { status: 'failed', error, phase: 'execution' }
}
