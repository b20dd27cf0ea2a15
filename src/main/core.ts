import { randomUUID } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { resolveDockerEndpoint } from './engine/docker-endpoint'
import { EnvironmentService } from './environments/environment-service'
import {
  DockerContainerClient,
  DockerUnavailableError,
  type ContainerClient,
} from './engine/docker-client'
import { reapOrphans } from './engine/reaper'
import { RunEngine } from './engine/run-engine'
import { JobService } from './jobs/job-service'
import { RunStore } from './store/run-store'

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
}

export interface Core {
  sessionId: string
  client: ContainerClient
  engine: RunEngine
  store: RunStore
  jobs: JobService
  environments: EnvironmentService
  maxTimeoutS: number
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
  const resolved = resolveDockerEndpoint()
  const docker = options.docker ?? new Docker(resolved.options)
  const client = options.client ?? new DockerContainerClient(docker, resolved.endpoint)
  const log = options.log
  const engine = new RunEngine({ client, sessionId, ...(log ? { log } : {}) })
  const store = new RunStore(options.dataDir)
  const jobs = new JobService({
    engine,
    store,
    workers: options.workers ?? defaultWorkers(),
    maxQueue: options.maxQueue ?? 100,
    ...(log ? { log } : {}),
  })
  return {
    sessionId,
    client,
    engine,
    store,
    jobs,
    environments: new EnvironmentService(docker),
    maxTimeoutS: options.maxTimeoutS ?? 300,
    async startup() {
      let reaped = 0
      let dockerError: string | null = null
      try {
        reaped = (await reapOrphans(client, sessionId)).length
      } catch (err) {
        dockerError = err instanceof DockerUnavailableError ? err.message : String(err)
      }
      const interrupted = store.reconcile().length
      return { reaped, interrupted, dockerError }
    },
  }
}
