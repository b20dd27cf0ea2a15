import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { ArchiveTransfer } from '../engine/archive-transfer'
import { resolveDockerEndpoint } from '../engine/docker-endpoint'
import { EnvironmentService } from '../environments/environment-service'
import {
  DockerContainerClient,
  DockerUnavailableError,
  type ContainerClient,
} from '../engine/docker-client'
import { startOwnerSentinel, type OwnerSentinel } from '../engine/owner-sentinel'
import { reapOrphans } from '../engine/reaper'
import { RemovalQueue } from '../engine/removal-queue'
import { removeTree, sweepTrash } from '../engine/remove-tree'
import { UsageMonitor } from '../engine/resource-usage'
import { RunEngine } from '../engine/run-engine'
import { defaultUsers } from '../engine/run-users'
import { PREIMPORTS } from '../engine/supervisor'
import { WarmPool } from '../engine/warm-pool'
import { environmentsWithModule, imageRef } from '../environments/catalogue'
import { CircuitBreaker, type BreakerOptions } from '../jobs/circuit-breaker'
import { JobService } from '../jobs/job-service'
import { RunStore } from '../store/run-store'
import { ExerciseStore } from '../store/exercise-store'
import { ExerciseGrader } from './exercise-grader'
import type { Exercises } from './exercise-service'
import { runtimeFromEnv, type RuntimeNames } from '../engine/runtimes'
import type { RuntimeChoice } from '../../shared/runtime'
import type { DockerConnection } from '../../shared/docker-connection'
import { MiB } from '../../shared/units'
import { defaultLimitsFor } from './run-request'

export interface CoreOptions {
  dataDir: string
  client?: ContainerClient
  /** dockerode for image work (builds, packs); defaults to the CLI's endpoint. */
  docker?: Docker
  sessionId?: string
  workers?: number
  maxQueue?: number
  /** Ceiling for a request's `timeout`, seconds (Tako VM's `max_timeout`). */
  maxTimeoutS?: number
  log?: (event: string, fields: Record<string, unknown>) => void
  /** Free space the data disk must keep during runs (default `TAKO_MIN_FREE_MB`, else 512 MiB). */
  minFreeBytes?: number
  /** Free inodes the data disk must keep (default: see engine/output-quota.ts). */
  minFreeInodes?: number
  /** One run's entries in /output past which it alone is stopped (default: engine/output-quota.ts). */
  maxRunEntries?: number
  /**
   * The owner sentinel removes this session's containers if the process dies without shutting
   * down. Default: on with the real Docker client, unless `TAKO_OWNER_SENTINEL=0`.
   */
  ownerSentinel?: boolean
  /** Warm pool of pre-started containers: on by default (`TAKO_POOL=0` turns it off). */
  pool?: {
    enabled: boolean
    size?: number
    /** Warm containers kept across all limits (TAKO_POOL_MAX, default 4). */
    max?: number
    idleMs?: number
    spawnConcurrency?: number
  }
  /** Tako VM's circuit breaker settings (5 failures, 30 s recovery, 2 successes by default). */
  breaker?: BreakerOptions
  /** Runtime of runs that do not ask for one (default `TAKO_RUNTIME`, else runc). */
  defaultRuntime?: RuntimeChoice
  /** Docker runtime names per choice (default runc, runsc). */
  runtimeNames?: Partial<RuntimeNames>
  /** The app's Docker connection setting (default `local`: as the docker CLI decides). */
  connection?: DockerConnection
}

/** Pool settings from the environment: TAKO_POOL (1/0), TAKO_POOL_SIZE, TAKO_POOL_MAX, TAKO_POOL_IDLE_S. */
export function poolFromEnv(env: NodeJS.ProcessEnv = process.env): {
  enabled: boolean
  size: number
  max: number
  idleMs: number
} {
  return {
    enabled: !/^(0|false|no|off)$/i.test(env.TAKO_POOL ?? '1'),
    size: Math.max(1, Math.min(8, Number(env.TAKO_POOL_SIZE ?? 2) || 2)),
    max: Math.max(1, Math.min(16, Number(env.TAKO_POOL_MAX ?? 4) || 4)),
    idleMs: Math.max(5, Number(env.TAKO_POOL_IDLE_S ?? 600) || 600) * 1000,
  }
}

