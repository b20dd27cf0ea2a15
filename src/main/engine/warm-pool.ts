import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { RunLimits } from '../../shared/run'
import { buildContainerSpec } from './container-spec'
import { DockerDemuxer } from './demux'
import { dockerMessage, type ContainerClient } from './docker-client'
import { chownToSandbox } from './run-folder'
import type { SandboxUsers } from './run-users'
import type { UsageMonitor } from './resource-usage'
import { READY_MARKER } from './supervisor'
import type { ArchiveSlot, ArchiveTransfer } from './archive-transfer'

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

export interface PoolOptions {
  client: ContainerClient
  sessionId: string
  /** Each warm container gets a uid:gid of its own from here, as a cold run does. */
  users: SandboxUsers
  /** Folder for the containers' bind-mounted slots; must be on the same filesystem as the runs. */
  root: string
  /** Warm containers kept per key. */
  size: number
  /** Warm containers kept (ready or starting) across all keys (default 4). */
  maxContainers?: number
  /** Keys kept warm at once; the least recently used one goes first (default 3). */
  maxKeys?: number
  /** A key unused this long is dropped and its containers removed. */
  idleMs: number
  /** Warm-ups started at once (default 1). */
  spawnConcurrency?: number
  log: (event: string, fields: Record<string, unknown>) => void
  /** Gives each warm container a cgroup parent of its own, to measure its run (resource-usage.ts). */
  usage?: UsageMonitor
  /** Archive transfer: volumes and a loader per warm container instead of the slot's bind mounts. */
  archive?: ArchiveTransfer | null
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

interface KeyState {
  image: string
  runtime: string
  limits: RunLimits
  preimports: readonly string[]
  ready: WarmContainer[]
  starting: number
  lastUsed: number
}

const READY_TIMEOUT_MS = 120_000
/** Keys asked for once, remembered so that a second ask warms them; the oldest are forgotten. */
const MAX_REMEMBERED_ASKS = 64

/**
 * The warm pool: a few started containers per (image, limits) key, each used for exactly one run
 * and then removed like any other; replaced in the background one at a time (so warming never
 * competes with more than one core), labelled and reaped like the rest, and dropped when a key has
 * been idle for a while — the pool shrinks to zero on its own. Bounded: at most `maxContainers`
 * containers and `maxKeys` keys, and a key is warmed only once asked for twice (see
 * docs/architecture.md, 'Warm pool').
 */
export class WarmPool {
  private readonly keys = new Map<string, KeyState>()
  private readonly asks = new Map<string, number>()
  private readonly queue: KeyState[] = []
  private readonly spawns = new Set<Promise<void>>()
  private active = 0
  private readonly sweeper: NodeJS.Timeout
  private closed = false

  constructor(private readonly o: PoolOptions) {
    fs.mkdirSync(o.root, { recursive: true, mode: 0o711 })
    this.sweeper = setInterval(() => void this.sweep(), Math.min(30_000, o.idleMs))
    this.sweeper.unref()
  }

  stats(): { keys: number; ready: number; starting: number } {
    let ready = 0
    let starting = 0
    for (const k of this.keys.values()) {
      ready += k.ready.length
      starting += k.starting
    }
    return { keys: this.keys.size, ready, starting }
  }

  /**
   * A warm container for exactly these limits, or null (the caller runs cold). A key is kept warm
   * only once it has been asked for twice, so rare limits never fill the pool; refills run in the
   * background.
   */
  take(
    image: string,
    limits: RunLimits,
    preimports: readonly string[],
    runtime = 'runc',
  ): WarmContainer | null {
    if (this.closed) return null
    const key = poolKey(image, limits, runtime)
    let state = this.keys.get(key)
    if (!state) {
      const asks = (this.asks.get(key) ?? 0) + 1
      this.asks.delete(key)
      if (asks < 2) {
        this.asks.set(key, asks)
        if (this.asks.size > MAX_REMEMBERED_ASKS) this.asks.delete(this.asks.keys().next().value!)
        return null
      }
      state = this.addKey(key, image, limits, preimports, runtime)
    }
    state.lastUsed = Date.now()
    let warm = state.ready.shift() ?? null
    while (warm && !warm.alive()) {
      // Stopped while waiting (daemon restart, killed from outside): never hand it a run.
      void this.discard(warm)
      warm = state.ready.shift() ?? null
    }
    this.fill(state)
    return warm
  }

  /** Starts warming a key ahead of its first run (e.g. the default environment at start-up). */
  prewarm(image: string, limits: RunLimits, preimports: readonly string[], runtime = 'runc'): void {
    const key = poolKey(image, limits, runtime)
    this.fill(this.keys.get(key) ?? this.addKey(key, image, limits, preimports, runtime))
  }

  /** Keeps a new key warm, dropping the least recently used key beyond `maxKeys`. */
  private addKey(
    key: string,
    image: string,
    limits: RunLimits,
    preimports: readonly string[],
    runtime: string,
  ): KeyState {
    const state: KeyState = {
      image,
      runtime,
      limits,
      preimports,
      ready: [],
      starting: 0,
      lastUsed: Date.now(),
    }
    this.keys.set(key, state)
    while (this.keys.size > (this.o.maxKeys ?? 3)) {
      let oldest: string | null = null
      for (const [k, st] of this.keys) {
        if (k !== key && (oldest === null || st.lastUsed < this.keys.get(oldest)!.lastUsed))
          oldest = k
      }
      if (oldest === null) break
      this.dropKey(oldest)
    }
    return state
  }

