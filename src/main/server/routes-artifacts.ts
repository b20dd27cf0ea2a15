import fs from 'node:fs'
import path from 'node:path'
import { ARTIFACT_CSP_WEB } from '../../shared/csp'
import { openArtifact } from '../app/artifact-access'
import type { ApiContext } from './context'
import { route, type Route } from './router'

function contentDisposition(name: string): string {
  const base = path.posix.basename(name)
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`
}

/**
 * `GET|HEAD /jobs/{id}/artifacts/{path}`: only names in the run's manifest are served; the file is
 * re-resolved and checked to be inside the run's artifacts folder on every request, opened without
 * following a link, and must still be a regular file. ETag = sha256; If-None-Match → 304.
 */
export function artifactRoutes(ctx: ApiContext): Route[] {
  const { store } = ctx.core
  return [
    route('GET', '/jobs/{id}/artifacts/{path*}', (req, res, p, url) => {
      const name = p.path ?? ''
      const { artifact, fd, size } = openArtifact(store, p.id ?? '', name)
      const etag = `"${artifact.sha256}"`
      const headers: Record<string, string> = {
        'Content-Type': artifact.contentType,
        'Content-Length': String(size),
        ETag: etag,
        'Content-Disposition':
          url.searchParams.get('inline') === '1' ? 'inline' : contentDisposition(name),
        'Cache-Control': 'private, no-cache',
        // An artifact is the script's content: never let a browser run it in our origin.
        'Content-Security-Policy': ARTIFACT_CSP_WEB,
      }
      // The app previews HTML artifacts in a sandboxed frame of its own origin; nothing else may frame them.
      if (url.searchParams.get('inline') === '1') headers['X-Frame-Options'] = 'SAMEORIGIN'
      const inm = req.headers['if-none-match']
      if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
        fs.closeSync(fd)
        res.writeHead(304, { ETag: etag })
        res.end()
        return
      }
      if (req.method === 'HEAD') {
        fs.closeSync(fd)
        res.writeHead(200, headers)
        res.end()
        return
      }
      res.writeHead(200, headers)
      const stream = fs.createReadStream('', { fd, autoClose: true })
      stream.on('error', () => res.destroy())
      stream.pipe(res)
    }),
  ]
}
