// Shared fixtures of the security suite (see docs/security.md): a server on the real daemon with the
// production flags, a recording wrapper around the real Docker client, host canaries and the four
// checks every case ends with (status, host untouched, app answers, no container left).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { poolFromEnv, type CoreOptions } from '../../src/main/app/core'
import {
  LABEL_APP,
  LABEL_ROLE,
  LABEL_RUN,
  LABEL_SESSION,
} from '../../src/main/engine/container-spec'
import { DockerContainerClient, type ContainerClient } from '../../src/main/engine/docker-client'
import type { RunSpec } from '../../src/main/engine/run-engine'
import { imageRef } from '../../src/main/environments/catalogue'
import { defaultLimitsFor } from '../../src/main/app/run-request'
import type { RunLimits, RunOutcome } from '../../src/shared/run'
import { execute, expectNoSessionContainersLeft, type ExecuteBody } from '../integration/execute'
import {
  ensureRenderer,
  expectNoneLeft,
  request,
  startInProcess,
  tempDir,
} from '../integration/helpers'
import { rawRequest, sha256, sleep, waitForJob } from '../integration/http'

export { py } from '../integration/execute'
export { sha256, sleep } from '../integration/http'
export type { ExecuteBody } from '../integration/execute'

export const MiB = 1024 * 1024

export type Server = Awaited<ReturnType<typeof startInProcess>>

export interface CreatedContainer {
  id: string
  name: string
  labels: Record<string, string>
  spec: Docker.ContainerCreateOptions
}

/**
 * The real Docker client, passed through call for call, recording what was created and letting a
 * test inject delays or faults between the engine's steps (create → attach → start → wait).
 */
export class RecordingClient implements ContainerClient {
  readonly created: CreatedContainer[] = []
  readonly calls: string[] = []
  hooks: {
    afterCreate?: (id: string) => Promise<void> | void
    beforeStart?: (id: string) => Promise<void> | void
    wait?: (id: string, real: () => Promise<number>) => Promise<number>
  } = {}

  constructor(readonly real: DockerContainerClient = new DockerContainerClient()) {}

  get endpoint(): string {
    return this.real.endpoint
  }
  ping(): Promise<{ version: string; apiVersion: string }> {
    return this.real.ping()
  }
  imageExists(ref: string): Promise<boolean> {
    return this.real.imageExists(ref)
  }
  async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    const id = await this.real.create(spec)
    this.calls.push(`create:${id}`)
    this.created.push({
      id,
      name: spec.name ?? '',
      labels: { ...(spec.Labels ?? {}) },
      spec: structuredClone(spec),
    })
    await this.hooks.afterCreate?.(id)
    return id
  }
  attach(id: string): Promise<NodeJS.ReadableStream> {
    this.calls.push(`attach:${id}`)
    return this.real.attach(id)
  }
  attachInteractive(id: string): Promise<NodeJS.ReadWriteStream> {
    this.calls.push(`attachInteractive:${id}`)
    return this.real.attachInteractive(id)
  }
  async start(id: string): Promise<void> {
    await this.hooks.beforeStart?.(id)
    this.calls.push(`start:${id}`)
    return this.real.start(id)
  }
  wait(id: string): Promise<number> {
    this.calls.push(`wait:${id}`)
    const real = (): Promise<number> => this.real.wait(id)
    return this.hooks.wait ? this.hooks.wait(id, real) : real()
  }
  inspect(
    id: string,
  ): Promise<{ running: boolean; exitCode: number; oomKilled: boolean; pid?: number }> {
    return this.real.inspect(id)
  }
  kill(id: string): Promise<void> {
    this.calls.push(`kill:${id}`)
    return this.real.kill(id)
  }
  remove(id: string): Promise<void> {
    this.calls.push(`remove:${id}`)
    return this.real.remove(id)
  }
  listByLabel(label: string): Promise<{ id: string; labels: Record<string, string> }[]> {
    return this.real.listByLabel(label)
  }
  cpuTimeNs(id: string): Promise<number | null> {
    return this.real.cpuTimeNs(id)
  }
  /**
   * Passed through so runs are measured as in the app (a cgroup parent each): the engine's OOM
   * verdict reads that peak when Docker's OOMKilled misses a kill (docs/run-contract.md, 'Errors').
   */
  cgroupInfo(): Promise<{ driver: string; version: string }> {
    return this.real.cgroupInfo()
  }

  /** Run containers (role `run`) created so far, i.e. the cold path. */
  runContainers(): CreatedContainer[] {
    return this.created.filter((c) => c.labels[LABEL_ROLE] === 'run')
  }
}

