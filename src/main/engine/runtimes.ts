// Which OCI runtime a run's container gets (see docs/security.md, 'gVisor'). A run asks for a
// choice (`runc` or `gvisor`); the engine maps it onto the Docker runtime name registered for it,
// passes that name as HostConfig.Runtime and records it. Nothing ever falls back: a run that asks
// for gVisor where Docker does not have it fails with a config error saying how to enable it.
import { isRuntimeChoice, RUNTIME_CHOICES, type RuntimeChoice } from '../../shared/runtime'
import { dockerMessage, type ContainerClient } from './docker-client'
import { InfraFailure } from './outcome'

/** Docker runtime names for each choice (as registered in the daemon's `runtimes`). */
export interface RuntimeNames {
  runc: string
  gvisor: string
}

export const DEFAULT_RUNTIME_NAMES: RuntimeNames = { runc: 'runc', gvisor: 'runsc' }

/** A bad `TAKO_RUNTIME`: the server refuses to start rather than run under a runtime nobody chose. */
export class RuntimeConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RuntimeConfigError'
  }
}

/** The server's default runtime from `TAKO_RUNTIME` (`runc` when unset). */
export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeChoice {
  const raw = (env.TAKO_RUNTIME ?? '').trim().toLowerCase()
  if (raw === '') return 'runc'
  if (raw === 'runsc') return 'gvisor'
  if (isRuntimeChoice(raw)) return raw
  throw new RuntimeConfigError(
    `TAKO_RUNTIME must be one of ${RUNTIME_CHOICES.join(', ')} (got '${env.TAKO_RUNTIME}')`,
  )
}

function label(choice: RuntimeChoice, name: string): string {
  return choice === 'gvisor' ? `gVisor (${name})` : `The runtime ${name}`
}

/** How to register gVisor with Docker, for error messages and docs. */
export function enableGvisorAdvice(name: string): string {
  return (
    `To enable it: install runsc (Debian/Ubuntu: \`apt-get install runsc\`), add ` +
    `"runtimes": {"${name}": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}} ` +
    'to /etc/docker/daemon.json and make Docker re-read it (`sudo kill -HUP $(pidof dockerd)`, ' +
    "or restart Docker); or run with runtime 'runc'. See docs/security.md, 'gVisor'."
  )
}

/** Docker's answer to a create naming a runtime it does not have, as a config error; else null. */
export function runtimeMissing(
  err: unknown,
  choice: RuntimeChoice,
  name: string,
): InfraFailure | null {
  const msg = dockerMessage(err)
  if (!/unknown runtime specified/i.test(msg)) return null
  return new InfraFailure({
    type: 'config_error',
    message:
      `${label(choice, name)} is not registered with Docker: ${msg}. ` +
      (choice === 'gvisor'
        ? enableGvisorAdvice(name)
        : `Register it in /etc/docker/daemon.json under "runtimes".`),
    phase: 'startup',
  })
}

/**
 * A runtime that is registered but cannot start a container, as a config error; else null. The
 * one known case: runsc builds before 2024 set up their own network stack from the container's
 * namespace and refuse to on kernels from 6.11 on (gVisor issue 10704); `--network=none` avoids it.
 */
export function runtimeStartFailure(
  err: unknown,
  choice: RuntimeChoice,
  name: string,
): InfraFailure | null {
  const msg = dockerMessage(err)
  if (choice !== 'gvisor' || !/OCI runtime (start|create) failed/i.test(msg)) return null
  const network = /root network namespace/i.test(msg)
  return new InfraFailure({
    type: 'config_error',
    message:
      `${label(choice, name)} could not start the container: ${msg}. ` +
      (network
        ? `This runsc cannot set up its own network stack on this kernel; runs never have a network, so register it with "runtimeArgs": ["--network=none"]. `
        : '') +
      enableGvisorAdvice(name),
    phase: 'startup',
  })
}

const PROBE_TTL_MS = 5_000

/**
 * The runtimes Docker has registered (`docker info`), asked at most every few seconds: what
 * `/health` reports as `gvisor_available` and the app's Docker badge shows.
 */
export class RuntimeProbe {
  private cache: { at: number; value: Promise<string[] | null> } | null = null

  constructor(
    private readonly client: ContainerClient,
    private readonly ttlMs = PROBE_TTL_MS,
  ) {}

  /** Registered runtime names, or null when Docker cannot be asked. */
  registered(): Promise<string[] | null> {
    const now = Date.now()
    if (this.cache && now - this.cache.at < this.ttlMs) return this.cache.value
    const value = this.client.runtimes
      ? this.client.runtimes().catch((): null => null)
      : Promise.resolve(null)
    this.cache = { at: now, value }
    return value
  }

  async has(name: string): Promise<boolean> {
    return (await this.registered())?.includes(name) ?? false
  }
}

/** A run's runtime: what it asked for and the Docker name that runs it. */
export interface ResolvedRuntime {
  choice: RuntimeChoice
  name: string
}

/** The engine's runtime settings: names per choice, the default choice, and the daemon's list. */
export class Runtimes {
  readonly names: RuntimeNames
  readonly probe: RuntimeProbe

  constructor(
    client: ContainerClient,
    readonly defaultChoice: RuntimeChoice = 'runc',
    names: Partial<RuntimeNames> = {},
  ) {
    this.names = { ...DEFAULT_RUNTIME_NAMES, ...names }
    this.probe = new RuntimeProbe(client)
  }

  resolve(choice?: RuntimeChoice | null): ResolvedRuntime {
    const c = choice ?? this.defaultChoice
    return { choice: c, name: this.names[c] }
  }

  /** The choice a recorded Docker runtime name stands for (a rerun runs where its parent ran). */
  choiceOf(name: string | null | undefined): RuntimeChoice | null {
    if (!name) return null
    if (name === this.names.gvisor) return 'gvisor'
    return name === this.names.runc ? 'runc' : null
  }

  /** Whether Docker has the runtime `gvisor` maps onto (what `/health` reports). */
  gvisorAvailable(): Promise<boolean> {
    return this.probe.has(this.names.gvisor)
  }
}
