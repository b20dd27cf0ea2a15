import type Docker from 'dockerode'
import type { BuildProgressEvent } from '../../shared/api'
import { MiB } from '../../shared/units'
import { buildContainerSpec } from '../engine/container-spec'
import {
  DockerContainerClient,
  type ContainerClient,
  type ImageClient,
} from '../engine/docker-client'
import { DEFAULT_LIMITS } from '../engine/limits'
import { defaultUsers } from '../engine/run-users'
import { BuildError, buildEnvironment, type BuildProgress } from './builder'
import { ENVIRONMENTS, findEnvironment, imageRef, LABEL_ENVIRONMENT } from './catalogue'

export type EnvironmentState = 'missing' | 'outdated' | 'building' | 'ready'

/** One progress event of a build: the contract's type, pushed to the app and over SSE as it is. */
export type BuildEvent = BuildProgressEvent

interface ActiveBuild {
  controller: AbortController
  done: Promise<BuildEvent>
  events: BuildEvent[]
}

const MAX_KEPT_EVENTS = 400

/**
 * Environment images: status of each (missing | outdated | building | ready), builds with progress
 * (one at a time per environment, cancellable), and custom images checked for python3 before use.
 */
export class EnvironmentService {
  private readonly builds = new Map<string, ActiveBuild>()
  private readonly last = new Map<string, BuildEvent>()
  private readonly listeners = new Set<(e: BuildEvent) => void>()
  private readonly checkedImages = new Map<string, string | null>()

  private readonly containers: ContainerClient
  private readonly images: ImageClient

  /**
   * `clients` answer about images and run the image probes; by default ones around the same
   * dockerode instance, which builds and packs use directly (they stream).
   */
  constructor(
    readonly docker: Docker,
    private readonly root?: string,
    clients?: { containers: ContainerClient; images: ImageClient },
  ) {
    const own = clients ? null : new DockerContainerClient(docker)
    this.containers = clients?.containers ?? own!
    this.images = clients?.images ?? own!
  }

  imageFor(name: string): string {
    return imageRef(name, this.root)
  }

  subscribe(listener: (e: BuildEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Live events of a running build (replayed from its start), or null when none runs. */
  follow(name: string, listener: (e: BuildEvent) => void): (() => void) | null {
    const b = this.builds.get(name)
    if (!b) return null
    for (const e of b.events) listener(e)
    return this.subscribe((e) => {
      if (e.environment === name) listener(e)
    })
  }

  lastEvent(name: string): BuildEvent | undefined {
    return this.last.get(name)
  }

  async state(name: string): Promise<EnvironmentState> {
    if (this.builds.has(name)) return 'building'
    if (await this.images.inspectImage(this.imageFor(name))) return 'ready'
    const older = await this.images.listImagesByLabel(`${LABEL_ENVIRONMENT}=${name}`)
    return older.length > 0 ? 'outdated' : 'missing'
  }

  async imageSize(name: string): Promise<number | null> {
    try {
      return (await this.images.inspectImage(this.imageFor(name)))?.size ?? null
    } catch {
      return null
    }
  }

  private emit(build: ActiveBuild | undefined, e: BuildEvent): void {
    this.last.set(e.environment, e)
    if (build) {
      build.events.push(e)
      if (build.events.length > MAX_KEPT_EVENTS)
        build.events.splice(1, build.events.length - MAX_KEPT_EVENTS)
    }
    for (const l of this.listeners) {
      try {
        l(e)
      } catch {
        // a listener's fault is its own
      }
    }
  }

  /** Starts (or joins) the build of an environment; resolves with its final event. */
  build(name: string): Promise<BuildEvent> {
    if (!findEnvironment(name)) {
      return Promise.reject(
        new Error(
          `unknown environment '${name}'; known: ${ENVIRONMENTS.map((e) => e.name).join(', ')}`,
        ),
      )
    }
    const running = this.builds.get(name)
    if (running) return running.done
    const controller = new AbortController()
    const build: ActiveBuild = {
      controller,
      events: [],
      done: Promise.resolve(null as unknown as BuildEvent),
    }
    let step = 0
    let totalSteps = 0
    build.done = (async (): Promise<BuildEvent> => {
      this.emit(build, {
        environment: name,
        state: 'building',
        step: 0,
        totalSteps: 0,
        line: 'starting build',
        error: null,
      })
      let final: BuildEvent
      try {
        await buildEnvironment(name, {
          docker: this.docker,
          signal: controller.signal,
          ...(this.root ? { root: this.root } : {}),
          onProgress: (p: BuildProgress) => {
            step = p.step
            totalSteps = p.totalSteps
            this.emit(build, {
              environment: name,
              state: 'building',
              step,
              totalSteps,
              line: p.line,
              error: null,
            })
          },
        })
        final = {
          environment: name,
          state: 'ready',
          step: totalSteps,
          totalSteps,
          line: 'built',
          error: null,
        }
      } catch (err) {
        const cancelled = controller.signal.aborted
        const message = cancelled
          ? 'build cancelled'
          : err instanceof BuildError
            ? `${err.message}\n${err.logTail.slice(-12).join('\n')}`
            : `build failed: ${(err as Error).message}`
        final = {
          environment: name,
          state: cancelled ? 'cancelled' : 'failed',
          step,
          totalSteps,
          line: message,
          error: message,
        }
      }
      this.builds.delete(name)
      this.emit(undefined, final)
      return final
    })()
    this.builds.set(name, build)
    return build.done
  }

  cancelBuild(name: string): boolean {
    const b = this.builds.get(name)
    if (!b) return false
    b.controller.abort()
    return true
  }

  /**
   * A custom image must exist locally (nothing is pulled) and have python3; checked once per image id
   * with the same hardened container a run uses. Returns null when usable, else the reason.
   */
  async checkCustomImage(ref: string): Promise<string | null> {
    const image = await this.images.inspectImage(ref)
    if (!image) {
      return `image '${ref}' is not present locally; load or build it first (images are never pulled)`
    }
    const id = image.id
    const cached = this.checkedImages.get(id)
    if (cached !== undefined) return cached
    const spec = buildContainerSpec({
      kind: 'probe',
      probeId: `${id.slice(7, 19)}-${Date.now()}`,
      sessionId: 'image-probe',
      image: ref,
      limits: { ...DEFAULT_LIMITS, memoryBytes: 128 * MiB },
      user: defaultUsers().next(),
      command: ['python3', '-c', 'import sys; print(sys.version_info[0])'],
    })
    let verdict: string | null = null
    const container = await this.containers.create(spec)
    try {
      const stream = await this.containers.attach(container)
      let out = ''
      stream.on('data', (d: Buffer) => (out += d.toString('latin1')))
      try {
        await this.containers.start(container)
        const code = await this.containers.wait(container)
        if (code !== 0 || !out.includes('3')) verdict = `image '${ref}' has no working python3`
      } catch (err) {
        verdict = `image '${ref}' has no python3 (${(err as Error).message.split('\n')[0]})`
      }
    } finally {
      await this.containers.remove(container).catch(() => undefined)
    }
    this.checkedImages.set(id, verdict)
    return verdict
  }
}
