// A daemon that answers everything and runs nothing: the defaults unit tests' fakes of our own
// ContainerClient interface start from, overriding only what their case is about.
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import type { ContainerClient } from '../../src/main/engine/docker-client'

/** One frame of Docker's multiplexed attach stream: 1 stdout, 2 stderr, then the payload. */
export function dockerFrame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const header = Buffer.alloc(8)
  header[0] = type
  header.writeUInt32BE(body.length, 4)
  return Buffer.concat([header, body])
}

/** An error as dockerode throws it for an HTTP status from the daemon. */
export function dockerError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), {
    statusCode,
    json: { message },
  })
}

export class FakeContainerClient implements ContainerClient {
  readonly endpoint = 'fake://docker'
  /** Ids given to `remove`, in order (a removal that throws is not recorded). */
  removed: string[] = []

  async ping(): Promise<{ version: string; apiVersion: string }> {
    return { version: 'fake', apiVersion: '1.41' }
  }
  async imageExists(_ref: string): Promise<boolean> {
    return true
  }
  async create(_spec: Docker.ContainerCreateOptions): Promise<string> {
    return 'c1'
  }
  /** A container that printed nothing. */
  async attach(_id: string): Promise<NodeJS.ReadableStream> {
    const s = new PassThrough()
    s.end()
    return s
  }
  attachInteractive(_id: string): Promise<NodeJS.ReadWriteStream> {
    return Promise.reject(new Error('no interactive attach here'))
  }
  async start(_id: string): Promise<void> {}
  async wait(_id: string): Promise<number> {
    return 0
  }
  async inspect(_id: string): Promise<{ running: boolean; exitCode: number; oomKilled: boolean }> {
    return { running: false, exitCode: 0, oomKilled: false }
  }
  async kill(_id: string): Promise<void> {}
  async remove(id: string): Promise<void> {
    this.removed.push(id)
  }
  async runtimes(): Promise<string[]> {
    return ['runc']
  }
  async listByLabel(_label: string): Promise<{ id: string; labels: Record<string, string> }[]> {
    return []
  }
}

const offline = (): Promise<never> => Promise.reject(new Error('offline'))
/** A client that fails every call that would reach a daemon: tests that use it never reach Docker. */
export const offlineClient: ContainerClient = {
  endpoint: 'unix:///nowhere',
  ping: offline,
  imageExists: () => Promise.resolve(false),
  create: offline,
  attach: offline,
  attachInteractive: offline,
  start: offline,
  wait: offline,
  inspect: offline,
  kill: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  listByLabel: () => Promise.resolve([]),
}
