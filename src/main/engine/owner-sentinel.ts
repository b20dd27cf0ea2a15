import { spawn } from 'node:child_process'
import type { Writable } from 'node:stream'
import { LABEL_SESSION } from './container-spec'

/**
 * The sentinel's program: plain CommonJS with no dependencies, run as `node -e PROGRAM endpoint
 * label value` (Electron with ELECTRON_RUN_AS_NODE=1). It waits on its stdin, a pipe from the owner.
 * The line `exit` means a clean shutdown: it exits doing nothing. End of input without it means the
 * owner died (even by SIGKILL, which closes the pipe): it force-removes every container carrying
 * `label=value` through the Docker API at `endpoint`, sweeping again a little later for a container
 * whose creation was in flight, then exits.
 */
export const SENTINEL_PROGRAM = String.raw`
'use strict'
const http = require('node:http')
const [endpoint, label, value] = process.argv.slice(1)
const target = endpoint.startsWith('unix://')
  ? { socketPath: endpoint.slice('unix://'.length) }
  : (() => {
      const u = new URL(endpoint.replace(/^tcp:/, 'http:'))
      return { host: u.hostname, port: Number(u.port || 2375) }
    })()
function call(method, path) {
  return new Promise((resolve) => {
    const req = http.request({ ...target, method, path, timeout: 15000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve(body))
      res.on('error', () => resolve(''))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(''))
    req.end()
  })
}
async function sweep() {
  const filters = encodeURIComponent(JSON.stringify({ label: [label + '=' + value] }))
  let ids = []
  try {
    ids = JSON.parse(await call('GET', '/containers/json?all=1&filters=' + filters)).map((c) => c.Id)
  } catch {
    ids = []
  }
  for (const id of ids) await call('DELETE', '/containers/' + encodeURIComponent(id) + '?force=1&v=1')
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let settled = false
let input = ''
async function ownerGone() {
  if (settled) return
  settled = true
  for (const delay of [0, 1000, 3000]) {
    await sleep(delay)
    await sweep()
  }
  process.exit(0)
}
process.stdin.setEncoding('utf8')
process.stdin.on('data', (d) => {
  input += d
  if (input.split('\n').includes('exit')) {
    settled = true
    process.exit(0)
  }
  if (input.length > 64) input = input.slice(-64)
})
process.stdin.on('end', ownerGone)
process.stdin.on('error', ownerGone)
`

export interface OwnerSentinel {
  readonly pid: number | undefined
  /** Clean shutdown: the sentinel exits without removing anything. Resolves once the line is sent. */
  stop(): Promise<void>
}

/** The endpoints the sentinel can reach with plain `node:http`: a unix socket or plain tcp. */
export function sentinelSupports(endpoint: string): boolean {
  return /^unix:\/\/\/./.test(endpoint) || /^tcp:\/\/[^/]+/.test(endpoint)
}

/**
 * Starts the owner sentinel for one session: a detached child (its own process group, so a signal
 * to ours does not reach it) holding the read end of a pipe from this process. When this process
 * dies, however it dies, the pipe closes and the sentinel removes the session's containers, so no
 * run container outlives the app (see docs/security.md, 'Live runs and the data folder'). Null when
 * the endpoint is one it cannot reach (npipe, ssh, TLS), where the next start's reaper remains.
 */
export function startOwnerSentinel(options: {
  endpoint: string
  sessionId: string
  log?: (event: string, fields: Record<string, unknown>) => void
}): OwnerSentinel | null {
  const log = options.log ?? (() => undefined)
  if (!sentinelSupports(options.endpoint) || process.env.DOCKER_TLS_VERIFY) {
    log('owner-sentinel-unsupported', { endpoint: options.endpoint })
    return null
  }
  const child = spawn(
    process.execPath,
    ['-e', SENTINEL_PROGRAM, options.endpoint, LABEL_SESSION, options.sessionId],
    {
      cwd: '/',
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    },
  )
  child.on('error', (err) => log('owner-sentinel-error', { error: String(err) }))
  const stdin = child.stdin as Writable & { unref?: () => void }
  stdin.on('error', () => undefined)
  // Neither the child nor its pipe keeps this process alive.
  child.unref()
  stdin.unref?.()
  let stopped: Promise<void> | null = null
  return {
    pid: child.pid,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (stdin.destroyed || stdin.writableEnded) return resolve()
        stdin.once('error', () => resolve())
        stdin.end('exit\n', () => resolve())
      })
      return stopped
    },
  }
}
