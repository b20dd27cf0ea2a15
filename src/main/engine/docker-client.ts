import Docker from 'dockerode'
import { resolveDockerEndpoint } from './docker-endpoint'
import { engineOf } from './docker-connection'
import { tlsFailure } from './docker-probe'

/**
 * Docker behind one small interface. The engine talks only to `ContainerClient`; production uses
 * `DockerContainerClient` (dockerode), unit tests use fakes of this interface. Benign answers are
 * explicit no-ops: kill of a stopped container (409/304), remove of a gone one (404).
 */
export interface ContainerClient {
  readonly endpoint: string
  /** `engine`: Podman's Docker-compatible API says so in its version components. */
  ping(): Promise<{ version: string; apiVersion: string; engine?: 'docker' | 'podman' }>
  imageExists(ref: string): Promise<boolean>
  create(spec: Docker.ContainerCreateOptions): Promise<string>
  attach(id: string): Promise<NodeJS.ReadableStream>
  /** Attach with stdin as well (a duplex stream): how the warm pool hands code to a container. */
  attachInteractive(id: string): Promise<NodeJS.ReadWriteStream>
  start(id: string): Promise<void>
  wait(id: string): Promise<number>
  /** `pid` is the container's init as the host sees it (0 when stopped or not visible). */
  inspect(
    id: string,
  ): Promise<{ running: boolean; exitCode: number; oomKilled: boolean; pid?: number }>
  kill(id: string): Promise<void>
  remove(id: string): Promise<void>
  /** The container's CPU time so far in ns (one stats sample), null when Docker cannot tell. */
  cpuTimeNs?(id: string): Promise<number | null>
  /** Ids of all containers (any state) carrying `label` (`key` or `key=value`). */
  listByLabel(label: string): Promise<{ id: string; labels: Record<string, string> }[]>
  /** Names of the OCI runtimes the daemon has registered (`docker info`). */
  runtimes?(): Promise<string[]>
  /** How the daemon lays out cgroups (for resource use); absent: resource use is not measured. */
  cgroupInfo?(): Promise<{ driver: string; version: string }>
  /** Archive transfer (see archive-transfer.ts): volumes and the archive API. `options`: driver options. */
  createVolume?(
    name: string,
    labels: Record<string, string>,
    options?: Record<string, string>,
  ): Promise<void>
  /** Removes a volume; one already gone is not an error. */
  removeVolume?(name: string): Promise<void>
  listVolumesByLabel?(label: string): Promise<{ name: string; labels: Record<string, string> }[]>
  /** Extracts a tar stream into the container at `path` (a folder). */
  putArchive?(id: string, path: string, tar: NodeJS.ReadableStream): Promise<void>
  /** A tar stream of `path` in the container, as the daemon sends it (never buffered whole). */
  getArchive?(id: string, path: string): Promise<NodeJS.ReadableStream>
}

/** What the app asks Docker about images (builds and packs stream through dockerode itself). */
export interface ImageClient {
  /** Id, size and labels of a local image, or null when it is not there. */
  inspectImage(
    ref: string,
  ): Promise<{ id: string; size: number; labels: Record<string, string> } | null>
  /** Ids of local images carrying `label` (`key` or `key=value`). */
  listImagesByLabel(label: string): Promise<string[]>
}

/** Docker could not be reached or answered with a daemon-side failure. */
export class DockerUnavailableError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message)
    this.name = 'DockerUnavailableError'
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

interface DockerishError {
  code?: string
  statusCode?: number
  message?: string
  json?: { message?: string } | null
}

export function dockerStatusCode(err: unknown): number | undefined {
  return (err as DockerishError | null)?.statusCode
}

export function dockerMessage(err: unknown): string {
  const e = err as DockerishError | null
  return e?.json?.message ?? e?.message ?? String(err)
}

/** True when the error means "no daemon there" rather than "the daemon said no". */
export function isConnectionError(err: unknown): boolean {
  const e = err as DockerishError | null
  if (!e) return false
  if (e.code && CONNECTION_CODES.has(e.code)) return true
  return /socket hang up|connect E|EOF|ECONNRESET|network socket disconnected/i.test(
    e.message ?? '',
  )
}

export function unavailableMessage(endpoint: string, err: unknown): string {
  const e = err as DockerishError | null
  const why = e?.code ?? dockerMessage(err)
  return (
    `Docker is not reachable at ${endpoint} (${why}). Start Docker (Docker Desktop, or ` +
    '`sudo systemctl start docker` on Linux) and try again; set DOCKER_HOST if your daemon listens elsewhere.'
  )
}

export class DockerContainerClient implements ContainerClient, ImageClient {
  readonly endpoint: string
  private readonly docker: Docker

  /** Connects as the docker CLI does (DOCKER_HOST, the current context, the default socket). */
  constructor(docker?: Docker, endpoint?: string) {
    if (docker) {
      this.docker = docker
      this.endpoint = endpoint ?? 'docker'
    } else {
      const resolved = resolveDockerEndpoint()
      this.docker = new Docker(resolved.options)
      this.endpoint = resolved.endpoint
    }
  }

  private wrap(err: unknown): Error {
    const tls = tlsFailure(this.endpoint, err)
    if (tls) return new DockerUnavailableError(tls, err)
    if (isConnectionError(err))
      return new DockerUnavailableError(unavailableMessage(this.endpoint, err), err)
    const status = dockerStatusCode(err)
    if (status !== undefined && status >= 500) {
      return new DockerUnavailableError(`Docker daemon error: ${dockerMessage(err)}`, err)
    }
    return err instanceof Error ? err : new Error(String(err))
  }

