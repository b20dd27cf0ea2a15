// Headless entry: `npm run serve` — the engine and the Tako VM-compatible API on 127.0.0.1:8000.
import fs from 'node:fs'
import path from 'node:path'
import { createCore, defaultDataDir } from './core'
import { findUp } from './paths'
import { acquireDataLock, DataFolderBusyError } from './store/data-lock'
import { startServer, ServerConfigError } from './server/server'

async function main(): Promise<void> {
  const dataDir = defaultDataDir()
  const host = process.env.TAKO_HOST ?? '127.0.0.1'
  const port = Number(process.env.TAKO_PORT ?? 8000)
  const maxTimeoutS = Number(process.env.TAKO_MAX_TIMEOUT ?? 300)
  // One server per data folder: a second one would recover (and let clients delete) live runs.
  acquireDataLock(dataDir)
  const core = createCore({
    dataDir,
    maxTimeoutS,
    ...(process.env.TAKO_WORKERS ? { workers: Number(process.env.TAKO_WORKERS) } : {}),
    ...(process.env.TAKO_MAX_QUEUE ? { maxQueue: Number(process.env.TAKO_MAX_QUEUE) } : {}),
    log: process.env.TAKO_DEBUG
      ? (event, fields) => console.error(`[engine] ${event}`, fields)
      : undefined,
  })
  const start = await core.startup()
  if (start.dockerError) console.warn(`[tako] ${start.dockerError}`)
  if (start.reaped || start.interrupted) {
    console.log(
      `[tako] reaped ${start.reaped} leftover container(s); ${start.interrupted} run(s) marked interrupted`,
    )
  }
  const rendererDir = findUp(path.join('out', 'renderer'))
  const hasRenderer = fs.existsSync(path.join(rendererDir, 'index.html'))
  const server = await startServer({
    core,
    host,
    port,
    token: process.env.TAKO_API_TOKEN ?? null,
    rendererDir: hasRenderer ? rendererDir : null,
  })
  console.log(`[tako] Tako VM API listening on ${server.url} (data: ${dataDir})`)
  console.log(
    hasRenderer
      ? `[tako] the app: open ${server.url}/ in a browser`
      : '[tako] the app UI is not built (npm run build); serving the API only',
  )
  let stopping = false
  const stop = (signal: string): void => {
    // A second Ctrl+C forces the exit; a repeated SIGTERM (a process manager and a wrapper both
    // passing it on) must not cut the shutdown short and leave containers behind.
    if (stopping) {
      if (signal === 'SIGINT') process.exit(1)
      return
    }
    stopping = true
    console.log(`[tako] ${signal}: stopping runs and the server`)
    void Promise.all([core.shutdown(), server.close()]).then(() => process.exit(0))
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err: unknown) => {
  if (err instanceof ServerConfigError || err instanceof DataFolderBusyError)
    console.error(`[tako] ${err.message}`)
  else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error('[tako] the port is already in use: stop the other server or set TAKO_PORT')
  } else console.error('[tako] failed to start:', err)
  process.exit(1)
})
