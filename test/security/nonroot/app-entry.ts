// The app as a non-root user, for run-uid-nonroot.test.ts: bundled into one file the test runs under
// `setpriv --reuid N --regid N --groups <docker socket's group>`. It serves the API on a free port,
// prints one JSON line with its address, then every engine event as a JSON line on stderr, and
// answers `warm` on stdin (a line `{"warm":true}` once a warm container is ready; at once when the
// pool is off). SIGTERM shuts it down as `npm run serve` does.
import readline from 'node:readline'
import { createCore } from '../../../src/main/app/core'
import { startServer } from '../../../src/main/server/server'

async function main(): Promise<void> {
  const dataDir = process.env.TAKO_DATA_DIR
  if (!dataDir) throw new Error('TAKO_DATA_DIR is required')
  const core = createCore({
    dataDir,
    maxTimeoutS: 120,
    maxRunEntries: Number(process.env.NONROOT_MAX_RUN_ENTRIES ?? 250_000),
    log: (event, fields) => process.stderr.write(`${JSON.stringify({ event, ...fields })}\n`),
  })
  const start = await core.startup()
  if (start.dockerError) throw new Error(start.dockerError)
  const server = await startServer({
    core,
    host: '127.0.0.1',
    port: 0,
    token: null,
    rendererDir: null,
  })
  const ids = { uid: process.getuid?.(), gid: process.getgid?.(), groups: process.getgroups?.() }
  process.stdout.write(
    `${JSON.stringify({ url: server.url, sessionId: core.sessionId, pool: core.engine.pool !== null, ...ids })}\n`,
  )
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'warm') return
    const poll = (): void => {
      const pool = core.engine.pool
      if (!pool || pool.stats().ready > 0) process.stdout.write('{"warm":true}\n')
      else setTimeout(poll, 50)
    }
    poll()
  })
  process.on('SIGTERM', () => {
    void Promise.all([core.shutdown(), server.close()]).then(() => process.exit(0))
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ event: 'entry-failed', error: String(err) })}\n`)
  process.exit(1)
})
