import type { RunError, RunLimits, RunOutcome, RunPhase, RunStatus } from '../../shared/run'
import { MiB } from '../../shared/units'
import { classifyExit } from './error-classifier'

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
  /** From Docker's wait; null when the daemon never reported one. */
  exitCode: number | null
  stderrText: string
  limits: RunLimits
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
 * a host stop beats the exit code it caused, and OOM is believed only when Docker reports it.
 */
export function classifyOutcome(f: OutcomeFacts): Decision {
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
  if (f.oomKilled) {
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
  return { status: 'failed', error: classifyExit(code, f.stderrText), phase: 'execution' }
}
