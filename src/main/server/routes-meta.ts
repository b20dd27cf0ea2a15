import { HISTORY_SORTS, type DockerStatus } from '../../shared/api'
import { RUN_STATUSES } from '../../shared/run'
import { dockerStatus as pingDocker } from '../app/events'
import type { ApiContext } from './context'
import { recordResponse } from './dto'
import { HttpError, sendJson } from './http-util'
import { queryInt, route, type Route } from './router'

export const API_VERSION = '0.1.0'

/** A query parameter that must be one of `values` (422 otherwise); null when absent. */
function queryEnum<T extends string>(url: URL, name: string, values: readonly T[]): T | null {
  const value = url.searchParams.get(name)
  if (value === null || values.includes(value as T)) return value as T | null
  throw new HttpError(422, [
    {
      type: 'enum',
      loc: ['query', name],
      msg: `Input should be one of ${values.join(', ')}`,
      input: value,
    },
  ])
}

/** Health, job types and the execution history (see docs/api.md, 'History'). */
export function metaRoutes(ctx: ApiContext): Route[] {
  const { core } = ctx
  const { jobs, store } = core
  let dockerCache: { at: number; value: DockerStatus } | null = null

  async function dockerStatus(): Promise<DockerStatus> {
    if (dockerCache && Date.now() - dockerCache.at < 1000) return dockerCache.value
    const value = await pingDocker(core)
    if (value.available) core.breaker.recordSuccess()
    else core.breaker.recordFailure()
    dockerCache = { at: Date.now(), value }
    return value
  }

  return [
    route('GET', '/health', async (_req, res) => {
      const docker = await dockerStatus()
      const breaker = core.breaker.snapshot()
      sendJson(res, 200, {
        status: docker.available && breaker.state !== 'open' ? 'healthy' : 'degraded',
        docker_available: docker.available,
        docker_version: docker.version,
        docker_error: docker.error,
        gvisor_available: docker.gvisorAvailable ?? false,
        default_runtime: docker.defaultRuntime ?? null,
        docker_host: docker.host ?? null,
        file_transfer: docker.transfer ?? null,
        container_engine: docker.engine ?? null,
        circuit_breaker: breaker,
        version: API_VERSION,
        production_mode: false,
        queue_stats: jobs.stats(),
      })
    }),
    route('GET', '/pool/stats', (_req, res) => sendJson(res, 200, jobs.stats())),
    route('GET', '/executions', (_req, res, _p, url) => {
      const status = queryEnum(url, 'status', RUN_STATUSES)
      const sort = queryEnum(url, 'sort', HISTORY_SORTS)
      const limit = queryInt(url, 'limit', 100, 1, 1000)
      const offset = queryInt(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
      const jobType = url.searchParams.get('job_type')
      const q = url.searchParams.get('q')
      const full = url.searchParams.get('view') === 'full'
      const page = store.list({
        limit,
        offset,
        ...(status ? { status } : {}),
        ...(jobType ? { environment: jobType } : {}),
        ...(q ? { q } : {}),
        ...(sort ? { sort } : {}),
      })
      // List items leave `output`, stdout and stderr out (up to 16 + 2 × 1 MiB each, a thousand
      // to a page), in both views: GET /executions/{id} has them (see docs/api.md, 'History').
      const items = page.items.map((r) => {
        const dto = full
          ? recordResponse(r, { stdout: '', stderr: '' }, true, ctx.inputSizes(r.id))
          : recordResponse(r, { stdout: '', stderr: '' }, false)
        delete dto.stdout
        delete dto.stderr
        dto.code_preview = r.codePreview
        return dto
      })
      sendJson(res, 200, {
        items,
        limit,
        offset,
        has_more: page.hasMore,
        count: items.length,
        total: page.total,
      })
    }),
    route('GET', '/executions/{id}', (_req, res, p, url) => {
      const rec = ctx.getRecordOr404(p.id ?? '', 'Execution not found')
      const out = { ...ctx.outputs(rec.id), output: store.readOutput(rec.id) }
      const full = url.searchParams.get('view') === 'full'
      sendJson(res, 200, recordResponse(rec, out, full, full ? ctx.inputSizes(rec.id) : undefined))
    }),
    route('DELETE', '/executions/{id}', async (_req, res, p) => {
      const id = p.id ?? ''
      await ctx.lifecycle.remove(id)
      sendJson(res, 200, { status: 'deleted', execution_id: id })
    }),
  ]
}
