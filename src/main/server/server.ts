import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Core } from '../core'
import { createApiHandler } from './app'
import {
  DEFAULT_CONNECTION_LIMITS,
  guardConnections,
  type ConnectionLimits,
} from './connection-guard'
import { isLoopbackAddress } from './http-util'

export interface ServerOptions {
  core: Core
  host?: string
  port?: number
  token?: string | null
  rendererDir?: string | null
  /** Timeouts and the connection cap (tests shorten them). */
  limits?: Partial<ConnectionLimits>
}

export class ServerConfigError extends Error {}

/** Starts the API. A non-loopback bind refuses to start without a token. */
export async function startServer(
  options: ServerOptions,
): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 8000
  const loopback = isLoopbackAddress(host)
  if (!loopback && !options.token) {
    throw new ServerConfigError(
      `Refusing to listen on ${host} without a token: set TAKO_API_TOKEN (16+ characters) to bind beyond localhost.`,
    )
  }
  if (options.token && options.token.length < 16)
    throw new ServerConfigError('TAKO_API_TOKEN must be at least 16 characters')
  const handler = createApiHandler({
    rendererDir: options.rendererDir ?? null,
    core: options.core,
    token: options.token ?? null,
    checkHost: loopback,
  })
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits }
  // Node's own header timeout (408) is checked every `connectionsCheckingInterval`. Its total
  // `requestTimeout` stays off: a large pack upload may take long while its bytes keep coming;
  // the guard times bodies by idleness (and JSON bodies in total) instead.
  const server = http.createServer(
    {
      requestTimeout: 0,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, limits.headersTimeoutMs / 4)),
    },
    handler,
  )
  server.keepAliveTimeout = 5_000
  const unguard = guardConnections(server, limits)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address() as AddressInfo
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    server,
    url: `http://${shownHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        unguard()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
