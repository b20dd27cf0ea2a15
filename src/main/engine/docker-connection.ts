// Reaching a Docker daemon as the docker CLI does (see docs/remote-hosts.md): DOCKER_HOST with
// unix://, tcp:// (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) or ssh://; the CLI's contexts with their
// TLS material; or the app's own connection setting, which wins over the environment like the
// CLI's `--host`/`--context` flags.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import type { DockerConnection } from '../../shared/docker-connection'
import type { DockerEndpoint as ResolvedWithTransfer } from './docker-endpoint'
import { SshDockerAgent } from './ssh-transport'

/** Where and how to connect; docker-endpoint.ts adds the file transfer. */
export type DockerEndpoint = Omit<ResolvedWithTransfer, 'transfer'>

/** The setting or the environment names something that cannot be used (missing file, bad URL). */
export class ConnectionConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConnectionConfigError'
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ?? path.join(home, '.docker')
}

export interface CliContext {
  name: string
  host: string
  /** The context's own TLS folder (`contexts/tls/<id>/docker`) when it has one. */
  tlsDir: string | null
  skipTlsVerify: boolean
}

/** A Docker CLI context by name, from `contexts/meta/<sha256 of name>/meta.json`; null when absent. */
export function readContext(name: string, env: NodeJS.ProcessEnv, home: string): CliContext | null {
  const dir = dockerConfigDir(env, home)
  const id = createHash('sha256').update(name).digest('hex')
  const meta = readJson(path.join(dir, 'contexts', 'meta', id, 'meta.json')) as
    { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } } | undefined
  const docker = meta?.Endpoints?.docker
  if (!docker?.Host) return null
  const tlsDir = path.join(dir, 'contexts', 'tls', id, 'docker')
  return {
    name,
    host: docker.Host,
    tlsDir: fs.existsSync(tlsDir) ? tlsDir : null,
    skipTlsVerify: docker.SkipTLSVerify === true,
  }
}

/** The CLI's current context name (`DOCKER_CONTEXT`, else config.json's `currentContext`). */
export function currentContextName(env: NodeJS.ProcessEnv, home: string): string | undefined {
  const config = readJson(path.join(dockerConfigDir(env, home), 'config.json')) as
    { currentContext?: string } | undefined
  const name = env.DOCKER_CONTEXT ?? config?.currentContext
  return name && name !== 'default' ? name : undefined
}

/** The names of the CLI's contexts (for the settings' list), `default` first. */
export function listContexts(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const metaDir = path.join(dockerConfigDir(env, home), 'contexts', 'meta')
  const names: string[] = []
  for (const id of fs.existsSync(metaDir) ? fs.readdirSync(metaDir) : []) {
    const meta = readJson(path.join(metaDir, id, 'meta.json')) as { Name?: string } | undefined
    if (typeof meta?.Name === 'string') names.push(meta.Name)
  }
  return ['default', ...names.sort()]
}

function readPem(dir: string, file: string): Buffer {
  const full = path.join(dir, file)
  try {
    return fs.readFileSync(full)
  } catch (err) {
    throw new ConnectionConfigError(
      `Cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? String(err)}): a TLS folder ` +
        'holds ca.pem, cert.pem and key.pem, as `docker --tlsverify` expects.',
    )
  }
}

/**
 * Options for a socket on this machine. docker-modem fills in what options leave out from the
 * process's DOCKER_HOST (its host wins over socketPath, its protocol may be ssh): both are pinned.
 */
function socketOptions(socketPath: string): Docker.DockerOptions {
  return { socketPath, host: undefined, protocol: 'http' }
}

export interface TlsChoice {
  /** Folder with ca.pem, cert.pem, key.pem; null: no client certificate. */
  dir: string | null
  /** Check the daemon's certificate against ca.pem (`--tlsverify`). */
  verify: boolean
}

/**
 * dockerode options for one host URL. `tls` null: plain (tcp) or none needed (unix, ssh).
 * Throws ConnectionConfigError for what cannot work.
 */
