import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
import { createCore, type Core, type CoreOptions } from '../../src/main/app/core'
import type { RunRecord } from '../../src/shared/record'
import { LABEL_APP, LABEL_OWNER } from '../../src/main/engine/container-spec'
import { currentOwner, ownerAlive } from '../../src/main/engine/owner'
import { cgroupOfPid } from '../../src/main/engine/cgroup-files'
import { DockerContainerClient, type ContainerClient } from '../../src/main/engine/docker-client'
import { startServer } from '../../src/main/server/server'

export const ROOT = path.resolve(import.meta.dirname, '..', '..')

export function tempDir(prefix = 'tako-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number
  body: T
  headers: Headers
}

export async function request<T = Record<string, unknown>>(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const { json, ...rest } = init
  const headers = new Headers(rest.headers)
  let body = rest.body
  if (json !== undefined) {
    headers.set('content-type', 'application/json')
    body = JSON.stringify(json)
  }
  const res = await fetch(url, { ...rest, headers, body: body ?? null })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers }
}

/**
 * Containers with our label that this test process is responsible for: those it owns itself, and
 * those whose owner process has exited (a server the test started and stopped). Containers of other
 * live app processes sharing the daemon (a developer's server, a parallel test run) are not ours.
 */
export async function ourContainers(): Promise<string[]> {
  const me = currentOwner()
  const list = await new DockerContainerClient().listByLabel(LABEL_APP)
  return list
    .filter((c) => c.labels[LABEL_OWNER] === me || !ownerAlive(c.labels[LABEL_OWNER]))
    .map((c) => c.id)
}

/**
 * Nothing that `list()` returns is left, once removals still under way are done: a removal the
 * daemon refused for now (busy after a restart, another removal in progress) is retried by the
 * engine's removal queue every few seconds, so a container it is still removing gets a minute.
 * One never removed is still reported.
 */
export async function expectNoneLeft(list: () => Promise<string[]>): Promise<void> {
  const deadline = Date.now() + 60_000
  let left = await list()
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500))
    left = await list()
  }
  expect(left).toEqual([])
}

/** None of `ourContainers()` left. Other suites may share the daemon: give removals a minute. */
export async function expectNoContainersLeft(): Promise<void> {
  await expectNoneLeft(ourContainers)
}

/**
 * An engine + API in this process on a free port, with its own data folder. With `rendererDir`
 * (a built `out/renderer`, see `ensureRenderer`) it also serves the app's web UI at `/`.
 */
export async function startInProcess(
  options: Partial<CoreOptions> & { rendererDir?: string | null } = {},
): Promise<{
  core: Core
  url: string
  dataDir: string
  [Symbol.asyncDispose](): Promise<void>
  close(): Promise<void>
}> {
  const { rendererDir = null, ...coreOptions } = options
  const dataDir = coreOptions.dataDir ?? tempDir()
  const core = createCore({ dataDir, ...coreOptions })
  await core.startup()
  const server = await startServer({ core, port: 0, rendererDir })
  const close = async (): Promise<void> => {
    await core.shutdown()
    await server.close()
  }
  return { core, url: server.url, dataDir, close, [Symbol.asyncDispose]: close }
}

/**
 * The warm path as a test sees it: which runs went through a warm container (the engine's
 * `pool-dispatch` log), pass it to `startInProcess` as `log`.
 */
export class WarmRuns {
  readonly ids = new Set<string>()
  readonly log = (event: string, fields: Record<string, unknown>): void => {
    if (event === 'pool-dispatch') this.ids.add(String(fields.runId))
  }

  /** With the pool on, the run went through a warm container (else it ran cold). */
  expectPath(core: Core, id: string): void {
    expect(this.ids.has(id), 'warm path when the pool is on').toBe(core.engine.pool !== null)
  }
}

/** With the pool on, waits for a warm container of the default limits (the next run goes warm). */
export async function warmReady(core: Core): Promise<void> {
  const pool = core.engine.pool
  if (!pool) return
  await until(async () => (pool.stats().ready >= 1 ? true : undefined), 'a warm container', 60_000)
}

/** The record of a run once it has ended. */
export async function finishedRun(core: Core, id: string): Promise<RunRecord> {
  const rec = await core.jobs.wait(id)
  expect(rec).not.toBeNull()
  return rec!
}

/**
 * Builds the app's web UI into `out/renderer` when it is missing or older than its sources (as
 * `npm run serve` does) and returns that folder.
 */
export function ensureRenderer(): string {
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', '.bin', 'tsx'), 'scripts/ensure-renderer.ts'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  return path.join(ROOT, 'out', 'renderer')
}

export interface ServeProcess {
  url: string
  child: ChildProcess
  output(): string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Starts the server exactly as the README says (`npm run serve`), on a free port and its own data
 * folder. A server that does not come up is stopped (its whole process group) before the error is
 * thrown.
 */
export async function startServeProcess(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const port = await freePort()
  const child = spawn('npm', ['run', 'serve', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, TAKO_PORT: String(port), TAKO_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // The whole process group: npm, the tsx loader and the node server.
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // already gone
      }
      await exited
    }
    // npm exits before the server under it has finished shutting down (its warm pool, its
    // removals): only a group with no process left means the server is gone.
    await groupGone(child.pid!)
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    let problem: string | null = null
    if (child.exitCode !== null) problem = 'server exited early'
    else {
      try {
        const res = await fetch(`${url}/health`)
        if (res.ok) break
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) problem = 'server did not start'
    }
    if (problem !== null) {
      // What is left of it (the node server under an npm that exited, its warm containers) goes.
      await kill('SIGTERM')
      throw new Error(`${problem}: ${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { url, child, output: () => out, kill }
}

/** Waits until no process of the group `pid` leads is left (at most a minute). */
export async function groupGone(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      process.kill(-pid, 0)
    } catch {
      return
    }
    if (Date.now() > deadline) throw new Error(`the server's processes (group ${pid}) did not exit`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Asks `probe` every 100 ms until it returns a value (not undefined); fails after `timeoutMs`. */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * The container's own cgroup, relative to a v1 hierarchy, wherever its cgroup parent put it (see
 * docs/run-contract.md, 'Resource use'): from its init's `/proc/<pid>/cgroup`, else `docker/<id>`.
 */
export async function containerCgroup(
  client: Pick<ContainerClient, 'inspect'>,
  id: string,
): Promise<string> {
  const { pid } = await client.inspect(id)
  const rel = pid ? cgroupOfPid({ version: 1, root: '/sys/fs/cgroup' }, pid) : null
  return rel ?? `docker/${id}`
}
