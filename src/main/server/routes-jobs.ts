import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { z } from 'zod'
import type { RunEvent } from '../../shared/events'
import { isTerminal } from '../../shared/run'
import type { LineageOverrides } from '../app/lifecycle'
import { normalizeRunRequest, type RunRequest } from '../app/run-request'
import { requestFingerprint } from '../jobs/fingerprint'
import { isValidRunId } from '../store/run-store'
import type { ApiContext } from './context'
import { executeResponse, recordResponse } from './dto'
import { HttpError, sendJson } from './http-util'
import { queryBool, queryNumber, route, type Route } from './router'
import { codeSchema, executeRequestSchema, parseBody, type ExecuteRequest } from './validation'

const overridesShape = {
  job_type: executeRequestSchema.shape.job_type,
  timeout: executeRequestSchema.shape.timeout,
  memory_mb: executeRequestSchema.shape.memory_mb,
  cpus: executeRequestSchema.shape.cpus,
}
const rerunSchema = z.strictObject(overridesShape)
const forkSchema = z.strictObject({ code: codeSchema, ...overridesShape })

/** Tako VM's snake_case body in the app's neutral terms. */
function runRequestOf(body: ExecuteRequest): RunRequest {
  return {
    code: body.code,
    input: body.input_data,
    environment: body.job_type ?? null,
    image: body.image ?? null,
    timeoutS: body.timeout ?? null,
    memoryMb: body.memory_mb ?? null,
    cpus: body.cpus ?? null,
    source: 'api',
    idempotencyKey: body.idempotency_key ?? null,
    requirements: body.requirements ?? null,
  }
}

function overridesOf(body: z.infer<typeof rerunSchema>): LineageOverrides {
  return {
    environment: body.job_type ?? null,
    timeoutS: body.timeout ?? null,
    memoryMb: body.memory_mb ?? null,
    cpus: body.cpus ?? null,
  }
}

/** Execution, async jobs, cancel, rerun/fork and the live event stream (see docs/api.md, 'Jobs'). */
export function jobRoutes(ctx: ApiContext): Route[] {
  const { core, lifecycle } = ctx
  const { jobs, store } = core

  return [
    route('POST', '/execute', async (req, res) => {
      const t0 = performance.now()
      const body = parseBody(executeRequestSchema, await ctx.readJsonBody(req))
      // Tako VM uses idempotency keys on async submits only.
      const queued = await lifecycle.start(
        { ...runRequestOf(body), idempotencyKey: null },
        { id: `api-${randomUUID()}` },
      )
      // A client that disconnects does not cancel the run: it is recorded like any other.
      const rec = (await jobs.wait(queued.id)) ?? queued
      const out = ctx.outputs(rec.id)
      sendJson(
        res,
        200,
        executeResponse(rec, out.stdout, out.stderr, (performance.now() - t0) / 1000),
      )
    }),

    route('POST', '/execute/async', async (req, res) => {
      const body = parseBody(executeRequestSchema, await ctx.readJsonBody(req))
      const submit = await normalizeRunRequest(runRequestOf(body), core)
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
      const rec = lifecycle.submit(submit)
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
        const done = await jobs.wait(id, timeoutS * 1000)
        if (!done) throw new HttpError(408, 'Timeout waiting for job')
        rec = done
      }
      const out = ctx.outputs(id)
      const body = recordResponse(
        rec,
        out.stdout,
        out.stderr,
        full,
        full ? ctx.inputSizes(id) : undefined,
      )
      const pos = jobs.queuePosition(id)
      if (pos !== null) body.queue_position = pos
      sendJson(res, 200, body)
    }),

    route('POST', '/jobs/{id}/cancel', async (req, res, p) => {
      await ctx.readJsonBody(req)
      const id = p.id ?? ''
      if (!lifecycle.cancel(id)) {
        throw new HttpError(404, 'Job not found or already completed')
      }
      sendJson(res, 200, { status: 'cancelled', job_id: id })
    }),

    route('POST', '/jobs/{id}/rerun', async (req, res, p) => {
      const body = parseBody(rerunSchema, await ctx.readJsonBody(req))
      const rec = await lifecycle.rerun(p.id ?? '', overridesOf(body), 'api')
      sendJson(res, 200, { job_id: rec.id, status: 'queued' })
    }),

    route('POST', '/jobs/{id}/fork', async (req, res, p) => {
      const { code, ...overrides } = parseBody(forkSchema, await ctx.readJsonBody(req))
      const rec = await lifecycle.fork(p.id ?? '', code, overridesOf(overrides), 'api')
      sendJson(res, 200, { job_id: rec.id, status: 'queued' })
    }),

    route('GET', '/jobs/{id}/events', (req, res, p) => {
      const rec = ctx.getRecordOr404(p.id ?? '')
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      })
      res.write(': tako events\n\n')
      let unsubscribe: (() => void) | null = null
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000)
      const finish = (): void => {
        clearInterval(heartbeat)
        unsubscribe?.()
        unsubscribe = null
        res.end()
      }
      req.on('close', finish)
      const send = (e: RunEvent): void => {
        writeEvent(res, e)
        if (e.type === 'run.status' && isTerminal(e.status)) finish()
      }
      unsubscribe = jobs.follow(rec.id, send)
      if (unsubscribe) return
      // Finished (or from an earlier session): replay what the store kept.
      const final = store.get(rec.id) ?? rec
      const out = ctx.outputs(rec.id)
      let seq = 0
      writeEvent(res, { type: 'run.status', runId: rec.id, status: 'queued', seq: ++seq })
      if (final.startedAt)
        writeEvent(res, { type: 'run.status', runId: rec.id, status: 'running', seq: ++seq })
      if (out.stdout)
        writeEvent(res, {
          type: 'run.output',
          runId: rec.id,
          stream: 'stdout',
          text: out.stdout,
          seq: ++seq,
        })
      if (out.stderr)
        writeEvent(res, {
          type: 'run.output',
          runId: rec.id,
          stream: 'stderr',
          text: out.stderr,
          seq: ++seq,
        })
      writeEvent(res, { type: 'run.status', runId: rec.id, status: final.status, seq: seq + 1 })
      finish()
    }),
  ]
}

function writeEvent(res: ServerResponse, e: RunEvent): void {
  const name = e.type === 'run.output' ? e.stream : 'status'
  const data =
    e.type === 'run.output'
      ? { job_id: e.runId, stream: e.stream, text: e.text }
      : { job_id: e.runId, status: e.status }
  res.write(`id: ${e.seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
}
