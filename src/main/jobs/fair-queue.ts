import type { RunSource } from '../../shared/record'

export class QueueFullError extends Error {
  constructor() {
    super('Job queue is full, try again later')
    this.name = 'QueueFullError'
  }
}

export interface Queued {
  id: string
  source: RunSource
}

/**
 * The waiting jobs, in two lanes: runs started in the app and runs sent to the API. Each lane holds
 * at most `maxQueue` jobs (a full API lane answers QueueFull; app runs still queue). The app's runs
 * go first, and `appLane` workers are theirs alone, beside the `workers` every run shares: a flood of
 * API jobs never keeps a run started in the app waiting (see docs/architecture.md, 'Job queue').
 */
export class FairQueue<T extends Queued> {
  private readonly lanes: Record<RunSource, T[]> = { app: [], api: [] }

  constructor(
    private readonly workers: number,
    private readonly maxQueue: number,
    private readonly appLane = 1,
  ) {}

  get size(): number {
    return this.lanes.app.length + this.lanes.api.length
  }

  isFull(source: RunSource): boolean {
    return this.lanes[source].length >= this.maxQueue
  }

  /** Queues a job at the end of its lane; QueueFullError when that lane is full. */
  push(job: T): void {
    if (this.isFull(job.source)) throw new QueueFullError()
    this.lanes[job.source].push(job)
  }

  /** Takes a job out of the queue without starting it. False when it is not waiting. */
  remove(job: T): boolean {
    const lane = this.lanes[job.source]
    const i = lane.indexOf(job)
    if (i < 0) return false
    lane.splice(i, 1)
    return true
  }

  /** 1-based position in the order jobs will start (app runs first), or null when not waiting. */
  position(id: string): number | null {
    const i = [...this.lanes.app, ...this.lanes.api].findIndex((j) => j.id === id)
    return i < 0 ? null : i + 1
  }

  /**
   * The next job that may start now, given how many of each source run, or undefined. App runs use
   * their own lane first, then any shared worker left; API runs use shared workers only.
   */
  take(running: Record<RunSource, number>): T | undefined {
    const sharedInUse = running.api + Math.max(0, running.app - this.appLane)
    if (this.lanes.app.length > 0 && (running.app < this.appLane || sharedInUse < this.workers))
      return this.lanes.app.shift()
    if (this.lanes.api.length > 0 && sharedInUse < this.workers) return this.lanes.api.shift()
    return undefined
  }
}
