import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { ARTIFACT_CSP_WEB, runArtifactCsp } from '../../shared/csp'
import { openArtifact, openInputFile, type OpenArtifact } from '../app/artifact-access'
import type { ApiContext } from './context'
import { HttpError, sendJson } from './http-util'
import { route, type Route } from './router'

function contentDisposition(name: string): string {
  const base = path.posix.basename(name)
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`
}

/** How a file of a run is served from its own URL: a download, or inline (`?inline=1`) under the sandbox. */
function asFile(name: string, url: URL): Served {
  const inline = url.searchParams.get('inline') === '1'
  return {
    disposition: inline ? 'inline' : contentDisposition(name),
    csp: ARTIFACT_CSP_WEB,
    // Framed only by the app's own page.
    ...(inline ? { extra: { 'X-Frame-Options': 'SAMEORIGIN' } } : {}),
  }
}

/** The path prefix of a run's preview folder (see `PREVIEW_PATH` and docs/security.md, 'Previews'). */
function previewFolder(id: string, key: string): string {
  return `/jobs/${encodeURIComponent(id)}/preview/${key}/`
}

interface Served {
  disposition: string
  csp: string
  extra?: Record<string, string>
}

/**
 * Answers GET/HEAD of one artifact (or input file), opened safely by the caller: ETag = sha256,
 * If-None-Match → 304.
 */
function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  opened: OpenArtifact,
  served: Served,
): void {
  const { artifact, fd, size } = opened
  const etag = `"${artifact.sha256}"`
  const headers: Record<string, string> = {
    'Content-Type': artifact.contentType,
    'Content-Length': String(size),
    ETag: etag,
    'Content-Disposition': served.disposition,
    'Cache-Control': 'private, no-cache',
    // An artifact is the script's content: never let a browser run it in our origin.
    'Content-Security-Policy': served.csp,
    'X-Content-Type-Options': 'nosniff',
    ...served.extra,
  }
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
}

/**
 * `GET|HEAD /jobs/{id}/artifacts/{path}`: only names in the run's manifest are served; the file is
 * re-resolved and checked to be inside the run's artifacts folder on every request, opened without
 * following a link, and must still be a regular file.
 *
 * HTML previews: the app frames an HTML artifact from `/jobs/{id}/preview/{key}/{path}`, where `key`
 * is an HMAC of the run id under a secret of this server process, handed only to the app's own page
 * (`GET /api/preview-url`, refused cross-site like every route). The frame is sandboxed, so the
 * browser calls its own requests cross-site (`Origin: null`); the server lets such image, style,
 * font and media requests through only under a preview folder, the route checks the key, and the
 * report's policy allows that one folder and nothing else: a report shows its own run's images,
 * never another run's, and no other page can load either (see docs/security.md, 'Previews').
 */
export function artifactRoutes(ctx: ApiContext): Route[] {
  const secret = randomBytes(32)
  const keyOf = (id: string): string =>
    createHmac('sha256', secret).update(id).digest('hex').slice(0, 32)
  const keyMatches = (id: string, given: string): boolean => {
    const want = Buffer.from(keyOf(id))
    const got = Buffer.from(given)
    return got.length === want.length && timingSafeEqual(got, want)
  }
  const previewCsp = (req: IncomingMessage, id: string): string => {
    const host = req.headers.host ?? ''
    // Off loopback (a token-protected server) a Host of any form can arrive: no own sources then.
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) return ARTIFACT_CSP_WEB
    return runArtifactCsp(`http://${host}${previewFolder(id, keyOf(id))}`, true)
  }

  return [
    route('GET', '/jobs/{id}/artifacts/{path*}', (req, res, p, url) => {
      const name = p.path ?? ''
      serveFile(req, res, openArtifact(ctx.core.store, p.id ?? '', name), asFile(name, url))
    }),
    // A run's own input file (/input/<name>), by the artifact rules: only names in its record, never
    // through a link, under the artifact sandbox policy (no HTML preview folder: nothing loads).
    route('GET', '/jobs/{id}/input-files/{name}', (req, res, p, url) => {
      const name = p.name ?? ''
      serveFile(req, res, openInputFile(ctx.core.store, p.id ?? '', name), asFile(name, url))
    }),
    route('GET', '/jobs/{id}/preview/{key}/{path*}', (req, res, p) => {
      const id = p.id ?? ''
      if (!keyMatches(id, p.key ?? '')) throw new HttpError(404, 'Not Found')
      serveFile(req, res, openArtifact(ctx.core.store, id, p.path ?? ''), {
        disposition: 'inline',
        csp: previewCsp(req, id),
        // Only the app's own page may frame it.
        extra: { 'X-Frame-Options': 'SAMEORIGIN' },
      })
    }),
    route('GET', '/api/preview-url', (_req, res, _p, url) => {
      const id = url.searchParams.get('run') ?? ''
      const name = url.searchParams.get('path') ?? ''
      const { fd } = openArtifact(ctx.core.store, id, name)
      fs.closeSync(fd)
      const encoded = name.split('/').map(encodeURIComponent).join('/')
      sendJson(res, 200, { url: `${previewFolder(id, keyOf(id))}${encoded}` })
    }),
  ]
}
