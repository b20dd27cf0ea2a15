import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { RunEvent } from '../../shared/events'
import { isTerminal } from '../../shared/run'
import { InputTooLarge, type LineageOverrides } from '../app/lifecycle'
import { InvalidArgument } from '../app/errors'
import { normalizeRunRequest, type RunRequest } from '../app/run-request'
import { requestFingerprint } from '../jobs/fingerprint'
import { isValidRunId } from '../store/run-store'
import type { IncomingMessage } from 'node:http'
import { base64CharsAt, type ApiContext } from './context'
import { errorDto, executeResponse, recordResponse } from './dto'
import { clientGone, HttpError, sendJson, whileConnected } from './http-util'
import { queryBool, queryNumber, route, type Route } from './router'
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
const stdinSchema = z.union([
  z.strictObject({ data: z.string() }),
  z.strictObject({ eof: z.literal(true) }),
])

/** Tako VM's snake_case body in the app's neutral terms. */
function runRequestOf(body: ExecuteRequest): RunRequest {
  return {
    code: body.code,
    input: body.input_data,
    inputFiles: Object.entries(body.input_files ?? {}).map(([name, v]) =>
      typeof v === 'string'
        ? { name, data: v }
        : { name, fromRun: v.from_run, path: v.path, kind: v.kind },
    ),
    environment: body.job_type ?? null,
    image: body.image ?? null,
    timeoutS: body.timeout ?? null,
    memoryMb: body.memory_mb ?? null,
    cpus: body.cpus ?? null,
    source: 'api',
    idempotencyKey: body.idempotency_key ?? null,
    requirements: body.requirements ?? null,
    runtime: body.runtime ?? null,
    stdin: body.stdin ?? null,
    interactive: body.interactive ?? false,
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
  const readExecuteBody = (req: IncomingMessage): Promise<unknown> =>
    ctx.readJsonBodyWithFiles(req, (b) => base64CharsAt(b, 'input_files'))

  return [
    route('POST', '/execute', async (req, res) => {
      const t0 = performance.now()
      const body = parseBody(executeRequestSchema, await readExecuteBody(req))
      if (body.interactive) {
        // Nobody could answer its input() while this request waits: a live run is an async job.
        throw new InvalidArgument('interactive runs need POST /execute/async', [
          {
            field: 'interactive',
            message:
              'interactive runs need POST /execute/async (send input with POST /jobs/{id}/stdin); ' +
              'give batch input as `stdin` here',
            input: true,
          },
        ])
      }
      // Tako VM uses idempotency keys on async submits only.
      const queued = await lifecycle.start(
        { ...runRequestOf(body), idempotencyKey: null },
        { id: `api-${randomUUID()}` },
      )
      // A client that disconnects does not cancel the run: it is recorded like any other.
      const rec = (await jobs.wait(queued.id)) ?? queued
      // The run is kept either way; an answer nobody will read is not built.
      if (clientGone(res)) return
      const out = { ...ctx.outputs(rec.id), output: store.readOutput(rec.id) }
      sendJson(res, 200, executeResponse(rec, out, (performance.now() - t0) / 1000))
    }),

    route('POST', '/execute/async', async (req, res) => {
      const body = parseBody(executeRequestSchema, await readExecuteBody(req))
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
          stdin: body.stdin ?? null,
          interactive: body.interactive ?? null,
          inputFiles: submit.inputFiles ?? null,
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
      if (rec) {
        const error = errorDto(rec)
        if (error) body.error = error
      }
      if (rec?.parentId) {
        body.parent_execution_id = rec.parentId
        body.relationship = rec.relationship
      }
      const stdin = st.status === 'running' ? jobs.stdinState(id) : null
      if (stdin) {
        body.waiting_for_input = stdin.waiting !== null
        body.input_prompt = stdin.waiting?.prompt ?? null
      }
      sendJson(res, 200, body)
    }),

    route('POST', '/jobs/{id}/stdin', async (req, res, p) => {
      const body = parseBody(stdinSchema, await ctx.readJsonBody(req))
      try {
        lifecycle.sendStdin(p.id ?? '', 'data' in body ? { data: body.data } : { eof: true })
      } catch (err) {
        if (err instanceof InputTooLarge) throw new HttpError(413, err.message)
        throw err
      }
      sendJson(res, 202, { accepted: true, job_id: p.id })
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

/**
 * A run event as Tako VM's SSE frame: `stdout`/`stderr`/`status` events with the job id, and our
 * `input_requested`/`input_sent`/`input_eof` for live stdin (see docs/api.md, 'Standard input').
 */
function runEventFrame(e: RunEvent): { id: number; event: string; data: unknown } {
  switch (e.type) {
    case 'run.output':
      return {
        id: e.seq,
        event: e.stream,
        data: { job_id: e.runId, stream: e.stream, text: e.text },
      }
    case 'run.status':
      return { id: e.seq, event: 'status', data: { job_id: e.runId, status: e.status } }
    default:
      if (e.event === 'waiting')
        return { id: e.seq, event: 'input_requested', data: { job_id: e.runId, prompt: e.prompt } }
      if (e.event === 'sent')
        return { id: e.seq, event: 'input_sent', data: { job_id: e.runId, text: e.text } }
      return { id: e.seq, event: 'input_eof', data: { job_id: e.runId } }
  }
}
