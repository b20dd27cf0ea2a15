import fs from 'node:fs'
import path from 'node:path'
import type { ApiContext } from './context'
import { HttpError } from './http-util'
import { route, type Route } from './router'

const O_SAFE_READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK

/** Rejects anything but a plain relative path of normal segments. */
export function checkArtifactPath(name: string): void {
  const segments = name.split('/')
  if (
    name.length === 0 ||
    name.length > 4096 ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new HttpError(400, 'Invalid artifact path')
  }
}

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
      checkArtifactPath(name)
      const rec = ctx.getRecordOr404(p.id ?? '')
      const artifact = rec.artifacts.find((a) => a.name === name)
      if (!artifact) throw new HttpError(404, 'Artifact not found')
      const root = store.artifactsDir(rec.id)
      let realRoot: string
      let realFile: string
      try {
        realRoot = fs.realpathSync(root)
        realFile = fs.realpathSync(path.join(root, name))
      } catch {
        throw new HttpError(404, 'Artifact file not found')
      }
      if (!realFile.startsWith(realRoot + path.sep))
        throw new HttpError(400, 'Invalid artifact path')
      let fd: number
      try {
        fd = fs.openSync(realFile, O_SAFE_READ)
      } catch {
        throw new HttpError(404, 'Artifact file not found')
      }
      const st = fs.fstatSync(fd)
      if (!st.isFile()) {
        fs.closeSync(fd)
        throw new HttpError(404, 'Artifact file not found')
      }
      const etag = `"${artifact.sha256}"`
      const headers: Record<string, string> = {
        'Content-Type': artifact.contentType,
        'Content-Length': String(st.size),
        ETag: etag,
        'Content-Disposition':
          url.searchParams.get('inline') === '1' ? 'inline' : contentDisposition(name),
        'Cache-Control': 'private, no-cache',
        // An artifact is the script's content: never let a browser run it in our origin.
        'Content-Security-Policy':
          "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
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
