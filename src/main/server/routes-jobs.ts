import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { RunEvent } from '../../shared/events'
import type { RunRecord } from '../../shared/record'
import { isTerminal } from '../../shared/run'
import { requestFingerprint } from '../jobs/fingerprint'
import { isValidRunId } from '../store/run-store'
import type { ApiContext } from './context'
import { executeResponse, recordResponse } from './dto'
import { clientGone, HttpError, sendJson, whileConnected } from './http-util'
import { queryBool, queryNumber, route, type Route } from './router'
import { fieldError, toSubmitRequest } from './run-request'
import { openEventStream } from './sse'
import { codeSchema, executeRequestSchema, parseBody, type ExecuteRequest } from './validation'

const overridesShape = {
  job_type: executeRequestSchema.shape.job_type,
  timeout: executeRequestSchema.shape.timeout,
  memory_mb: executeRequestSchema.shape.memory_mb,
  cpus: executeRequestSchema.shape.cpus,
}
const rerunSchema = z.strictObject(overridesShape)
const forkSchema = z.strictObject({ code: codeSchema, ...overridesShape })

/** Execution, async jobs, cancel, rerun/fork and the live event stream (reference §1.4–1.9). */
export function jobRoutes(ctx: ApiContext): Route[] {
  const { core } = ctx
  const { jobs, store } = core

  /**
   * A new job from a finished one (Tako VM's rerun and fork): the parent's stored input, its
   * environment unless overridden, the given code; timeouts are not carried over.
   */
  function lineage(
    parent: RunRecord,
    kind: 'rerun' | 'fork',
    code: string,
    overrides: z.infer<typeof rerunSchema>,
  ): { job_id: string; status: 'queued' } {
    const submit = toSubmitRequest(
      {
        code,
        input_data: replayData(parent.id).input,
        ...sameEnvironment(parent, overrides.job_type),
        timeout: overrides.timeout ?? null,
        memory_mb: overrides.memory_mb ?? null,
        cpus: overrides.cpus ?? null,
      },
      core.maxTimeoutS,
    )
    submit.parentId = parent.id
    submit.relationship = kind
    const rec = jobs.submit(submit)
    return { job_id: rec.id, status: 'queued' }
  }

  function replayData(parentId: string): { code: string; input: Record<string, unknown> } {
    const code = store.readCode(parentId)
    if (!code) throw new HttpError(400, 'Original code not available for replay')
    let input: unknown
    try {
      input = store.readInput(parentId)
    } catch {
      throw new HttpError(400, 'Original input not available for replay')
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new HttpError(400, 'Original input not available for replay')
    }
    return { code, input: input as Record<string, unknown> }
  }

  /** The parent's environment unless overridden; a custom image stays that image. */
  function sameEnvironment(
    parent: RunRecord,
    override: string | null | undefined,
  ): { job_type?: string; image?: string } {
    if (override) return { job_type: override }
    return parent.environment === 'custom'
      ? { image: parent.image }
      : { job_type: parent.environment }
  }

  async function checkImage(body: ExecuteRequest): Promise<void> {
    if (!body.image) return
    const why = await core.environments.checkCustomImage(body.image)
    if (why) throw fieldError('image', why, body.image)
  }

  return [
    route('POST', '/execute', async (req, res) => {
      const t0 = performance.now()
      const body = parseBody(executeRequestSchema, await ctx.readJsonBody(req))
      await checkImage(body)
      const submit = toSubmitRequest(body, core.maxTimeoutS)
      submit.id = `api-${randomUUID()}`
      // Tako VM uses idempotency keys on async submits only.
      submit.idempotencyKey = null
      const queued = jobs.submit(submit)
      // A client that disconnects does not cancel the run: it is recorded like any other.
      const rec = (await jobs.wait(queued.id)) ?? queued
      // The run is kept either way; an answer nobody will read is not built.
      if (clientGone(res)) return
      const out = { ...ctx.outputs(rec.id), output: store.readOutput(rec.id) }
      sendJson(res, 200, executeResponse(rec, out, (performance.now() - t0) / 1000))
    }),

    route('POST', '/execute/async', async (req, res) => {
      const body = parseBody(executeRequestSchema, await ctx.readJsonBody(req))
      await checkImage(body)
      const submit = toSubmitRequest(body, core.maxTimeoutS)
      if (body.idempotency_key) {
        submit.fingerprint = requestFingerprint({
          code: body.code,
          inputData: body.input_data,
          jobType: body.image ? `image:${body.image}` : submit.environment,
          timeout: body.timeout ?? null,
          startupTimeout: body.startup_timeout ?? null,
          requirements: body.requirements ?? [],
          memoryMb: body.memory_mb ?? null,
          cpus: body.cpus ?? null,
        })
        const existing = jobs.findByIdempotencyKey(body.idempotency_key)
        if (existing) {
          if (existing.fingerprint !== submit.fingerprint) {
            throw new HttpError(409, 'Idempotency key reused with different payload')
          }
          const st = jobs.statusOf(existing.id)
          sendJson(res, 200, { job_id: existing.id, status: st?.status ?? existing.status })
          return
        }
      }
      const rec = jobs.submit(submit)
      sendJson(res, 200, { job_id: rec.id, status: 'queued' })
    }),

    route('GET', '/jobs/{id}', (_req, res, p) => {
      const id = p.id ?? ''
      const st = isValidRunId(id) ? jobs.statusOf(id) : null
      if (!st) throw new HttpError(404, 'Job not found')
      const rec = store.get(id)
      const body: Record<string, unknown> = {
        job_id: id,
        status: st.status,
        created_at: rec?.createdAt ?? null,
      }
      if (rec?.durationMs != null && isTerminal(rec.status)) body.duration_ms = rec.durationMs
      if (st.queuePosition !== null) body.queue_position = st.queuePosition
      if (rec?.error) body.error = rec.error
      if (rec?.parentId) {
        body.parent_execution_id = rec.parentId
        body.relationship = rec.relationship
      }
      sendJson(res, 200, body)
    }),

    route('GET', '/jobs/{id}/result', async (_req, res, p, url) => {
      const id = p.id ?? ''
      let rec = ctx.getRecordOr404(id)
      const wait = queryBool(url, 'wait')
      const timeoutS = queryNumber(url, 'timeout', 30, 1, 300)
      const full = url.searchParams.get('view') === 'full'
      if (wait && !isTerminal(rec.status)) {
        // Waiting never cancels the job: on timeout the client gets 408 and the job goes on.
        const done = await whileConnected(res, jobs.wait(id), timeoutS * 1000)
        if (done === 'gone') return
        if (done === 'timeout' || !done.value) throw new HttpError(408, 'Timeout waiting for job')
        rec = done.value
      }
      const out = { ...ctx.outputs(id), output: store.readOutput(id) }
      const body = recordResponse(rec, out, full, full ? ctx.inputSizes(id) : undefined)
      const pos = jobs.queuePosition(id)
      if (pos !== null) body.queue_position = pos
      sendJson(res, 200, body)
    }),

    route('POST', '/jobs/{id}/cancel', async (req, res, p) => {
      await ctx.readJsonBody(req)
      const id = p.id ?? ''
      if (!isValidRunId(id) || !jobs.cancel(id)) {
        throw new HttpError(404, 'Job not found or already completed')
      }
      sendJson(res, 200, { status: 'cancelled', job_id: id })
    }),

    route('POST', '/jobs/{id}/rerun', async (req, res, p) => {
      const body = parseBody(rerunSchema, await ctx.readJsonBody(req))
      if (body.timeout != null && body.timeout > core.maxTimeoutS) {
        // Checked before the parent lookup, as Tako VM does.
        toSubmitRequest({ code: 'x', input_data: {}, ...body }, core.maxTimeoutS)
      }
      const parent = ctx.getRecordOr404(p.id ?? '')
      if (!isTerminal(parent.status))
        throw new HttpError(400, "Cannot rerun job that hasn't completed")
      sendJson(res, 200, lineage(parent, 'rerun', replayData(parent.id).code, body))
    }),

    route('POST', '/jobs/{id}/fork', async (req, res, p) => {
      const body = parseBody(forkSchema, await ctx.readJsonBody(req))
      const parent = ctx.getRecordOr404(p.id ?? '')
      const { code, ...overrides } = body
      sendJson(res, 200, lineage(parent, 'fork', code, overrides))
    }),

    route('GET', '/jobs/{id}/events', (_req, res, p) => {
      const rec = ctx.getRecordOr404(p.id ?? '')
      let unsubscribe: (() => void) | null = null
      const stream = openEventStream(res, {
        hello: 'tako events',
        onClose: () => {
          unsubscribe?.()
          unsubscribe = null
        },
      })
      const send = (e: RunEvent): void => {
        stream.send(runEventFrame(e))
        if (e.type === 'run.status' && isTerminal(e.status)) stream.end()
      }
      unsubscribe = jobs.follow(rec.id, send)
      // The stream may have ended (or dropped the reader) during the replay, before `follow` returned.
      if (stream.closed) unsubscribe?.()
      if (unsubscribe) return
      // Finished (or from an earlier session): replay what the store kept.
      const final = store.get(rec.id) ?? rec
      const out = ctx.outputs(rec.id)
      let seq = 0
      send({ type: 'run.status', runId: rec.id, status: 'queued', seq: ++seq })
      if (final.startedAt)
        send({ type: 'run.status', runId: rec.id, status: 'running', seq: ++seq })
      for (const name of ['stdout', 'stderr'] as const) {
        const text = out[name]
        if (text) send({ type: 'run.output', runId: rec.id, stream: name, text, seq: ++seq })
      }
      send({ type: 'run.status', runId: rec.id, status: final.status, seq: seq + 1 })
      stream.end()
    }),
  ]
}

/** A run event as Tako VM's SSE frame: `stdout`/`stderr`/`status` events with the job id. */
function runEventFrame(e: RunEvent): { id: number; event: string; data: unknown } {
  return e.type === 'run.output'
    ? { id: e.seq, event: e.stream, data: { job_id: e.runId, stream: e.stream, text: e.text } }
    : { id: e.seq, event: 'status', data: { job_id: e.runId, status: e.status } }
}
