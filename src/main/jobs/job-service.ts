import { randomUUID } from 'node:crypto'
import type { RunEvent } from '../../shared/events'
import type { RunRecord, RunSource } from '../../shared/record'
import { isTerminal, type RunOutcome, type RunStatus } from '../../shared/run'
import type { RunEngine, RunSpec } from '../engine/run-engine'
import type { LiveOutput } from '../store/live-output'
import type { RunStore } from '../store/run-store'
import { queuedRecord } from './queued-record'
import type { SubmitRequest } from './submit-request'
import { PREIMPORTS } from '../engine/supervisor'
import { StdinChannel, StdinRefused } from '../engine/stdin-channel'
import { FairQueue, QueueFullError } from './fair-queue'

export type { SubmitRequest } from './submit-request'

export { QueueFullError }

/** Output kept per live job so a late SSE subscriber can replay from the start. */
const REPLAY_OUTPUT_BYTES = 2 * 1024 * 1024

interface JobLog {
  events: RunEvent[]
  outputBytes: number
  clipped: boolean
}

interface Job {
  id: string
  source: RunSource
  log: JobLog
  request: SubmitRequest
  controller: AbortController
  done: Promise<RunRecord>
  resolve: (r: RunRecord) => void
  running: boolean
  /** The run's standard input, from the moment it runs. */
  stdin: StdinChannel | null
}

export interface JobServiceOptions {
  engine: RunEngine
  store: RunStore
  workers: number
  maxQueue: number
  /** Workers kept for runs started in the app, beside the shared ones (default 1). */
  appLane?: number
  log?: (event: string, fields: Record<string, unknown>) => void
}

/**
 * The job queue: bounded, with a fixed number of workers. Every run — sync `/execute`, async jobs,
 * reruns, the app's Run button — goes through here, so concurrency is bounded in one place and every
 * run is persisted from `queued` to its terminal status. Runs started in the app have their own lane
 * (see FairQueue): API floods never hold them back.
 */
export class JobService {
  private readonly waiting: FairQueue<Job>
  private readonly active = new Map<string, Job>()
  private readonly listeners = new Set<(e: RunEvent) => void>()
  private seq = 0
  private readonly engine: RunEngine
  private readonly store: RunStore
  readonly workers: number
  readonly maxQueue: number
  private readonly log: (event: string, fields: Record<string, unknown>) => void

  constructor(options: JobServiceOptions) {
    this.engine = options.engine
    this.store = options.store
    this.workers = options.workers
    this.maxQueue = options.maxQueue
    this.waiting = new FairQueue(options.workers, options.maxQueue, options.appLane)
    this.log = options.log ?? (() => undefined)
  }

