import { MAX_PACK_BYTES } from '../app/exercise-pack'
import { PackRefused } from '../app/exercise-spec'
import {
  deleteExercise,
  exerciseDetail,
  importPack,
  submissionDetail,
  submissionsCsv,
  submit,
} from '../app/exercise-service'
import type { ExerciseSummary } from '../../shared/exercise'
import type { ApiContext } from './context'
import { sendJson } from './http-util'
import { route, zipUpload, type Route } from './router'
import { RequestValidationError } from './validation'

function summaryBody(s: ExerciseSummary): Record<string, unknown> {
  return {
    id: s.id,
    title: s.title,
    environment: s.environment,
    test_count: s.testCount,
    max_score: s.maxScore,
    imported_at: s.importedAt,
    pack_sha256: s.packSha256,
  }
}

/**
 * Exercise packs over HTTP (see docs/exercise-pack.md and docs/api.md): `POST /exercises` takes a
 * zipped pack (application/zip; 413 past MAX_PACK_BYTES, 422 with the exact reason when refused,
 * nothing stored), then the student's view, submissions and the teacher's CSV. Requests that change
 * state are refused from another site's page like every other (`siteRefusal`, applied to all routes).
 */
export function exerciseRoutes(ctx: ApiContext): Route[] {
  const ex = ctx.core.exercises
  return [
    zipUpload('/exercises', MAX_PACK_BYTES, PackRefused, async (body, res) => {
      const summary = await importPack(ex, body, ctx.core.maxTimeoutS)
      sendJson(res, 201, { id: summary.id, ...summaryBody(summary) })
    }),
    route('GET', '/exercises', (_req, res) => {
      sendJson(res, 200, { exercises: ex.store.list().map(summaryBody) })
    }),
    route('GET', '/exercises/{id}', (_req, res, p) => {
      const d = exerciseDetail(ex, p.id ?? '')
      sendJson(res, 200, {
        ...summaryBody(d),
        instructions: d.instructions,
        starter: d.starter,
        limits: { timeout: d.limits.timeoutS, memory_mb: d.limits.memoryMb },
        tests: d.tests.map((t) => {
          if (t.visibility === 'hidden') return t
          const { hasCheck, ...rest } = t
          return { ...rest, has_check: hasCheck }
        }),
      })
    }),
    route('DELETE', '/exercises/{id}', async (_req, res, p) => {
      await deleteExercise(ex, p.id ?? '')
      sendJson(res, 200, { deleted: true })
    }),
    route('POST', '/exercises/{id}/submit', async (req, res, p) => {
      const body = await ctx.readJsonBody(req)
      const code = (body as { code?: unknown } | null)?.code
      const extra = Object.keys(body ?? {}).filter((k) => k !== 'code')
      if (typeof code !== 'string' || code.length === 0 || extra.length > 0) {
        throw new RequestValidationError([
          typeof code !== 'string' || code.length === 0
            ? {
                type: 'missing',
                loc: ['body', 'code'],
                msg: 'Field required: code (a non-empty string)',
                input: code ?? null,
              }
            : {
                type: 'extra_forbidden',
                loc: ['body', extra[0]],
                msg: 'Extra inputs are not permitted',
                input: null,
              },
        ])
      }
      const s = submit(ex, p.id ?? '', code)
      sendJson(res, 202, { submission_id: s.id, status: s.status })
    }),
    route('GET', '/submissions/{id}', (_req, res, p) => {
      const d = submissionDetail(ex, p.id ?? '')
      sendJson(res, 200, {
        submission_id: d.id,
        exercise_id: d.exerciseId,
        created_at: d.createdAt,
        status: d.status,
        score: d.score,
        max_score: d.maxScore,
        total: d.total,
        tests: d.tests,
        results: d.results,
        error: d.error,
      })
    }),
    route('GET', '/exercises/{id}/submissions.csv', (_req, res, p) => {
      const text = submissionsCsv(ex, p.id ?? '')
      res.writeHead(200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${p.id ?? 'exercise'}-submissions.csv"`,
        'Cache-Control': 'no-store',
      })
      res.end(text)
    }),
  ]
}