export interface Core {
  sessionId: string
  client: ContainerClient
  engine: RunEngine
  store: RunStore
  jobs: JobService
  environments: EnvironmentService
  /** Exercise packs, submissions and their grader (see docs/exercise-pack.md). */
  exercises: Exercises
  /** Docker's health from run outcomes and pings, as `GET /health` reports it. */
  breaker: CircuitBreaker
  /** Stops the queue, removes warm containers: call before the process exits. */
  shutdown(): Promise<void>
  maxTimeoutS: number
  /** The Docker connection setting the engine was built with (see docs/remote-hosts.md). */
  connection: DockerConnection
  /** Reaps containers of earlier sessions, then marks their runs interrupted. Docker down is not fatal. */
  startup(): Promise<{ reaped: number; interrupted: number; dockerError: string | null }>
}

/** The data folder: `$TAKO_DATA_DIR`, else `$XDG_DATA_HOME/tako-vm-desktop`, else `~/.local/share/tako-vm-desktop`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TAKO_DATA_DIR) return path.resolve(env.TAKO_DATA_DIR)
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share')
  return path.join(xdg, 'tako-vm-desktop')
}

/** Worker count: the number of cores, at most 2 (throughput is bound by Docker create/start here). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()))
}

export function createCore(options: CoreOptions): Core {
  const sessionId = options.sessionId ?? randomUUID()
  const connection = options.connection ?? { kind: 'local' }
  const resolved = resolveDockerEndpoint(process.env, os.homedir(), connection)
  const docker = options.docker ?? new Docker(resolved.options)
  const dockerClient = new DockerContainerClient(docker, resolved.endpoint)
  const client = options.client ?? dockerClient
  const log = options.log
  const poolConfig = options.pool ?? poolFromEnv()
  const users = defaultUsers()
  const usage = new UsageMonitor(client, { log })
  const removals = new RemovalQueue(client, log ?? (() => undefined))
  // A daemon whose filesystem is not ours gets files by the archive API (docs/architecture.md, 'File transfer').
  const archive =
    resolved.transfer === 'archive' ? new ArchiveTransfer(client, sessionId, log) : null
  const pool = poolConfig.enabled
    ? new WarmPool({
        client,
        sessionId,
        users,
        root: path.join(options.dataDir, 'pool', sessionId),
        size: poolConfig.size ?? 2,
        maxContainers: poolConfig.max ?? 4,
        idleMs: poolConfig.idleMs ?? 600_000,
        spawnConcurrency: (poolConfig as { spawnConcurrency?: number }).spawnConcurrency ?? 1,
        log: log ?? (() => undefined),
        usage,
        removals,
        archive,
      })
    : null
  const minFreeBytes =
    options.minFreeBytes ??
    (process.env.TAKO_MIN_FREE_MB ? Number(process.env.TAKO_MIN_FREE_MB) * MiB : undefined)
  const engine = new RunEngine({
    client,
    sessionId,
    users,
    removals,
    pool,
    defaultRuntime: options.defaultRuntime ?? runtimeFromEnv(),
    ...(options.runtimeNames ? { runtimeNames: options.runtimeNames } : {}),
    usage,
    archive,
    ...(minFreeBytes !== undefined ? { minFreeBytes } : {}),
    ...(options.minFreeInodes !== undefined ? { minFreeInodes: options.minFreeInodes } : {}),
    ...(options.maxRunEntries !== undefined ? { maxRunEntries: options.maxRunEntries } : {}),
    ...(log ? { log } : {}),
    environmentsWithModule,
  })
  // A non-root app: what a script locked away is handed back before a walk or a delete.
  const mend = users.sharedGroup
    ? { mendOutput: (dir: string) => engine.handBack.mend(dir, imageRef('default')) }
    : {}
  const store = new RunStore(options.dataDir, mend)
  const jobs = new JobService({
    engine,
    store,
    workers: options.workers ?? defaultWorkers(),
    maxQueue: options.maxQueue ?? 100,
    ...(log ? { log } : {}),
  })
  // Grading runs have a queue and a store of their own (one worker, never the history; see
  // docs/exercise-pack.md, 'Grading'), per session: an earlier session's are removed at start-up.
  const gradingDir = path.join(options.dataDir, 'grading', sessionId)
  const gradingRuns = new RunStore(gradingDir, mend)
  const gradingJobs = new JobService({
    engine,
    store: gradingRuns,
    workers: 1,
    appLane: 0,
    maxQueue: 100,
    ...(log ? { log } : {}),
  })
  const maxTimeoutS = options.maxTimeoutS ?? 300
  const exerciseStore = new ExerciseStore(options.dataDir)
  const exercises: Exercises = {
    store: exerciseStore,
    grader: new ExerciseGrader({
      store: exerciseStore,
      jobs: gradingJobs,
      runs: gradingRuns,
      stageDir: path.join(gradingDir, 'stage'),
      maxTimeoutS,
      filesCopied: resolved.transfer === 'archive',
      ...(log ? { log } : {}),
    }),
  }
  const breaker = new CircuitBreaker(options.breaker)
  breaker.watch(jobs, store)
  const wantSentinel =
    options.ownerSentinel ??
    (options.client === undefined &&
      !/^(0|false|no|off)$/i.test(process.env.TAKO_OWNER_SENTINEL ?? '1'))
  let sentinel: OwnerSentinel | null = null
  return {
    sessionId,
    client,
    engine,
    store,
    jobs,
    breaker,
    environments: new EnvironmentService(docker, undefined, {
      containers: client,
      images: dockerClient,
    }),
    exercises,
    maxTimeoutS,
    connection,
    async shutdown() {
      await exercises.grader.shutdown()
      await gradingJobs.shutdown()
      await jobs.shutdown()
      await pool?.close()
      await engine.drain()
      await sentinel?.stop()
    },
    async startup() {
      // Before any container of this session exists.
      // The sentinel speaks plain HTTP: never through TLS, however TLS was asked for (docs/remote-hosts.md).
      if (wantSentinel && !sentinel && resolved.options.protocol !== 'https') {
        sentinel = startOwnerSentinel({
          endpoint: resolved.endpoint,
          sessionId,
          ...(log ? { log } : {}),
        })
      }
      let reaped = 0
      let dockerError: string | null = null
      try {
        reaped = (await reapOrphans(client, sessionId)).length
        usage.sweep()
      } catch (err) {
        dockerError = err instanceof DockerUnavailableError ? err.message : String(err)
      }
      const interrupted = (await store.reconcile()).length
      exerciseStore.reconcile()
      const gradingRoot = path.join(options.dataDir, 'grading')
      for (const entry of fs.readdirSync(gradingRoot)) {
        if (entry !== sessionId) await removeTree(path.join(gradingRoot, entry))
      }
      void store.preloadSearchIndex()
      // Slots of earlier sessions' warm containers (their containers were just reaped).
      const poolDir = path.join(options.dataDir, 'pool')
      if (fs.existsSync(poolDir)) {
        for (const entry of fs.readdirSync(poolDir)) {
          if (entry !== sessionId) await removeTree(path.join(poolDir, entry))
        }
      }
      // Deletions a crashed process left half done (see removeSubtree).
      await sweepTrash(store.runsDir, mend.mendOutput)
      if (pool && !dockerError) {
        const image = imageRef('default')
        if (await client.imageExists(image).catch(() => false)) {
          const { name } = engine.runtimes.resolve()
          pool.prewarm(image, defaultLimitsFor('default'), PREIMPORTS.default ?? [], name)
        }
      }
      return { reaped, interrupted, dockerError }
    },
  }
}
