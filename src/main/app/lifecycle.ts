// One rule per action on a run, whichever transport asks (see docs/architecture.md, 'Lifecycle'):
// start, rerun, fork, cancel and delete are decided here; the IPC handlers and the HTTP routes only
// translate their arguments and map the result or the typed error.
import os from 'node:os'
import type { RunRecord, Relationship, RunSource } from '../../shared/record'
import { isTerminal } from '../../shared/run'
import { inRequestUnits } from '../../shared/limit-bounds'
import type { SubmitRequest } from '../jobs/job-service'
import { isValidRunId } from '../store/run-store'
import type { Core } from './core'
import { StdinRefused } from '../engine/stdin-channel'
import { Conflict, FailedPrecondition, InvalidArgument, NotFound, toAppError } from './errors'
import { inputFilesOf } from './input-files'
import {
  checkTimeoutCeiling,
  hostMemoryMb,
  normalizeRunRequest,
  type RunRequest,
} from './run-request'

/** What a rerun or fork may change; anything absent is the parent's. */
export interface LineageOverrides {
  environment?: string | null
  timeoutS?: number | null
  memoryMb?: number | null
  cpus?: number | null
}

export interface Lifecycle {
  /** Normalises and queues a run. */
  start(req: RunRequest, options?: { id?: string }): Promise<RunRecord>
  /** Queues an already normalised request (QueueFull when the queue is full). */
  submit(req: SubmitRequest): RunRecord
  /** The same code and input again; only a finished run can be rerun. */
  rerun(parentId: string, overrides: LineageOverrides, source: RunSource): Promise<RunRecord>
  /** New code on the same input; any run can be forked. */
  fork(
    parentId: string,
    code: string,
    overrides: LineageOverrides,
    source: RunSource,
  ): Promise<RunRecord>
  /** Cancels a queued or running run; false when it is unknown or already finished. */
  cancel(id: string): boolean
  /** Deletes a finished run and its folder. */
  remove(id: string): Promise<void>
  /**
   * A line or end of file for a running interactive run (see docs/run-contract.md, 'Standard
   * input'). Conflict when the run is not running or not interactive; InputTooLarge past 1 MiB.
   */
  sendStdin(id: string, input: { data: string } | { eof: true }): void
}

/** Standard input past its limit (1 MiB per run): HTTP answers 413. */
export class InputTooLarge extends InvalidArgument {}

export function createLifecycle(core: Core): Lifecycle {
  const { jobs, store } = core

  function submit(req: SubmitRequest): RunRecord {
    try {
      return jobs.submit(req)
    } catch (err) {
      throw toAppError(err) ?? err
    }
  }

  function parentOf(id: string): RunRecord {
    const rec = isValidRunId(id) ? store.get(id) : undefined
    if (!rec) throw new NotFound('Job not found')
    return rec
  }

  function replayData(parentId: string): { code: string; input: unknown } {
    const code = store.readCode(parentId)
    if (!code) throw new FailedPrecondition('Original code not available for replay')
    let input: unknown
    try {
      input = store.readInput(parentId)
    } catch {
      throw new FailedPrecondition('Original input not available for replay')
    }
    if (input === undefined) throw new FailedPrecondition('Original input not available for replay')
    return { code, input }
  }

  /**
   * A child of `parent`: its stored code unless new code is given, its stored input, its
   * environment (a custom image stays that image) and its limits, each unless overridden. A new
   * environment brings its own defaults for what is not given. Carried limits are held to today's
   * ceilings (max_timeout, this machine's memory and CPUs); given ones are checked against them.
   */
  async function child(
    parent: RunRecord,
    relationship: Relationship,
    newCode: string | null,
    o: LineageOverrides,
    source: RunSource,
  ): Promise<RunRecord> {
    const stored = replayData(parent.id)
    const code = newCode ?? stored.code
    const input = stored.input
    const carry = !o.environment
    const carried = inRequestUnits(parent.limits)
    const where = o.environment
      ? { environment: o.environment }
      : parent.environment === 'custom'
        ? { image: parent.image }
        : { environment: parent.environment }
    const req: RunRequest = {
      code,
      input,
      ...where,
      timeoutS: o.timeoutS ?? (carry ? Math.min(carried.timeoutS, core.maxTimeoutS) : null),
      memoryMb: o.memoryMb ?? (carry ? Math.min(carried.memoryMb, hostMemoryMb()) : null),
      cpus: o.cpus ?? (carry ? Math.min(carried.cpus, os.availableParallelism()) : null),
      runtime: core.engine.runtimes.choiceOf(parent.runtime),
      source,
      // The parent's standard input and way of taking it come along.
      stdin: store.readStdin(parent.id),
      interactive: parent.interactive ?? false,
      // And its own input files, as they are in its folder.
      inputFiles: inputFilesOf(store, parent.id),
    }
    let submitReq: SubmitRequest
    try {
      submitReq = await normalizeRunRequest(req, core)
    } catch (err) {
      if (err instanceof InvalidArgument && err.issues.some((i) => i.field === 'inputFiles'))
        throw new FailedPrecondition('Original input files not available for replay')
      throw err
    }
    // What was asked for, not what was carried (Tako VM's record of a requested timeout).
    submitReq.requestedTimeoutS = o.timeoutS ?? null
    submitReq.parentId = parent.id
    submitReq.relationship = relationship
    return submit(submitReq)
  }

  return {
    async start(req, options = {}) {
      const submitReq = await normalizeRunRequest(req, core)
      if (options.id) submitReq.id = options.id
      return submit(submitReq)
    },
    submit,
    async rerun(parentId, overrides, source) {
      // The ceiling comes before the parent lookup, as Tako VM checks it.
      checkTimeoutCeiling(overrides.timeoutS, core.maxTimeoutS)
      const parent = parentOf(parentId)
      if (!isTerminal(parent.status) || jobs.isLive(parent.id))
        throw new FailedPrecondition("Cannot rerun job that hasn't completed")
      return child(parent, 'rerun', null, overrides, source)
    },
    async fork(parentId, code, overrides, source) {
      return child(parentOf(parentId), 'fork', code, overrides, source)
    },
    cancel(id) {
      return isValidRunId(id) && jobs.cancel(id)
    },
    async remove(id) {
      const rec = isValidRunId(id) ? store.get(id) : undefined
      if (!rec) throw new NotFound('Execution not found')
      if (!isTerminal(rec.status) || jobs.isLive(rec.id))
        throw new Conflict('Execution is still in progress; cancel it first')
      await store.delete(rec.id)
    },
    sendStdin(id, input) {
      if (!isValidRunId(id) || !store.has(id)) throw new NotFound('Job not found')
      try {
        jobs.sendStdin(id, input)
      } catch (err) {
        if (!(err instanceof StdinRefused)) throw err
        if (err.reason === 'too_large') throw new InputTooLarge(err.message)
        if (err.reason === 'too_many') throw new InvalidArgument(err.message)
        throw new Conflict(
          err.reason === 'not_interactive'
            ? 'The run is not interactive; give its input as `stdin` when starting it'
            : 'The run is not running or its input was closed',
        )
      }
    },
  }
}
