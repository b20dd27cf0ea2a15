// A daemon that answers everything and runs nothing: the defaults unit tests' fakes of our own
// ContainerClient interface start from, overriding only what their case is about.
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import type { ContainerClient } from '../../src/main/engine/docker-client'

export class FakeContainerClient implements ContainerClient {
  readonly endpoint = 'fake://docker'
  /** Ids given to `remove`, in order (a removal that throws is not recorded). */
  removed: string[] = []

  async ping(): Promise<{ version: string; apiVersion: string }> {
    return { version: 'fake', apiVersion: '1.41' }
  }
  async imageExists(): Promise<boolean> {
    return true
  }
  async create(_spec: Docker.ContainerCreateOptions): Promise<string> {
    return 'c1'
  }
  /** A container that printed nothing. */
  async attach(): Promise<NodeJS.ReadableStream> {
    const s = new PassThrough()
    s.end()
    return s
  }
  attachInteractive(): Promise<NodeJS.ReadWriteStream> {
    return Promise.reject(new Error('no interactive attach here'))
  }
  async start(): Promise<void> {}
  async wait(): Promise<number> {
    return 0
  }
  async inspect(): Promise<{ running: boolean; exitCode: number; oomKilled: boolean }> {
    return { running: false, exitCode: 0, oomKilled: false }
  }
  async kill(): Promise<void> {}
  async remove(id: string): Promise<void> {
    this.removed.push(id)
  }
  async runtimes(): Promise<string[]> {
    return ['runc']
  }
  async listByLabel(): Promise<{ id: string; labels: Record<string, string> }[]> {
    return []
  }
}
