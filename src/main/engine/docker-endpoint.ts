import os from 'node:os'
import Docker from 'dockerode'
import type { DockerConnection } from '../../shared/docker-connection'
import { currentContextName, readContext, resolveConnection } from './docker-connection'

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
  source: 'DOCKER_HOST' | 'context' | 'default' | 'setting'
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

/** The Docker CLI's current context's endpoint (`DOCKER_CONTEXT`, else `currentContext` in config.json). */
export function contextHost(env: NodeJS.ProcessEnv, home = os.homedir()): string | undefined {
  const name = currentContextName(env, home)
  return name ? readContext(name, env, home)?.host : undefined
}

/**
 * Where to reach Docker, as the docker CLI decides it: `DOCKER_HOST` (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH); else the current CLI context's endpoint; else the platform default socket
 * (Docker Desktop's per-user socket when it exists). The app's connection setting, when given,
 * wins over the environment (see engine/docker-connection.ts).
 */
export function resolveDockerEndpoint(
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
  setting?: DockerConnection,
): DockerEndpoint {
  const found = resolveConnection(setting, env, home)
  return { ...found, transfer: transferFor(found.endpoint, env) }
}

/** A dockerode client connected as the docker CLI would connect. */
export function createDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  return new Docker(resolveDockerEndpoint(env).options)
}
