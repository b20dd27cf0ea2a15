import type {
  AppEvent,
  Args,
  DockerStatus,
  Envelope,
  Method,
  RunDetail,
  RunSummary,
  TakoApi,
} from '../shared/api'
import { METHODS, schemas } from '../shared/api'
import type { RunRecord } from '../shared/record'
import type { Core } from './core'
import { ENVIRONMENTS, findEnvironment } from './environments/catalogue'
import { QueueFullError, type SubmitRequest } from './jobs/job-service'
import { STDERR_FILE, STDOUT_FILE } from './store/run-store'
import { executeRequestSchema, RequestValidationError } from './server/validation'
import { resolveEnvironment, toSubmitRequest } from './server/run-request'
import { HttpError } from './server/http-util'

export type Handlers = { [M in Method]: (args: Args<M>) => Promise<TakoApi[M]> }

const MiB = 1024 * 1024

export function summarize(r: RunRecord): RunSummary {
  return {
    id: r.id,
    status: r.status,
    environment: r.environment,
    createdAt: r.createdAt,
    durationMs: r.durationMs,
    codePreview: r.codePreview,
    errorType: r.error?.type ?? null,
    parentId: r.parentId,
    relationship: r.relationship,
    source: r.source,
  }
}

/** The app's API over the core: one handler per TakoApi method, transport-agnostic. */
export function createHandlers(
  core: Core,
  shell: { revealFolder?: (folder: string) => void } = {},
): Handlers {
  const { jobs, store, environments } = core

  function submit(req: SubmitRequest): RunSummary {
    return summarize(jobs.submit(req))
  }

  function requestFor(
    code: string,
    input: Record<string, unknown>,
    environment: string,
    limits: Args<'runs:start'>['limits'],
  ): SubmitRequest {
    const custom = !findEnvironment(environment)
    const req = toSubmitRequest(
      {
        code,
        input_data: input,
        ...(custom ? { image: environment } : { job_type: environment }),
        timeout: limits?.timeoutS ?? null,
        memory_mb: limits?.memoryMb ?? null,
        cpus: limits?.cpus ?? null,
      },
      core.maxTimeoutS,
    )
    req.source = 'app'
    return req
  }

  return {
    async 'runs:start'(args) {
      if (!findEnvironment(args.environment)) {
        // The same image-name rule as the HTTP API's `image`, before the string goes near Docker.
        if (!executeRequestSchema.shape.image.safeParse(args.environment).success)
          throw new HttpError(422, `'${args.environment}' is not a valid image name`)
        const why = await environments.checkCustomImage(args.environment)
        if (why) throw new HttpError(422, why)
      }
      return submit(requestFor(args.code, args.input, args.environment, args.limits))
    },
    async 'runs:cancel'(args) {
      return { cancelled: jobs.cancel(args.id) }
    },
    async 'runs:get'(args) {
      const r = store.get(args.id)
      if (!r) throw new HttpError(404, 'Run not found')
      let input: unknown
      try {
        input = store.readInput(r.id)
      } catch {
        input = null
      }
      const detail: RunDetail = {
        ...summarize(r),
        code: store.readCode(r.id),
        input,
        stdout: store.readText(r.id, STDOUT_FILE),
        stderr: store.readText(r.id, STDERR_FILE),
        stdoutTruncated: r.stdoutTruncated,
        stderrTruncated: r.stderrTruncated,
        exitCode: r.exitCode,
        error: r.error,
        outputJson: store.readOutput(r.id),
        artifacts: r.artifacts,
        warnings: r.warnings,
        timing: r.timing,
        limits: {
          timeoutS: r.limits.timeoutMs / 1000,
          memoryMb: r.limits.memoryBytes / MiB,
          cpus: r.limits.cpus,
        },
        startedAt: r.startedAt,
        endedAt: r.endedAt,
      }
      return detail
    },
    async 'runs:rerun'(args) {
      const parent = store.get(args.id)
      if (!parent) throw new HttpError(404, 'Run not found')
      if (jobs.isLive(parent.id))
        throw new HttpError(400, "Cannot rerun a run that hasn't completed")
      const input = store.readInput(parent.id)
      const env = parent.environment === 'custom' ? parent.image : parent.environment
      const req = requestFor(
        store.readCode(parent.id),
        (input ?? {}) as Record<string, unknown>,
        env,
        {
          timeoutS: args.limits?.timeoutS ?? parent.limits.timeoutMs / 1000,
          memoryMb: args.limits?.memoryMb ?? parent.limits.memoryBytes / MiB,
          cpus: args.limits?.cpus ?? parent.limits.cpus,
        },
      )
      req.parentId = parent.id
      req.relationship = 'rerun'
      return submit(req)
    },
    async 'runs:delete'(args) {
      if (jobs.isLive(args.id))
        throw new HttpError(409, 'The run is still in progress; stop it first')
      return { deleted: store.delete(args.id) }
    },
    async 'runs:reveal'(args) {
      if (!store.has(args.id)) throw new HttpError(404, 'Run not found')
      const folder = store.runDir(args.id)
      shell.revealFolder?.(folder)
      return { path: folder, opened: shell.revealFolder !== undefined }
    },
    async 'history:list'(args) {
      const page = store.list({
        limit: args.limit,
        offset: args.offset,
        ...(args.q ? { q: args.q } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.environment ? { environment: args.environment } : {}),
      })
      return { items: page.items.map(summarize), total: page.total, hasMore: page.hasMore }
    },
    async 'environments:list'() {
      return Promise.all(
        ENVIRONMENTS.map(async (e) => {
          const status = await environments.state(e.name).catch(() => 'unknown' as const)
          return {
            name: e.name,
            description: e.description,
            packages: e.packages,
            status,
            defaults: {
              timeoutS: e.defaults.timeoutMs / 1000,
              memoryMb: e.defaults.memoryBytes / MiB,
              cpus: e.defaults.cpus,
            },
            imageSizeBytes: status === 'ready' ? await environments.imageSize(e.name) : null,
          }
        }),
      )
    },
    async 'environments:build'(args) {
      resolveEnvironment(args.name)
      void environments.build(args.name).catch(() => undefined)
      return { started: true }
    },
    async 'environments:cancelBuild'(args) {
      return { cancelled: environments.cancelBuild(args.name) }
    },
    async 'docker:status'() {
      return dockerStatus(core)
    },
  }
}