export interface Ctx {
  srv: Server
  client: RecordingClient
  /** Engine and job log events, in order (`pool-dispatch` names the warm container of a run). */
  events: { event: string; fields: Record<string, unknown> }[]
  pool: boolean
}

/**
 * A server on the real daemon, in this process, with production flags and its own data folder. The
 * warm pool follows the environment as in production (on; `TAKO_POOL=0` turns it off, which is how
 * `npm run test:security:cold` runs this suite); `pool` forces it for a case about one path.
 */
export async function startSecure(
  options: { pool?: boolean; rendererDir?: string | null } & Partial<
    Omit<CoreOptions, 'pool'>
  > = {},
): Promise<Ctx> {
  const { pool = poolFromEnv().enabled, ...rest } = options
  const client = new RecordingClient()
  const events: Ctx['events'] = []
  const srv = await startInProcess({
    client,
    log: (event, fields) => events.push({ event, fields }),
    pool: { ...poolFromEnv(), enabled: pool },
    ...rest,
  })
  return { srv, client, events, pool }
}

/**
 * Every container the suite made had the production hardening, none relaxed: what docs/security.md
 * and buildContainerSpec promise, checked on the specs actually sent to the daemon (cold and warm).
 */
export function expectHardened(c: CreatedContainer): void {
  const h = c.spec.HostConfig ?? {}
  const where = `${c.name} (${c.labels[LABEL_ROLE] ?? '?'})`
  expect(h.Privileged, where).toBe(false)
  expect(h.CapDrop, where).toEqual(['ALL'])
  expect(h.CapAdd, where).toBeUndefined()
  expect(h.SecurityOpt, where).toEqual(['no-new-privileges'])
  expect(h.ReadonlyRootfs, where).toBe(true)
  expect(h.NetworkMode, where).toBe('none')
  expect(c.spec.NetworkDisabled, where).toBe(true)
  expect(h.Memory, where).toBeGreaterThan(0)
  expect(h.MemorySwap, where).toBe(h.Memory)
  expect(h.PidsLimit, where).toBeGreaterThan(0)
  expect(h.NanoCpus, where).toBeGreaterThan(0)
  expect(h.Init, where).toBe(true)
  expect(h.IpcMode, where).toBe('private')
  expect(h.LogConfig?.Type, where).toBe('none')
  expect(h.Devices ?? [], where).toEqual([])
  expect(h.Mounts ?? [], where).toEqual([])
  expect(h.PidMode ?? '', where).toBe('')
  expect(h.UsernsMode ?? '', where).toBe('')
  expect(h.Tmpfs?.['/tmp'], where).toMatch(/^rw,noexec,nosuid,nodev,size=\d+$/)
  expect(c.spec.User, where).toMatch(/^[1-9]\d*:[1-9]\d*$/)
  expect(
    c.spec.Env?.some((e) => e.startsWith('DOCKER_') || e.startsWith('TAKO_')),
    where,
  ).toBe(false)
  const binds = h.Binds ?? []
  expect(binds.map((b) => b.split(':').slice(1).join(':')).sort(), where).toEqual(
    c.labels[LABEL_ROLE] === 'pool'
      ? ['/code:ro', '/input:ro', '/output:rw']
      : c.labels[LABEL_ROLE] === 'handback'
        ? ['/output:rw']
        : ['/code/main.py:ro', '/input/data.json:ro', '/output:rw'],
  )
}