  async ping(): Promise<{ version: string; apiVersion: string; engine: 'docker' | 'podman' }> {
    try {
      const v = await this.docker.version()
      return { version: v.Version, apiVersion: v.ApiVersion, engine: engineOf(v) }
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect()
      return true
    } catch (err) {
      if (dockerStatusCode(err) === 404) return false
      throw this.wrap(err)
    }
  }

  async inspectImage(
    ref: string,
  ): Promise<{ id: string; size: number; labels: Record<string, string> } | null> {
    try {
      const info = await this.docker.getImage(ref).inspect()
      return { id: info.Id, size: info.Size, labels: info.Config?.Labels ?? {} }
    } catch (err) {
      if (dockerStatusCode(err) === 404) return null
      throw this.wrap(err)
    }
  }

  async listImagesByLabel(label: string): Promise<string[]> {
    try {
      return (await this.docker.listImages({ filters: { label: [label] } })).map((i) => i.Id)
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    try {
      const c = await this.docker.createContainer(spec)
      return c.id
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async attach(id: string): Promise<NodeJS.ReadableStream> {
    try {
      return await this.docker
        .getContainer(id)
        .attach({ stream: true, stdout: true, stderr: true, stdin: false, logs: false })
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async attachInteractive(id: string): Promise<NodeJS.ReadWriteStream> {
    // dockerode's attach sends its options as a JSON body, and Podman hands those bytes to the
    // container's stdin (Docker drops them); a chunked empty body's end marker gets there too. An
    // empty body of length 0 sends the request at once and nothing else (docs/remote-hosts.md).
    const modem = this.docker.modem as {
      dial(o: object, cb: (err: Error | null, stream: NodeJS.ReadWriteStream) => void): void
    }
    try {
      return await new Promise<NodeJS.ReadWriteStream>((resolve, reject) => {
        modem.dial(
          {
            path: `/containers/${encodeURIComponent(id)}/attach?`,
            method: 'POST',
            isStream: true,
            hijack: true,
            openStdin: true,
            file: Buffer.alloc(0),
            statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
            options: { stream: true, stdin: true, stdout: true, stderr: true, logs: false },
          },
          (err, stream) => (err ? reject(err) : resolve(stream)),
        )
      })
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async cpuTimeNs(id: string): Promise<number | null> {
    try {
      // one-shot: the first sample at once, not two a second apart.
      const opts = { stream: false, 'one-shot': true } as { stream: false }
      const stats = await this.docker.getContainer(id).stats(opts)
      const ns = stats.cpu_stats?.cpu_usage?.total_usage
      return typeof ns === 'number' ? ns : null
    } catch {
      return null
    }
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start()
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async wait(id: string): Promise<number> {
    try {
      const r = (await this.docker.getContainer(id).wait()) as { StatusCode: number }
      return r.StatusCode
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async inspect(
    id: string,
  ): Promise<{ running: boolean; exitCode: number; oomKilled: boolean; pid?: number }> {
    try {
      const info = await this.docker.getContainer(id).inspect()
      return {
        running: info.State.Running,
        exitCode: info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        pid: info.State.Pid,
      }
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async kill(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal: 'SIGKILL' })
    } catch (err) {
      const status = dockerStatusCode(err)
      if (status === 404 || status === 409 || status === 304) return
      throw this.wrap(err)
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true })
    } catch (err) {
      const status = dockerStatusCode(err)
      // 404: already gone; 409: removal already in progress.
      if (status === 404 || status === 409) return
      throw this.wrap(err)
    }
  }

  async runtimes(): Promise<string[]> {
    try {
      const info = (await this.docker.info()) as { Runtimes?: Record<string, unknown> }
      return Object.keys(info.Runtimes ?? {})
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async cgroupInfo(): Promise<{ driver: string; version: string }> {
    try {
      const info = (await this.docker.info()) as { CgroupDriver?: string; CgroupVersion?: string }
      return { driver: info.CgroupDriver ?? '', version: info.CgroupVersion ?? '' }
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async listByLabel(label: string): Promise<{ id: string; labels: Record<string, string> }[]> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: { label: [label] } })
      return list.map((c) => ({ id: c.Id, labels: c.Labels }))
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async createVolume(
    name: string,
    labels: Record<string, string>,
    options?: Record<string, string>,
  ): Promise<void> {
    try {
      await this.docker.createVolume({
        Name: name,
        Labels: labels,
        ...(options ? { DriverOpts: options } : {}),
      })
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove()
    } catch (err) {
      if (dockerStatusCode(err) === 404) return
      throw this.wrap(err)
    }
  }

  async listVolumesByLabel(
    label: string,
  ): Promise<{ name: string; labels: Record<string, string> }[]> {
    try {
      const r = await this.docker.listVolumes({ filters: { label: [label] } })
      return (r.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }))
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async putArchive(id: string, path: string, tar: NodeJS.ReadableStream): Promise<void> {
    try {
      await this.docker.getContainer(id).putArchive(tar, { path })
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async getArchive(id: string, path: string): Promise<NodeJS.ReadableStream> {
    try {
      return await this.docker.getContainer(id).getArchive({ path })
    } catch (err) {
      throw this.wrap(err)
    }
  }
}