  subscribe(listener: (e: RunEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: RunEvent): void {
    const log = this.active.get(event.runId)?.log
    if (log) {
      if (event.type === 'run.output') {
        log.outputBytes += event.text.length
        if (log.outputBytes <= REPLAY_OUTPUT_BYTES) log.events.push(event)
        else if (!log.clipped) {
          log.clipped = true
          log.events.push({
            ...event,
            text: `\n[live replay clipped after ${REPLAY_OUTPUT_BYTES} characters; the run's stored output keeps head and tail]\n`,
          })
        }
      } else log.events.push(event)
    }
    for (const l of this.listeners) {
      try {
        l(event)
      } catch (err) {
        this.log('listener-error', { error: String(err) })
      }
    }
  }

  /** What the engine needs of a queued request (the run's folder is the store's). */
  private runSpec(id: string, request: SubmitRequest): RunSpec {
    return {
      runId: id,
      code: request.code,
      inputData: request.inputData,
      environment: request.environment,
      image: request.image,
      limits: request.limits,
      runDir: this.store.runDir(id),
      runtime: request.runtime ?? null,
      stdinText: request.stdin ?? null,
      ...(request.mounts ? { mounts: request.mounts } : {}),
      inputFiles: request.inputFiles ?? null,
    }
  }

  nextSeq(): number {
    return ++this.seq
  }

  stats(): { pending: number; running: number; max_workers: number; max_queue_size: number } {
    let running = 0
    for (const j of this.active.values()) if (j.running) running++
    return {
      pending: this.waiting.size,
      running,
      max_workers: this.workers,
      max_queue_size: this.maxQueue,
    }
  }

  /** 1-based position among jobs not yet started, or null. */
  queuePosition(id: string): number | null {
    return this.waiting.position(id)
  }

  isRunning(id: string): boolean {
    return this.active.get(id)?.running ?? false
  }

  isLive(id: string): boolean {
    return this.active.has(id)
  }

  /** Persists a `queued` record and enqueues it. Throws QueueFullError when the queue is full. */
  submit(submitted: SubmitRequest): RunRecord {
    if (this.waiting.isFull(submitted.source)) throw new QueueFullError()
    const id = submitted.id ?? randomUUID()
    const record = queuedRecord(id, submitted, this.engine.runtimes.resolve(submitted.runtime).name)
    this.store.save(record)
    this.engine.prepareRunDir(this.runSpec(id, submitted))
    // The files are in the run's folder now: the queued job keeps their names, not their bytes.
    const names = submitted.inputFiles?.map((f) => ({ name: f.name }))
    const request = names ? { ...submitted, inputFiles: names } : submitted
    let resolve!: (r: RunRecord) => void
    const done = new Promise<RunRecord>((r) => {
      resolve = r
    })
    const job: Job = {
      id,
      source: request.source,
      log: { events: [], outputBytes: 0, clipped: false },
      request,
      controller: new AbortController(),
      done,
      resolve,
      running: false,
      stdin: null,
    }
    this.active.set(id, job)
    this.waiting.push(job)
    this.emitStatus(id, 'queued')
    this.pump()
    return record
  }

  /**
   * For a job still queued or running: replays its events so far, then streams new ones, in order,
   * with nothing lost between the two. Null when the job is not live (read the store instead).
   */
  follow(id: string, listener: (e: RunEvent) => void): (() => void) | null {
    const job = this.active.get(id)
    if (!job) return null
    for (const e of job.log.events) listener(e)
    return this.subscribe((e) => {
      if (e.runId === id) listener(e)
    })
  }

  /** The record submitted earlier with this idempotency key, if any. */
  findByIdempotencyKey(key: string): RunRecord | undefined {
    return this.store.all().find((r) => r.idempotencyKey === key)
  }

  /** Resolves with the final record, or null if `timeoutMs` passes first (the job goes on). */
  async wait(id: string, timeoutMs?: number): Promise<RunRecord | null> {
    const job = this.active.get(id)
    if (!job) {
      const rec = this.store.get(id)
      return rec ?? null
    }
    if (timeoutMs === undefined) return job.done
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs)
    })
    try {
      return await Promise.race([job.done, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Cancels a queued or running job. False when it is unknown or already finished. */
  cancel(id: string): boolean {
    const job = this.active.get(id)
    if (!job) return false
    if (this.waiting.remove(job)) {
      this.finishWithoutRun(job, 'cancelled', {
        type: 'cancelled',
        message: 'Execution was cancelled by user',
        phase: null,
      })
      return true
    }
    job.controller.abort()
    return true
  }

  /** Stops everything: cancels waiting and running jobs and waits for them to settle. */
  async shutdown(): Promise<void> {
    const jobs = [...this.active.values()]
    for (const j of jobs) this.cancel(j.id)
    await Promise.all(jobs.map((j) => j.done))
  }

  private emitStatus(runId: string, status: RunStatus): void {
    this.emit({ type: 'run.status', runId, status, seq: this.nextSeq() })
  }

  private finishWithoutRun(
    job: Job,
    status: RunOutcome['status'],
    error: RunOutcome['error'],
  ): void {
    const now = new Date().toISOString()
    const record = this.store.update(job.id, { status, error, endedAt: now, durationMs: 0 })
    this.store.writeOutput(job.id, '', '')
    this.active.delete(job.id)
    this.emitStatus(job.id, status)
    job.resolve(record)
  }

  private pump(): void {
    const running = { app: 0, api: 0 }
    for (const j of this.active.values()) if (j.running) running[j.source]++
    for (let job = this.waiting.take(running); job; job = this.waiting.take(running)) {
      job.running = true
      running[job.source]++
      void this.execute(job)
    }
  }

  private async execute(job: Job): Promise<void> {
    const { request, id } = job
    let record: RunRecord
    let live: LiveOutput | undefined
    try {
      if (request.rejectWith) {
        this.finishWithoutRun(job, 'failed', request.rejectWith)
        return
      }
      this.store.update(id, { status: 'running' })
      this.emitStatus(id, 'running')
      // What the run prints goes to its folder as it streams (kept if this process dies mid-run).
      live = this.store.openLiveOutput(id, request.limits)
      job.stdin = new StdinChannel(request.stdin ?? null, request.interactive ?? false, (e) =>
        this.emit({ type: 'run.stdin', runId: id, ...e, seq: this.nextSeq() }),
      )
      const outcome = await this.engine.run({
        ...this.runSpec(id, request),
        signal: job.controller.signal,
        preimports: PREIMPORTS[request.environment] ?? [],
        stdin: job.stdin,
        onOutput: (stream, text) => {
          live?.append(stream, text)
          this.emit({ type: 'run.output', runId: id, stream, text, seq: this.nextSeq() })
        },
        onStarted: (startedAt) => {
          this.store.update(id, { startedAt })
        },
      })
      live.close()
      this.store.writeOutput(id, outcome.stdout, outcome.stderr)
      this.store.writeResultOutput(id, outcome.outputJson)
      record = this.store.update(id, {
        status: outcome.status,
        startedAt: outcome.startedAt,
        endedAt: outcome.endedAt,
        durationMs: outcome.timing.totalMs,
        exitCode: outcome.exitCode,
        error: outcome.error,
        stdoutBytes: outcome.stdoutBytes,
        stderrBytes: outcome.stderrBytes,
        stdoutTruncated: outcome.stdoutTruncated,
        stderrTruncated: outcome.stderrTruncated,
        artifacts: outcome.artifacts,
        warnings: outcome.warnings,
        timing: outcome.timing,
        ...(request.interactive ? { stdinEvents: job.stdin.events } : {}),
        resourceUsage: outcome.resourceUsage,
      })
    } catch (err) {
      this.log('job-error', { runId: id, error: String(err) })
      const code = (err as NodeJS.ErrnoException).code
      const patch: Partial<RunRecord> = {
        status: 'failed',
        endedAt: new Date().toISOString(),
        error: {
          type: 'internal_error',
          message:
            code === 'ENOSPC' || code === 'EDQUOT'
              ? `The run could not be saved: the disk holding the app's data is full (${code})`
              : `Internal error: ${(err as Error).message}`,
          phase: null,
        },
      }
      try {
        record = this.store.update(id, patch)
      } catch (saveErr) {
        // Even the failure cannot be written (disk full, folder gone): report it from memory.
        this.log('job-save-failed', { runId: id, error: String(saveErr) })
        record = { ...(this.store.get(id) as RunRecord), ...patch }
      }
    } finally {
      live?.close()
      job.running = false
      this.active.delete(id)
      this.pump()
    }
    this.emitStatus(id, record.status)
    job.resolve(record)
  }

  /** A line or end of file for a running interactive job; throws StdinRefused otherwise. */
  sendStdin(id: string, input: { data: string } | { eof: true }): void {
    const stdin = this.active.get(id)?.stdin
    if (!stdin) throw new StdinRefused('ended', 'the run is not running')
    if ('data' in input) stdin.send(input.data)
    else stdin.eof()
  }

  /** A running job's live stdin (`waiting`, `events`), or null when it is not running. */
  stdinState(id: string): Pick<StdinChannel, 'waiting' | 'events'> | null {
    const stdin = this.active.get(id)?.stdin
    return stdin ? { waiting: stdin.waiting, events: [...stdin.events] } : null
  }

  /** Current status of a job as Tako VM reports it (`pending` while waiting in the queue). */
  statusOf(id: string): { status: RunStatus | 'pending'; queuePosition: number | null } | null {
    const pos = this.queuePosition(id)
    if (pos !== null) return { status: 'pending', queuePosition: pos }
    if (this.isRunning(id)) return { status: 'running', queuePosition: null }
    const rec = this.store.get(id)
    if (!rec) return null
    return { status: rec.status, queuePosition: null }
  }

  static isTerminal = isTerminal
}