/** Closes the server; its session must have left no container at all, and its folder goes. */
export async function stopSecure(ctx: Ctx | undefined): Promise<void> {
  if (!ctx) return
  await ctx.srv.close()
  await expectNoSessionContainersLeft(ctx.srv.core.sessionId)
  for (const c of ctx.client.created) expectHardened(c)
  fs.rmSync(ctx.srv.dataDir, { recursive: true, force: true })
}

/** With the pool on, waits until a warm container for the default limits is ready. */
export async function warmReady(ctx: Ctx, timeoutMs = 60_000): Promise<void> {
  const pool = ctx.srv.core.engine.pool
  if (!ctx.pool || !pool) return
  const deadline = Date.now() + timeoutMs
  while (pool.stats().ready < 1) {
    if (Date.now() > deadline) throw new Error('no warm container became ready')
    await sleep(50)
  }
}

/** The container a run used on the warm path, or null when it ran cold. */
export function warmContainerOf(ctx: Ctx, runId: string): string | null {
  const e = ctx.events.find((x) => x.event === 'pool-dispatch' && x.fields.runId === runId)
  return e ? String(e.fields.containerId) : null
}

/** `POST /execute` on the context's server; on the warm path, waits for a warm container first. */
export async function run(ctx: Ctx, body: Record<string, unknown>): Promise<ExecuteBody> {
  await warmReady(ctx)
  return execute(ctx.srv.url, body)
}

