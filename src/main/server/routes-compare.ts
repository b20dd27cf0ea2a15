import type { JsonDiff, RunComparison } from '../../shared/compare'
import { compareRuns } from '../app/compare'
import { isValidRunId } from '../store/run-store'
import type { ApiContext } from './context'
import { mb } from './dto'
import { HttpError, RawJson, sendJson } from './http-util'
import { route, type Route } from './router'

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** The same value with every object key in snake_case (arrays and strings unchanged). */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeKeys(v)]))
}

/** A change's values as JSON (as stored), or the clipped text as a string when cut. */
function jsonDiffDto(d: JsonDiff): Record<string, unknown> {
  const value = (text: string | null, clipped: boolean): unknown =>
    text === null ? null : clipped ? text : new RawJson(text)
  return {
    identical: d.identical,
    changes: d.changes.map((c) => ({
      path: c.path,
      kind: c.kind,
      before: value(c.before, c.clipped),
      after: value(c.after, c.clipped),
      clipped: c.clipped,
    })),
    cut: d.cut,
  }
}

/**
 * The comparison on the wire: the app's shape with snake_case keys, `execution_id` for `id`,
 * `job_type` for `environment`, result/input values as JSON, and peak memory in MB (one decimal)
 * as `resource_usage.max_rss_mb` (see docs/api.md, 'Comparing two executions').
 */
export function comparisonDto(c: RunComparison): Record<string, unknown> {
  const { id, environment, input, output, resourceUsage, ...rest } = c
  const { maxRssBytes, ...usage } = resourceUsage
  return {
    execution_id: id,
    ...(snakeKeys(rest) as Record<string, unknown>),
    job_type: snakeKeys(environment),
    input: jsonDiffDto(input),
    output: jsonDiffDto(output),
    resource_usage: {
      max_rss_mb: {
        before: mb(maxRssBytes.before),
        after: mb(maxRssBytes.after),
        changed: maxRssBytes.changed,
      },
      ...(snakeKeys(usage) as Record<string, unknown>),
    },
  }
}

/** `GET /executions/{id}/compare?with={other}`: what differs from one execution to another. */
export function compareRoutes(ctx: ApiContext): Route[] {
  return [
    route('GET', '/executions/{id}/compare', (_req, res, p, url) => {
      const id = p.id ?? ''
      ctx.getRecordOr404(id, 'Execution not found')
      const other = url.searchParams.get('with')
      if (other === null || !isValidRunId(other)) {
        throw new HttpError(422, [
          {
            type: other === null ? 'missing' : 'value_error',
            loc: ['query', 'with'],
            msg: other === null ? 'Field required' : 'Value error, not an execution id',
            input: other,
          },
        ])
      }
      ctx.getRecordOr404(other, 'Execution to compare with not found')
      sendJson(res, 200, comparisonDto(compareRuns(ctx.core.store, id, other)))
    }),
  ]
}