  private dropKey(key: string): void {
    const state = this.keys.get(key)
    if (!state) return
    this.keys.delete(key)
    for (const w of state.ready.splice(0)) void this.discard(w)
  }

  private fill(state: KeyState): void {
    const { ready, starting } = this.stats()
    const room = (this.o.maxContainers ?? 4) - ready - starting
    const missing = Math.min(room, this.o.size - state.ready.length - state.starting)
    for (let i = 0; i < missing; i++) {
      state.starting++
      this.queue.push(state)
    }
    this.pump()
  }

  /**
   * Starts queued warm-ups, at most `spawnConcurrency` at a time across all keys, so warming never
   * takes more than that many cores from real runs.
   */
  private pump(): void {
    while (this.active < (this.o.spawnConcurrency ?? 1) && this.queue.length > 0) {
      const state = this.queue.shift()!
      this.active++
      const job = (async (): Promise<void> => {
        if (this.closed || !this.keys.has(poolKey(state.image, state.limits, state.runtime))) return
        const warm = await this.spawn(state)
        if (this.closed || !this.keys.has(warm.key)) await this.discard(warm)
        else state.ready.push(warm)
      })()
        .catch((err: unknown) => this.o.log('pool-spawn-failed', { error: dockerMessage(err) }))
        .finally(() => {
          state.starting--
          this.active--
          this.spawns.delete(job)
          this.pump()
        })
      this.spawns.add(job)
    }
  }

  private async spawn(state: KeyState): Promise<WarmContainer> {
    const slotId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
    const slotDir = path.join(this.o.root, slotId)
    const codeDir = path.join(slotDir, 'code')
    const inputDir = path.join(slotDir, 'input')
    const outputDir = path.join(slotDir, 'output')
    fs.mkdirSync(codeDir, { recursive: true, mode: 0o755 })
    fs.mkdirSync(inputDir, { mode: 0o755 })
    fs.mkdirSync(outputDir, { mode: 0o700 })
    const user = this.o.users.next()
    chownToSandbox(outputDir, user)
    const cgroupParent = (await this.o.usage?.parentFor(`pool-${slotId}`)) ?? null
    let archive: ArchiveSlot | null
    try {
      archive =
        (await this.o.archive?.prepare(`pool-${slotId}`, state.image, state.limits, user, null)) ??
        null
    } catch (err) {
      this.o.usage?.release(cgroupParent)
      fs.rmSync(slotDir, { recursive: true, force: true })
      throw err
    }
    const spec = buildContainerSpec({
      kind: 'warm',
      slotId,
      sessionId: this.o.sessionId,
      image: state.image,
      limits: state.limits,
      runtime: state.runtime,
      user,
      codeDir,
      inputDir,
      outputDir,
      preimports: state.preimports,
      ...(cgroupParent ? { cgroupParent } : {}),
      ...(archive ? { volumes: archive.volumes } : {}),
    })
    let id: string
    try {
      id = await this.o.client.create(spec)
    } catch (err) {
      if (archive) await this.o.archive?.release(archive)
      this.o.usage?.release(cgroupParent)
      fs.rmSync(slotDir, { recursive: true, force: true })
      throw err
    }
    let sink: ((chunk: Buffer) => void) | null = null
    try {
      const stream = await this.o.client.attachInteractive(id)
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
      await this.o.client.start(id)
      const exited = this.o.client.wait(id).catch((): 'error' => 'error')
      let alive = true
      void exited.then(() => (alive = false))
      void streamEnded.then(() => (alive = false))
      await ready
      sink = null
      return {
        id,
        key: poolKey(state.image, state.limits, state.runtime),
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
      await this.o.client.remove(id).catch(() => undefined)
      if (archive) await this.o.archive?.release(archive)
      this.o.usage?.release(cgroupParent)
      fs.rmSync(slotDir, { recursive: true, force: true })
      throw err
    }
  }

  private async discard(warm: WarmContainer): Promise<void> {
    await this.o.client
      .remove(warm.id)
      .catch((err: unknown) =>
        this.o.log('pool-remove-failed', { containerId: warm.id, error: dockerMessage(err) }),
      )
    if (warm.archive) await this.o.archive?.release(warm.archive)
    this.o.usage?.release(warm.cgroupParent)
    fs.rmSync(warm.slotDir, { recursive: true, force: true })
  }

  /** Drops keys idle for longer than `idleMs`, removing their containers. */
  async sweep(now = Date.now()): Promise<void> {
    for (const [key, state] of this.keys) {
      if (now - state.lastUsed < this.o.idleMs) continue
      this.keys.delete(key)
      const ready = state.ready.splice(0)
      for (const w of ready) await this.discard(w)
    }
    this.asks.clear()
  }

  /** Removes every warm container (app shutdown, pool switched off). */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.sweeper)
    this.queue.length = 0
    while (this.spawns.size > 0) await Promise.all([...this.spawns])
    const all = [...this.keys.values()].flatMap((k) => k.ready.splice(0))
    this.keys.clear()
    await Promise.all(all.map((w) => this.discard(w)))
  }

  /** Releases a used container's slot folder (its output was moved into the run already). */
  releaseSlot(warm: WarmContainer): void {
    fs.rmSync(warm.slotDir, { recursive: true, force: true })
  }
}