/** Type, mode, size and content hash of a path (recursively for a folder), never following links. */
export function fingerprint(p: string): string {
  let st: fs.Stats
  try {
    st = fs.lstatSync(p)
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`
  }
  const head = `${st.mode.toString(8)}:${st.uid}:${st.gid}`
  if (st.isSymbolicLink()) return `link:${head}:${fs.readlinkSync(p)}`
  if (st.isFile()) return `file:${head}:${st.size}:${sha256(fs.readFileSync(p))}`
  if (st.isDirectory()) {
    const inner = fs
      .readdirSync(p)
      .sort()
      .map((n) => `${n}=${fingerprint(path.join(p, n))}`)
    return `dir:${head}:[${inner.join(',')}]`
  }
  return `other:${head}`
}

/** Snapshots host paths a case aims at; `verify()` asserts every one is exactly as it was. */
export class HostGuard {
  private readonly before = new Map<string, string>()

  constructor(paths: string[]) {
    for (const p of paths) this.before.set(p, fingerprint(p))
  }

  verify(): void {
    for (const [p, fp] of this.before) expect(fingerprint(p), `host path changed: ${p}`).toBe(fp)
  }
}

/** A host folder with known secrets in it, outside anything mounted into a container. */
export interface Canary {
  dir: string
  file: string
  secret: string
  nested: string
}

export function makeCanary(): Canary {
  const dir = tempDir('tako-sec-canary-')
  const secret = `TAKO-CANARY-${randomBytes(12).toString('hex')}`
  const file = path.join(dir, 'secret.txt')
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o644 })
  fs.mkdirSync(path.join(dir, 'sub'))
  const nested = path.join(dir, 'sub', 'id_rsa')
  fs.writeFileSync(nested, `-----BEGIN ${secret}-----\n`, { mode: 0o600 })
  return { dir, file, secret, nested }
}

/** The host files every case guards: the canary, system files a script might aim at, this suite. */
export function hostGuard(canary: Canary, ...extra: string[]): HostGuard {
  return new HostGuard([
    canary.dir,
    '/etc/hostname',
    '/etc/hosts',
    '/etc/passwd',
    path.join(import.meta.dirname, 'harness.ts'),
    ...extra,
  ])
}

/**
 * The checks every case ends with: the host paths are unchanged, the app still answers
 * (`GET /health` 200), and no container of the run is left — only idle warm containers that never
 * ran anything may remain in this server's session.
 */
export async function expectAftermath(ctx: Ctx, guard?: HostGuard): Promise<void> {
  guard?.verify()
  const health = await request(`${ctx.srv.url}/health`)
  expect(health.status).toBe(200)
  await ctx.srv.core.engine.drain()
  const dispatched = new Set(
    ctx.events.filter((e) => e.event === 'pool-dispatch').map((e) => String(e.fields.containerId)),
  )
  // A removal the daemon refused for now is retried by the engine (expectNoneLeft).
  await expectNoneLeft(async () => {
    const left = (await ctx.client.listByLabel(LABEL_APP)).filter(
      (c) => c.labels[LABEL_SESSION] === ctx.srv.core.sessionId,
    )
    const offending = left.filter((c) => c.labels[LABEL_ROLE] !== 'pool' || dispatched.has(c.id))
    return offending.map(
      (c) => `${c.id.slice(0, 12)} ${c.labels[LABEL_ROLE]} ${c.labels[LABEL_RUN]}`,
    )
  })
}

/** Containers (any state) carrying a given run id label: what the cold path created for it. */
export async function containersOfRun(runId: string): Promise<string[]> {
  const list = await new DockerContainerClient().listByLabel(`${LABEL_RUN}=${runId}`)
  return list.map((c) => c.id)
}

/** The script's last stdout line parsed as JSON (probes print one JSON object at the end). */
export function lastJson<T>(r: ExecuteBody): T {
  const last = r.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(last) as T
  } catch {
    throw new Error(`no JSON on the last stdout line; stdout=${r.stdout} stderr=${r.stderr}`)
  }
}

/** A GET sent with the path exactly as given (fetch would normalise `..` away). */
export async function rawGet(
  base: string,
  rawPath: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const res = await rawRequest(base, 'GET', rawPath)
  return { status: res.status, headers: res.headers, body: res.bytes }
}

/** URL path of an artifact as the renderer builds it (each segment percent-encoded). */
export function artifactPath(runId: string, name: string): string {
  return `/jobs/${encodeURIComponent(runId)}/artifacts/${name.split('/').map(encodeURIComponent).join('/')}`
}

/** Bytes used by a host folder tree (lstat sizes; links not followed). */
export function treeBytes(dir: string): { bytes: number; entries: number } {
  let bytes = 0
  let entries = 0
  const stack = [dir]
  while (stack.length > 0) {
    const d = stack.pop()!
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      entries++
      const p = path.join(d, e.name)
      const st = fs.lstatSync(p)
      bytes += st.size
      if (e.isDirectory()) stack.push(p)
    }
  }
  return { bytes, entries }
}

export const HOST_USER = os.userInfo().username

/**
 * Polls the API every 100 ms until stopped; the slowest answer shows whether the app kept up. It
 * asks `GET /pool/stats`, which the app answers itself: `/health` also waits for Docker (a ping, and
 * `docker info` for the runtimes), whose own latency on a loaded machine is not the app's.
 */
export function apiLatency(ctx: Ctx): { stop(): Promise<{ max: number; count: number }> } {
  let stopped = false
  let max = 0
  let count = 0
  const loop = (async (): Promise<void> => {
    while (!stopped) {
      const t0 = performance.now()
      const res = await fetch(`${ctx.srv.url}/pool/stats`)
      await res.arrayBuffer()
      expect(res.status).toBe(200)
      max = Math.max(max, performance.now() - t0)
      count++
      await sleep(100)
    }
  })()
  // A case that fails before stop() leaves the loop to fail once the server is gone: not a second,
  // unhandled error. stop() still reports the loop's own failure.
  loop.catch(() => undefined)
  return {
    async stop() {
      stopped = true
      await loop
      return { max, count }
    },
  }
}

/** Runs code through the engine directly (for limits the API does not expose, e.g. the ceiling). */
export async function engineRun(
  ctx: Ctx,
  code: string,
  limits: Partial<RunLimits> = {},
  extra: Partial<RunSpec> = {},
): Promise<{ runId: string; outcome: RunOutcome }> {
  const runId = `sec-${randomBytes(6).toString('hex')}`
  await warmReady(ctx)
  const outcome = await ctx.srv.core.engine.run({
    runId,
    code,
    inputData: {},
    environment: 'default',
    image: imageRef('default'),
    limits: { ...defaultLimitsFor('default'), ...limits },
    runDir: path.join(ctx.srv.dataDir, 'engine-runs', runId),
    ...extra,
  })
  return { runId, outcome }
}

/** Submits an async job and waits until it is running; returns its id. */
export async function startAsync(ctx: Ctx, body: Record<string, unknown>): Promise<string> {
  await warmReady(ctx)
  const res = await request<{ job_id: string }>(`${ctx.srv.url}/execute/async`, {
    method: 'POST',
    json: body,
  })
  expect(res.status).toBe(200)
  const id = res.body.job_id
  const deadline = Date.now() + 30_000
  while (!ctx.srv.core.jobs.isRunning(id) || !ctx.srv.core.store.get(id)?.startedAt) {
    if (Date.now() > deadline) throw new Error(`job ${id} did not start`)
    await sleep(20)
  }
  return id
}

/** The container running a job right now (warm or cold). */
export async function containerOf(ctx: Ctx, runId: string): Promise<string> {
  const warm = warmContainerOf(ctx, runId)
  if (warm) return warm
  const ids = await containersOfRun(runId)
  if (ids.length !== 1) throw new Error(`expected one container for ${runId}, found ${ids.length}`)
  return ids[0]
}

/** Waits for a job's final record over the API (`GET /jobs/{id}/result?wait=true`). */
export function result(ctx: Ctx, id: string): Promise<Record<string, unknown>> {
  return waitForJob(ctx.srv.url, id, { timeoutS: 120 })
}

/** What a security file's cases use: its server and the host canary every case is guarded by. */
export interface SecuritySuite {
  readonly ctx: Ctx
  readonly canary: Canary
}

/**
 * Registers the setup every security file shares, in the describe block (or file) it is called in:
 * a canary and a hardened server on the real daemon before the cases, and after EVERY case the
 * aftermath, without the case having to ask for it: the canary and the system files of
 * `hostGuard()` are exactly as they were before the case, `GET /health` answers 200 and no container
 * of a run is left (`expectAftermath`). After the last case the server closes, leaving no container
 * of its session, every container it made having had the production flags (`stopSecure`).
 *
 * The cases read `suite.ctx` and `suite.canary` (set once the server is up). Extra host paths a
 * file's cases aim at go in `guard`; `pool` forces the warm pool on or off as `startSecure` does;
 * `ui` also serves the app's web UI (built into `out/renderer` first if needed).
 */
export function securitySuite(
  options: { pool?: boolean; guard?: string[]; ui?: boolean } & Partial<
    Omit<CoreOptions, 'pool'>
  > = {},
): SecuritySuite {
  const { guard: extra = [], ui = false, ...start } = options
  let ctx: Ctx | undefined
  let canary: Canary | undefined
  let guard: HostGuard | undefined
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`securitySuite: ${what} is used before beforeAll ran`)
    return value
  }

  beforeAll(async () => {
    canary = makeCanary()
    ctx = await startSecure({ ...start, rendererDir: ui ? ensureRenderer() : null })
  })
  beforeEach(() => {
    guard = hostGuard(ready(canary, 'the canary'), ...extra)
  })
  afterEach(async () => {
    await expectAftermath(ready(ctx, 'the server'), guard)
    guard = undefined
  })
  afterAll(async () => {
    await stopSecure(ctx)
    if (canary) fs.rmSync(canary.dir, { recursive: true, force: true })
  })

  return {
    get ctx() {
      return ready(ctx, 'the server')
    },
    get canary() {
      return ready(canary, 'the canary')
    },
  }
}