export async function dockerStatus(core: Core): Promise<DockerStatus> {
  try {
    const v = await Promise.race([
      core.client.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('Docker did not answer within 3 s')), 3000).unref(),
      ),
    ])
    return { available: true, version: v.version, error: null }
  } catch (err) {
    return { available: false, version: null, error: (err as Error).message }
  }
}

/** Validates a call's arguments with the contract's schema and runs its handler, as an envelope. */
export async function invoke(
  handlers: Handlers,
  method: string,
  args: unknown,
): Promise<Envelope<unknown>> {
  if (!(METHODS as string[]).includes(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `Unknown method ${method}` } }
  }
  const m = method as Method
  const parsed = schemas[m].safeParse(args ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    return {
      ok: false,
      error: { code: 'invalid_argument', message: `${where}${issue?.message ?? 'invalid'}` },
    }
  }
  try {
    const handler = handlers[m] as (a: unknown) => Promise<unknown>
    return { ok: true, value: await handler(parsed.data) }
  } catch (err) {
    if (err instanceof RequestValidationError) {
      return {
        ok: false,
        error: { code: 'invalid_argument', message: err.detail.map((d) => d.msg).join('; ') },
      }
    }
    if (err instanceof HttpError) {
      return { ok: false, error: { code: `http_${err.status}`, message: String(err.detail) } }
    }
    if (err instanceof QueueFullError)
      return { ok: false, error: { code: 'queue_full', message: err.message } }
    return { ok: false, error: { code: 'internal', message: (err as Error).message } }
  }
}

/**
 * The app event stream: run output and status, history changes, environment build progress, and
 * Docker status changes (polled every few seconds, pushed only when they change).
 */
export function subscribeAppEvents(
  core: Core,
  listener: (e: AppEvent) => void,
  pollMs = 4000,
): () => void {
  const offJobs = core.jobs.subscribe((e) => {
    if (e.type === 'run.output')
      listener({ type: 'run.output', runId: e.runId, stream: e.stream, text: e.text })
    else {
      listener({ type: 'run.status', runId: e.runId, status: e.status })
      listener({ type: 'history.changed', runId: e.runId })
    }
  })
  const offEnv = core.environments.subscribe((progress) =>
    listener({ type: 'env.build', progress }),
  )
  const offStore = core.store.onDelete((runId) => listener({ type: 'history.changed', runId }))
  let last = ''
  let stopped = false
  const poll = async (): Promise<void> => {
    const status = await dockerStatus(core)
    const key = JSON.stringify(status)
    if (!stopped && key !== last) {
      last = key
      listener({ type: 'docker.status', status })
    }
  }
  void poll()
  const timer = setInterval(() => void poll(), pollMs)
  timer.unref()
  return () => {
    stopped = true
    clearInterval(timer)
    offJobs()
    offEnv()
    offStore()
  }
}
