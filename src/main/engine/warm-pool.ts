import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { RunLimits } from '../../shared/run'
import { buildContainerSpec, LABEL_ROLE, type SandboxUser } from './container-spec'
import { DockerDemuxer } from './demux'
import { dockerMessage, type ContainerClient } from './docker-client'
import { processStartTime } from './owner'
import { READY_MARKER, SUPERVISOR_SOURCE } from './supervisor'

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
  /**
   * The container's init as this host sees it, with its start time, when visible in our /proc
   * (Linux, same PID namespace): its death proves every process of the container is dead.
   */
  initProcess: { pid: number; startTime: string } | null
  /** False once the container stopped or its stream closed (e.g. the daemon restarted). */
  alive(): boolean
}

export interface PoolOptions {
  client: ContainerClient
  sessionId: string
  user: SandboxUser
  /** Folder for the containers' bind-mounted slots; must be on the same filesystem as the runs. */
  root: string
  /** Warm containers kept per key. */
  size: number
  /** A key unused this long is dropped and its containers removed. */
  idleMs: number
  /** Warm-ups started at once (default 1). */
  spawnConcurrency?: number
  log: (event: string, fields: Record<string, unknown>) => void
}

/** Limits fixed at container creation; a run can use a warm container only if all of these match. */
export function poolKey(image: string, limits: RunLimits): string {
  return JSON.stringify([
    image,
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
  limits: RunLimits
  preimports: readonly string[]
  ready: WarmContainer[]
  starting: number
  lastUsed: number
}

const READY_TIMEOUT_MS = 120_000

/**
 * The warm pool: a few started containers per (image, limits) key, each used for exactly one run
 * and then removed like any other; replaced in the background one at a time (so warming never
 * competes with more than one core), labelled and reaped like the rest, and dropped when a key has
 * been idle for a while — the pool shrinks to zero on its own.
 */
export class WarmPool {
  private readonly keys = new Map<string, KeyState>()
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

  /** A warm container for exactly these limits, or null (the caller runs cold). Refills in the background. */
  take(image: string, limits: RunLimits, preimports: readonly string[]): WarmContainer | null {
    if (this.closed) return null
    const key = poolKey(image, limits)
    let state = this.keys.get(key)
    if (!state) {
      state = { image, limits, preimports, ready: [], starting: 0, lastUsed: Date.now() }
      this.keys.set(key, state)
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
  prewarm(image: string, limits: RunLimits, preimports: readonly string[]): void {
    const key = poolKey(image, limits)
    if (!this.keys.has(key)) {
      this.keys.set(key, {
        image,
        limits,
        preimports,
        ready: [],
        starting: 0,
        lastUsed: Date.now(),
      })
    }
    this.fill(this.keys.get(key)!)
  }

  private fill(state: KeyState): void {
    const missing = this.o.size - state.ready.length - state.starting
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
        if (this.closed || !this.keys.has(poolKey(state.image, state.limits))) return
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
    if (process.getuid?.() === 0 && process.platform === 'linux') {
      fs.chownSync(outputDir, this.o.user.uid, this.o.user.gid)
    }
    const spec = buildContainerSpec({
      runId: `pool-${slotId}`,
      sessionId: this.o.sessionId,
      image: state.image,
      limits: state.limits,
      user: this.o.user,
      codeFile: codeDir,
      inputFile: inputDir,
      outputDir,
    })
    spec.name = `tako-pool-${slotId}`
    spec.HostConfig!.Binds = [
      `${codeDir}:/code:ro`,
      `${inputDir}:/input:ro`,
      `${outputDir}:/output:rw`,
    ]
    spec.Cmd = ['python3', '-u', '-c', SUPERVISOR_SOURCE, ...state.preimports]
    spec.OpenStdin = true
    spec.StdinOnce = true
    spec.AttachStdin = true
    spec.Labels = { ...spec.Labels, [LABEL_ROLE]: 'pool' }
    const id = await this.o.client.create(spec)
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
      const pid = (await this.o.client.inspect(id)).pid ?? 0
      const startTime = pid > 0 ? processStartTime(pid) : null
      return {
        id,
        key: poolKey(state.image, state.limits),
        slotDir,
        codeDir,
        inputDir,
        outputDir,
        stream,
        exited,
        streamEnded,
        readyAt: Date.now(),
        initProcess: startTime !== null ? { pid, startTime } : null,
        alive: () => alive,
        setSink: (s) => {
          sink = s
        },
      }
    } catch (err) {
      await this.o.client.remove(id).catch(() => undefined)
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