export function endpointForHost(
  host: string,
  tls: TlsChoice | null,
  source: DockerEndpoint['source'],
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): DockerEndpoint {
  const text = host.includes('://') ? host : `tcp://${host}`
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length)
    if (!socketPath.startsWith('/')) {
      throw new ConnectionConfigError(`${host}: a unix socket needs an absolute path (unix:///…)`)
    }
    return { endpoint: text, options: socketOptions(socketPath), source }
  }
  if (text.startsWith('npipe://')) {
    return { endpoint: text, options: socketOptions(text.slice('npipe://'.length)), source }
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConnectionConfigError(
      `${host} is not a Docker host: use unix:///path, tcp://host:port or ssh://user@host`,
    )
  }
  if (!url.hostname) throw new ConnectionConfigError(`${host} names no host`)
  if (url.protocol === 'ssh:') {
    const endpoint = `ssh://${url.username ? `${url.username}@` : ''}${url.host}`
    const target = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 22),
      username: decodeURIComponent(url.username) || os.userInfo().username,
      home,
      agentSocket: env.SSH_AUTH_SOCK || null,
    }
    // Plain HTTP through an agent whose connections are `docker system dial-stdio` over ssh.
    // docker-modem hands `agent` to http.request; dockerode's types do not list it.
    const options: Docker.DockerOptions & { agent: SshDockerAgent } = {
      protocol: 'http',
      host: target.host,
      port: target.port,
      agent: new SshDockerAgent(target, endpoint),
    }
    return { endpoint, options, source }
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectionConfigError(
      `${host}: unsupported scheme ${url.protocol} (use unix://, tcp:// or ssh://)`,
    )
  }
  const useTls = tls !== null || url.protocol === 'https:'
  const options: Docker.DockerOptions = {
    protocol: useTls ? 'https' : 'http',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (useTls ? 2376 : 2375)),
  }
  if (tls?.dir) {
    options.ca = readPem(tls.dir, 'ca.pem')
    options.cert = readPem(tls.dir, 'cert.pem')
    options.key = readPem(tls.dir, 'key.pem')
  }
  if (useTls && tls?.verify === false) {
    // docker-modem passes these to https.request; the CLI's SkipTLSVerify / --tls without verify.
    ;(options as Docker.DockerOptions & { rejectUnauthorized?: boolean }).rejectUnauthorized = false
  }
  return { endpoint: `tcp://${url.host}`, options, source }
}

/** TLS as the CLI reads it from the environment: DOCKER_TLS_VERIFY, DOCKER_CERT_PATH (default ~/.docker). */
function tlsFromEnv(env: NodeJS.ProcessEnv, home: string): TlsChoice | null {
  const verify = Boolean(env.DOCKER_TLS_VERIFY)
  if (!verify && !env.DOCKER_TLS) return null
  const dir = env.DOCKER_CERT_PATH || dockerConfigDir(env, home)
  return { dir: fs.existsSync(path.join(dir, 'cert.pem')) || verify ? dir : null, verify }
}

function fromContext(ctx: CliContext, env: NodeJS.ProcessEnv, home: string): DockerEndpoint {
  const tls: TlsChoice | null =
    ctx.tlsDir || ctx.skipTlsVerify ? { dir: ctx.tlsDir, verify: !ctx.skipTlsVerify } : null
  return endpointForHost(ctx.host, ctx.host.startsWith('tcp://') ? tls : null, 'context', env, home)
}

function defaultSocket(home: string): string {
  const user = path.join(home, '.docker', 'run', 'docker.sock')
  return fs.existsSync(user) ? user : '/var/run/docker.sock'
}

/**
 * Where to reach Docker. The setting `local` follows the docker CLI: `DOCKER_HOST` (with
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH); else the current CLI context; else the platform's
 * default socket (Docker Desktop's per-user socket when it exists). A `context` or `host` setting
 * wins over the environment, as the CLI's `--context` and `--host` flags do.
 */
export function resolveConnection(
  setting: DockerConnection = { kind: 'local' },
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): DockerEndpoint {
  if (setting.kind === 'host') {
    const certPath = setting.certPath ?? null
    return endpointForHost(
      setting.host,
      certPath ? { dir: certPath, verify: true } : null,
      'setting',
      env,
      home,
    )
  }
  if (setting.kind === 'context' && setting.name !== 'default') {
    const ctx = readContext(setting.name, env, home)
    if (!ctx) {
      throw new ConnectionConfigError(
        `There is no Docker CLI context named "${setting.name}" (docker context ls lists them)`,
      )
    }
    return { ...fromContext(ctx, env, home), source: 'setting' }
  }
  if (setting.kind === 'local' && env.DOCKER_HOST) {
    return endpointForHost(env.DOCKER_HOST, tlsFromEnv(env, home), 'DOCKER_HOST', env, home)
  }
  if (process.platform === 'win32') {
    return {
      endpoint: 'npipe:////./pipe/docker_engine',
      options: socketOptions('//./pipe/docker_engine'),
      source: 'default',
    }
  }
  const current = setting.kind === 'local' ? currentContextName(env, home) : undefined
  const ctx = current ? readContext(current, env, home) : null
  if (ctx) return fromContext(ctx, env, home)
  const socket = defaultSocket(home)
  return { endpoint: `unix://${socket}`, options: socketOptions(socket), source: 'default' }
}

/** Docker or Podman, from `GET /version` (Podman names its platform and component "Podman Engine"). */
export function engineOf(version: {
  Platform?: { Name?: string } | null
  Components?: { Name?: string }[] | null
}): 'docker' | 'podman' {
  const names = [version.Platform?.Name ?? '', ...(version.Components ?? []).map((c) => c.Name)]
  return names.some((n) => /podman/i.test(n ?? '')) ? 'podman' : 'docker'
}
