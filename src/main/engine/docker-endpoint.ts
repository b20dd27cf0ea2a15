import os from 'node:os'
import Docker from 'dockerode'
import type { DockerConnection } from '../../shared/docker-connection'
import { currentContextName, readContext, resolveConnection } from './docker-connection'

export interface DockerEndpoint {
  /** What a person would recognise: `unix:///var/run/docker.sock`, `tcp://host:2375`, … */
  endpoint: string
  /** dockerode options; empty means dockerode's own defaults (which follow DOCKER_HOST). */
  options: Docker.DockerOptions
  source: 'DOCKER_HOST' | 'context' | 'default' | 'setting'
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
  return resolveConnection(setting, env, home)
}

/** A dockerode client connected as the docker CLI would connect. */
export function createDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  return new Docker(resolveDockerEndpoint(env).options)
}
