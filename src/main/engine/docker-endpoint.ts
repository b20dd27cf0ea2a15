import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'

/**
 * How a run's files reach the container (see docs/architecture.md, 'File transfer'): `bind` mounts
 * the run folder (the daemon shares this machine's filesystem); `archive` copies code and input in
 * with the archive API and streams /output back out (a daemon elsewhere: tcp, ssh).
 */
export type FileTransfer = 'bind' | 'archive'

export interface DockerEndpoint {
  /** What a person would recognise: `unix:///var/run/docker.sock`, `tcp://host:2375`, … */
  endpoint: string
  /** dockerode options; empty means dockerode's own defaults (which follow DOCKER_HOST). */
  options: Docker.DockerOptions
  source: 'DOCKER_HOST' | 'context' | 'default'
  /** Chosen from the endpoint, or `TAKO_TRANSFER=bind|archive`. */
  transfer: FileTransfer
}

export type ResolvedEndpoint = DockerEndpoint

/**
 * The file transfer for an endpoint: a unix socket or a named pipe is a daemon on this machine
 * (bind mounts reach the run folder); anything else (tcp, ssh, http…) is a daemon whose filesystem
 * is not ours. `TAKO_TRANSFER=bind|archive` overrides the choice (tests run archive mode against
 * the local daemon this way); any other value is an error, not a silent default.
 */
export function transferFor(endpoint: string, env: NodeJS.ProcessEnv = process.env): FileTransfer {
  const forced = env.TAKO_TRANSFER?.trim().toLowerCase()
  if (forced === 'bind' || forced === 'archive') return forced
  if (forced) throw new Error(`TAKO_TRANSFER must be bind or archive, got ${env.TAKO_TRANSFER}`)
  return /^(unix|npipe):\/\//i.test(endpoint) ? 'bind' : 'archive'
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

/** The Docker CLI's current context's endpoint (`DOCKER_CONTEXT`, else `currentContext` in config.json). */
export function contextHost(env: NodeJS.ProcessEnv, home = os.homedir()): string | undefined {
  const configDir = env.DOCKER_CONFIG ?? path.join(home, '.docker')
  const config = readJson(path.join(configDir, 'config.json')) as
    { currentContext?: string } | undefined
  const name = env.DOCKER_CONTEXT ?? config?.currentContext
  if (!name || name === 'default') return undefined
  const id = createHash('sha256').update(name).digest('hex')
  const meta = readJson(path.join(configDir, 'contexts', 'meta', id, 'meta.json')) as
    { Endpoints?: { docker?: { Host?: string } } } | undefined
  return meta?.Endpoints?.docker?.Host
}

function defaultSocket(home: string): string {
  const user = path.join(home, '.docker', 'run', 'docker.sock')
  return fs.existsSync(user) ? user : '/var/run/docker.sock'
}

/**
 * Where to reach Docker, as the docker CLI decides it: `DOCKER_HOST`; else the current CLI context's
 * endpoint; else the platform default socket (Docker Desktop's per-user socket when it exists).
 */
export function resolveDockerEndpoint(
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): DockerEndpoint {
  const found = findEndpoint(env, home)
  return { ...found, transfer: transferFor(found.endpoint, env) }
}

function findEndpoint(env: NodeJS.ProcessEnv, home: string): Omit<DockerEndpoint, 'transfer'> {
  if (env.DOCKER_HOST) return { endpoint: env.DOCKER_HOST, options: {}, source: 'DOCKER_HOST' }
  if (process.platform === 'win32') {
    return { endpoint: 'npipe:////./pipe/docker_engine', options: {}, source: 'default' }
  }
  const fromContext = contextHost(env, home)
  if (fromContext?.startsWith('unix://')) {
    return {
      endpoint: fromContext,
      options: { socketPath: fromContext.slice(7) },
      source: 'context',
    }
  }
  if (fromContext && /^tcp:\/\//.test(fromContext)) {
    const u = new URL(fromContext)
    return {
      endpoint: fromContext,
      options: { host: u.hostname, port: Number(u.port || 2375), protocol: 'http' },
      source: 'context',
    }
  }
  const socket = defaultSocket(home)
  return { endpoint: `unix://${socket}`, options: { socketPath: socket }, source: 'default' }
}

/** A dockerode client connected as the docker CLI would connect. */
export function createDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  return new Docker(resolveDockerEndpoint(env).options)
}
