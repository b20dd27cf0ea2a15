import type { RunRecord } from '../../shared/record'
import { isTerminal } from '../../shared/run'
import type { RunStore } from '../store/run-store'
import type { JobService } from './job-service'

export type BreakerState = 'closed' | 'open' | 'half_open'

/** What `GET /health` reports as `circuit_breaker` (Tako VM's field names). */
export interface BreakerSnapshot {
  state: BreakerState
  failure_count: number
  success_count: number
  /** When Docker last failed (ISO 8601), or null. */
  last_failure: string | null
}

export interface BreakerOptions {
  /** Consecutive Docker failures that open the breaker (Tako VM: 5). */
  failureThreshold?: number
  /** Time an open breaker waits before it lets a trial through, half-open (Tako VM: 30 s). */
  recoveryMs?: number
  /** Successes in a row, half-open, that close it again (Tako VM: 2). */
  successThreshold?: number
  now?: () => number
}

/**
 * Docker's health as Tako VM's circuit breaker sees it: closed while Docker answers, open after
 * `failureThreshold` failures in a row, half-open once `recoveryMs` passed since the last failure,
 * closed again after `successThreshold` successes. It reports; it does not hold runs back — a run
 * while Docker is down already fails at once with `service_unavailable` (see docs/api.md, "Health").
 */
export class CircuitBreaker {
  private readonly failureThreshold: number
  private readonly recoveryMs: number
  private readonly successThreshold: number
  private readonly now: () => number
  private opened = false
  private failures = 0
  private successes = 0
  private lastFailureAt: number | null = null

  constructor(options: BreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5
    this.recoveryMs = options.recoveryMs ?? 30_000
    this.successThreshold = options.successThreshold ?? 2
    this.now = options.now ?? Date.now
  }

  get state(): BreakerState {
    if (!this.opened) return 'closed'
    return this.now() - (this.lastFailureAt ?? 0) >= this.recoveryMs ? 'half_open' : 'open'
  }

  /** Docker did not answer (a ping failed, a run ended `service_unavailable`). */
  recordFailure(): void {
    this.lastFailureAt = this.now()
    this.failures++
    this.successes = 0
    if (this.failures >= this.failureThreshold) this.opened = true
  }

  /** Docker answered (a ping, a container that started). */
  recordSuccess(): void {
    const state = this.state
    // Open: Docker may answer again, but the breaker waits out its recovery time first.
    if (state === 'open') return
    this.successes++
    if (state === 'closed') this.failures = 0
    else if (this.successes >= this.successThreshold) {
      this.opened = false
      this.failures = 0
    }
  }

  /** A finished run: `service_unavailable` is a Docker failure; a run whose container started is a success. */
  recordRun(record: Pick<RunRecord, 'error' | 'startedAt'>): void {
    if (record.error?.type === 'service_unavailable') this.recordFailure()
    else if (record.startedAt !== null) this.recordSuccess()
  }

  /** Feeds every run that ends in the job service to the breaker; returns the unsubscribe. */
  watch(jobs: JobService, store: RunStore): () => void {
    return jobs.subscribe((event) => {
      if (event.type !== 'run.status' || !isTerminal(event.status)) return
      const record = store.get(event.runId)
      if (record) this.recordRun(record)
    })
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.state,
      failure_count: this.failures,
      success_count: this.successes,
      last_failure: this.lastFailureAt === null ? null : new Date(this.lastFailureAt).toISOString(),
    }
  }
}
