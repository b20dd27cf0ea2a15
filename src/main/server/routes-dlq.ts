import type { RunRecord } from '../../shared/record'
import { DeadLetterQueue, enteredAt } from '../store/dead-letters'
import type { ApiContext } from './context'
import { HttpError, sendJson } from './http-util'
import { queryInt, route, type Route } from './router'

/** One entry as Tako VM's `/dlq` lists it; `job_data` is a summary without the code (as Tako 0.1.4+). */
function entryDto(r: RunRecord): Record<string, unknown> {
  return {
    id: r.id,
    job_id: r.id,
    job_data: {
      job_type: r.environment,
      image: r.image,
      code_sha256: r.codeHash,
      input_sha256: r.inputHash,
      timeout: r.limits.timeoutMs / 1000,
      memory_mb: r.limits.memoryBytes / 1024 / 1024,
      cpus: r.limits.cpus,
      source: r.source,
    },
    error_type: r.error?.type ?? null,
    error_message: r.error?.message ?? null,
    retry_count: 0,
    created_at: enteredAt(r),
    client_ip: null,
    correlation_id: null,
  }
}

/** Tako VM's dead-letter queue endpoints over runs that failed for an infrastructure reason. */
export function dlqRoutes(ctx: ApiContext): Route[] {
  const dlq = new DeadLetterQueue(ctx.core.store)
  return [
    route('GET', '/dlq/stats', (_req, res) => sendJson(res, 200, dlq.stats())),
    route('GET', '/dlq', (_req, res, _p, url) => {
      const limit = queryInt(url, 'limit', 100, 1, 1000)
      const offset = queryInt(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
      const page = dlq.page(limit, offset)
      sendJson(res, 200, {
        items: page.items.map(entryDto),
        limit,
        offset,
        has_more: page.hasMore,
        count: page.items.length,
      })
    }),
    route('DELETE', '/dlq/{id}', (_req, res, p) => {
      const id = p.id ?? ''
      if (!dlq.remove(id)) throw new HttpError(404, 'DLQ entry not found')
      sendJson(res, 200, { status: 'removed', entry_id: id })
    }),
  ]
}
