import { BundleRefused } from '../app/bundle-zip'
import { bundleFileName, exportableRun, exportBundle } from '../app/bundle-export'
import { MAX_BUNDLE_BYTES } from '../app/bundle-format'
import { importBundle } from '../app/bundle-import'
import type { ApiContext } from './context'
import { sendJson } from './http-util'
import { route, zipUpload, type Route } from './router'

/**
 * Run bundles (see docs/bundles.md): `GET /executions/{id}/bundle` streams a finished run as a zip;
 * `POST /executions/import` takes one (application/zip, at most MAX_BUNDLE_BYTES: 413 past it),
 * verifies all of it before writing anything, and answers 201 with the new run's id, or 422 with
 * the exact reason it was refused. Like every request that changes state, the import is refused
 * from another site's page (see `siteRefusal`, applied to every route).
 */
export function bundleRoutes(ctx: ApiContext): Route[] {
  const { store } = ctx.core
  return [
    route('GET', '/executions/{id}/bundle', async (req, res, p) => {
      const record = exportableRun(store, ctx.getRecordOr404(p.id ?? '').id)
      const name = bundleFileName(record.id)
      const headers = {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'no-store',
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, headers)
        res.end()
        return
      }
      res.writeHead(200, headers)
      try {
        await exportBundle(store, record.id, res)
        res.end()
      } catch {
        // The headers are gone: a cut connection is how the client learns the bundle is incomplete.
        res.destroy()
      }
    }),
    zipUpload('/executions/import', MAX_BUNDLE_BYTES, BundleRefused, async (body, res) => {
      const record = await importBundle(store, body)
      sendJson(res, 201, {
        execution_id: record.id,
        original_id: record.imported?.originalId ?? null,
      })
    }),
  ]
}
