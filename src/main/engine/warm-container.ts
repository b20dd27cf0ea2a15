// One warm container: its slot folder, its container started and waiting on stdin for its one
// run's go line (supervisor.ts), and the key a run must match to use it (see docs/architecture.md,
// 'Warm pool'). The pool (warm-pool.ts) decides when to make and drop them.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { RunLimits } from '../../shared/run'
import type { ArchiveSlot, ArchiveTransfer } from './archive-transfer'
import { buildContainerSpec } from './container-spec'
import { DockerDemuxer } from './demux'
import type { ContainerClient } from './docker-client'
import type { UsageMonitor } from './resource-usage'
import { chownToSandbox } from './run-folder'
import type { SandboxUsers } from './run-users'
import { READY_MARKER } from './supervisor'

/** A started container waiting for its one run. */
export interface WarmContainer {
  id: string
  key: string
  slotDir: string
  codeDir: string
  inputDir: string
  outputDir: string
  stream: NodeJS.ReadWriteStream
  /** Resolves with the exit code when the container stops (or 'error' if the daemon fails). */
  exited: Promise<number | 'error'>
  /** Where the stream's raw chunks go once the run owns the container. */
  setSink(sink: ((chunk: Buffer) => void) | null): void
  streamEnded: Promise<void>
  readyAt: number
  /** Its own cgroup parent (resource-usage.ts), null when resource use is not measured so. */
  cgroupParent: string | null
  /** False once the container stopped or its stream closed (e.g. the daemon restarted). */
  alive(): boolean
  /** Archive transfer: its volumes, and the loader that fills them at dispatch (absent: bind mounts). */
  archive?: ArchiveSlot | null
}

/**
 * What is fixed at container creation — image, runtime, limits; a run can use a warm container only
 * if all of these match (a warm runsc container never serves a runc run, nor the reverse).
 */
export function poolKey(image: string, limits: RunLimits, runtime = 'runc'): string {
  return JSON.stringify([
    image,
    runtime,
    limits.memoryBytes,
    limits.cpus,
    limits.pids,
    limits.nofile,
    limits.fileSizeBytes,
    limits.tmpBytes,
  ])
}

/** What a warm container is made for: a run can use it only if all of these match. */
export interface WarmKind {
  image: string
  runtime: string
  limits: RunLimits
  preimports: readonly string[]
}

export interface WarmSpawnOptions {
  client: ContainerClient
  sessionId: string
  /** Each warm container gets a uid:gid of its own from here, as a cold run does. */
  users: SandboxUsers
  /** Folder for the containers' bind-mounted slots; must be on the same filesystem as the runs. */
  root: string
  /** Gives each warm container a cgroup parent of its own, to measure its run (resource-usage.ts). */
  usage?: UsageMonitor
  /** Archive transfer: volumes and a loader per warm container instead of the slot's bind mounts. */
  archive?: ArchiveTransfer | null
}

const READY_TIMEOUT_MS = 120_000

/**
 * Makes a warm container of this kind and waits until its supervisor says it is ready. On any
 * failure everything made so far is undone, in reverse order; the container through `remove`
 * (the daemon may be going down, which is often why the warm-up failed).
 */
export async function spawnWarm(
  o: WarmSpawnOptions,
  kind: WarmKind,
  remove: (id: string) => Promise<void>,
): Promise<WarmContainer> {
  const slotId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
  const slotDir = path.join(o.root, slotId)
  const codeDir = path.join(slotDir, 'code')
  const inputDir = path.join(slotDir, 'input')
  const outputDir = path.join(slotDir, 'output')
  fs.mkdirSync(codeDir, { recursive: true, mode: 0o755 })
  fs.mkdirSync(inputDir, { mode: 0o755 })
  fs.mkdirSync(outputDir, { mode: 0o700 })
  const user = o.users.next()
  chownToSandbox(outputDir, user)
  let cgroupParent: string | null = null
  let archive: ArchiveSlot | null = null
  let id: string | null = null
  try {
    cgroupParent = (await o.usage?.parentFor(`pool-${slotId}`)) ?? null
    archive =
      (await o.archive?.prepare(`pool-${slotId}`, kind.image, kind.limits, user, null)) ?? null
    id = await o.client.create(
      buildContainerSpec({
        kind: 'warm',
        slotId,
        sessionId: o.sessionId,
        image: kind.image,
        limits: kind.limits,
        runtime: kind.runtime,
        user,
        codeDir,
        inputDir,
        outputDir,
        preimports: kind.preimports,
        ...(cgroupParent ? { cgroupParent } : {}),
        ...(archive ? { volumes: archive.volumes } : {}),
      }),
    )
    const container = id
    let sink: ((chunk: Buffer) => void) | null = null
    const stream = await o.client.attachInteractive(container)
    const streamEnded = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => sink?.(chunk))
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', () => resolve())
    })
    const ready = new Promise<void>((resolve, reject) => {
      let seen = ''
      const demux = new DockerDemuxer((which, payload) => {
        if (which !== 'stdout') return
        seen = (seen + payload.toString('latin1')).slice(-64)
        if (seen.includes(READY_MARKER)) resolve()
      })
      sink = (chunk) => demux.push(chunk)
      void streamEnded.then(() => reject(new Error('warm container ended before it was ready')))
      setTimeout(
        () => reject(new Error('warm container not ready in time')),
        READY_TIMEOUT_MS,
      ).unref()
    })
    // A start that fails leaves `ready` unawaited; its later rejection (the stream ends as the
    // daemon goes down) must not surface as an unhandled rejection. The catch below handles it.
    ready.catch(() => undefined)
    await o.client.start(container)
    const exited = o.client.wait(container).catch((): 'error' => 'error')
    let alive = true
    void exited.then(() => (alive = false))
    void streamEnded.then(() => (alive = false))
    await ready
    sink = null
    return {
      id: container,
      key: poolKey(kind.image, kind.limits, kind.runtime),
      slotDir,
      codeDir,
      inputDir,
      outputDir,
      stream,
      exited,
      streamEnded,
      readyAt: Date.now(),
      cgroupParent,
      alive: () => alive,
      archive,
      setSink: (s) => {
        sink = s
      },
    }
  } catch (err) {
    if (id !== null) await remove(id)
    if (archive) await o.archive?.release(archive)
    o.usage?.release(cgroupParent)
    fs.rmSync(slotDir, { recursive: true, force: true })
    throw err
  }
}
