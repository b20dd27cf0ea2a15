// One in-process server per test file against the remote daemon, and docker:test as the app calls
// it (with a settings store, so any connection may be tried).
import { afterAll, beforeAll } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import type { DockerConnection, DockerTestResult } from '../../src/shared/docker-connection'
import { startInProcess } from '../integration/helpers'

export type Server = Awaited<ReturnType<typeof startInProcess>>

export function remoteServer(): {
  readonly srv: Server
  testWith(connection: DockerConnection): Promise<DockerTestResult>
} {
  let srv: Server | undefined
  beforeAll(async () => {
    srv = await startInProcess()
  })
  afterAll(async () => {
    await srv?.close()
  })
  return {
    get srv() {
      if (!srv) throw new Error('the server is not started yet')
      return srv
    },
    testWith(connection) {
      let saved: DockerConnection = { kind: 'local' }
      const handlers = createHandlers(this.srv.core, {
        connection: { get: () => saved, set: (c) => void (saved = c) },
      })
      return handlers['docker:test']({ connection })
    },
  }
}
