import fs from 'node:fs'
import path from 'node:path'
import type { AppEvent } from '../../shared/api'
import { WEB_CSP } from '../../shared/csp'
import { subscribeAppEvents } from '../app/events'
import { createHandlers } from '../app/handlers'
import { invoke } from '../app/invoke'
import { base64CharsAt, type ApiContext } from './context'
import { HttpError, sendJson } from './http-util'
import { route, type Route } from './router'
import { openEventStream } from './sse'

const STATIC_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

/**
 * The desktop app over HTTP (web mode): the contract's methods at `POST /api/rpc/<method>`, its
 * events at `GET /api/events` (SSE), and the built renderer as static files at `/`.
 */
export function appRoutes(ctx: ApiContext, rendererDir: string | null): Route[] {
  const handlers = createHandlers(ctx.core)

  function serveStatic(res: Parameters<Route['handler']>[1], rel: string): void {
    if (!rendererDir) throw new HttpError(404, 'Not Found')
    const root = fs.realpathSync(rendererDir)
    let file: string
    try {
      file = fs.realpathSync(path.join(root, rel))
    } catch {
      throw new HttpError(404, 'Not Found')
    }
    if (!file.startsWith(root + path.sep) || !fs.statSync(file).isFile())
      throw new HttpError(404, 'Not Found')
    const body = fs.readFileSync(file)
    res.writeHead(200, {
      'Content-Type': STATIC_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Content-Security-Policy': WEB_CSP,
      'Cache-Control': rel.startsWith('assets/')
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    })
    res.end(body)
  }

  return [
    route('POST', '/api/rpc/{method}', async (req, res, p) => {
      // Only runs:start carries input files (their base64 beside Tako VM's 2 MiB).
      const args =
        p.method === 'runs:start'
          ? await ctx.readJsonBodyWithFiles(req, (b) => base64CharsAt(b, 'inputFiles'))
          : await ctx.readJsonBody(req)
      sendJson(res, 200, await invoke(handlers, p.method ?? '', args))
    }),
    route('GET', '/api/events', (_req, res) => {
      let off = (): void => undefined
      const stream = openEventStream(res, { hello: 'tako app events', onClose: () => off() })
      off = subscribeAppEvents(ctx.core, (e: AppEvent) => stream.send({ data: e }))
    }),
    route('GET', '/', (_req, res) => {
      if (!rendererDir) {
        res.writeHead(307, { Location: '/health' })
        res.end()
        return
      }
      serveStatic(res, 'index.html')
    }),
    route('GET', '/assets/{path*}', (_req, res, p) =>
      serveStatic(res, path.join('assets', p.path ?? '')),
    ),
  ]
}
