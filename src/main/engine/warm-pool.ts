import fs from 'node:fs'
import type { RunLimits } from '../../shared/run'
import { dockerMessage } from './docker-client'
import type { RemovalQueue } from './removal-queue'
import {
  poolKey,
  spawnWarm,
  type WarmContainer,
  type WarmKind,
  type WarmSpawnOptions,
} from './warm-container'

export { poolKey, type WarmContainer } from './warm-container'

export interface PoolOptions extends WarmSpawnOptions {
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
  /**
   * When a run took a container and another is still ready, its replacement is warmed once the run
   * ends, or after this long (default 2 s) while it goes on.
   */
  refillDelayMs?: number
  /**
   * Removes discarded containers, retrying while Docker is down or restarting (the engine's queue,
   * drained at shutdown); without it a failed removal is only logged.
   */
  removals?: RemovalQueue
}

interface KeyState extends WarmKind {
  ready: WarmContainer[]
  starting: number
  lastUsed: number
}

/** A long run's replacement is warmed after this long even while the run goes on (default). */
const REFILL_DELAY_MS = 2_000
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
  private readonly discards = new Set<Promise<void>>()
  /** Refills waiting for the run that took a container to end. */
  private readonly afterRun = new Map<WarmContainer, () => void>()
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
      this.discardInBackground(warm)
      warm = state.ready.shift() ?? null
    }
    // Another container is ready for the next run: warm the replacement once this run is over,
    // so starting a container does not compete with the run (see docs/architecture.md, 'Warm pool').
    if (warm && state.ready.length > 0) this.fillAfterRun(warm, state)
    else this.fill(state)
    return warm
  }

  /** Fills `state` when `warm`'s run releases its slot, or after REFILL_DELAY_MS at the latest. */
  private fillAfterRun(warm: WarmContainer, state: KeyState): void {
    const refill = (): void => {
      clearTimeout(timer)
      if (this.afterRun.delete(warm)) this.fill(state)
    }
    const timer = setTimeout(refill, this.o.refillDelayMs ?? REFILL_DELAY_MS)
    timer.unref()
    this.afterRun.set(warm, refill)
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
    for (const w of state.ready.splice(0)) this.discardInBackground(w)
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
        const warm = await spawnWarm(this.o, state, (id) => this.removeContainer(id))
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

  private async removeContainer(id: string): Promise<void> {
    if (this.o.removals) return this.o.removals.remove('pool', id)
    await this.o.client
      .remove(id)
      .catch((err: unknown) =>
        this.o.log('pool-remove-failed', { containerId: id, error: dockerMessage(err) }),
      )
  }

  private discardInBackground(warm: WarmContainer): void {
    const p = this.discard(warm).finally(() => this.discards.delete(p))
    this.discards.add(p)
  }

  private async discard(warm: WarmContainer): Promise<void> {
    await this.removeContainer(warm.id)
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
    this.afterRun.clear()
    this.queue.length = 0
    while (this.spawns.size > 0) await Promise.all([...this.spawns])
    while (this.discards.size > 0) await Promise.all([...this.discards])
    const all = [...this.keys.values()].flatMap((k) => k.ready.splice(0))
    this.keys.clear()
    await Promise.all(all.map((w) => this.discard(w)))
  }

  /**
   * Releases a used container's slot folder (its output was moved into the run already; what is
   * left is the copied code and input). Off the event loop: removing it while Docker removes the
   * container took milliseconds of the run's reply (measured, see bench/README.md).
   */
  releaseSlot(warm: WarmContainer): void {
    this.afterRun.get(warm)?.()
    fs.promises
      .rm(warm.slotDir, { recursive: true, force: true })
      .catch((err: unknown) =>
        this.o.log('pool-slot-remove-failed', { slotDir: warm.slotDir, error: String(err) }),
      )
  }
}
