// "Test connection" against the remote daemon the global set-up started (both passes): the connection
// in use answers and names its engine; nothing listening and a silent port each get their own
// explanation; over HTTP only the server's own connection can be tested. TLS cases: tls.test.ts.
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import { remoteServer } from './app-server'
import type { DockerConnection } from '../../src/shared/docker-connection'
import { freePort, request } from '../integration/helpers'

const kind = inject('remoteKind')

const t = remoteServer()
const testWith = (c: DockerConnection) => t.testWith(c)

describe(`docker:test against the ${kind} daemon`, () => {
  it('the connection in use answers, and says which engine it is', async () => {
    const r = await createHandlers(t.srv.core)['docker:test']({})
    expect(r).toMatchObject({
      ok: true,
      error: null,
      engine: kind === 'podman' ? 'podman' : 'docker',
    })
    expect(r.version).toMatch(/^\d+\.\d+/)
  })

  it('over HTTP only the server’s own connection can be tested', async () => {
    const r = await request(`${t.srv.url}/api/rpc/docker:test`, {
      method: 'POST',
      json: { connection: { kind: 'host', host: 'tcp://127.0.0.1:1' } },
    })
    expect(r.body).toMatchObject({ ok: false, error: { code: 'failed_precondition' } })
    expect(JSON.stringify(r.body)).toMatch(/server’s own/)
  })

  it('nothing listening: refused', async () => {
    const port = await freePort()
    const r = await testWith({ kind: 'host', host: `tcp://127.0.0.1:${port}` })
    expect(r).toMatchObject({ ok: false, problem: 'refused' })
    expect(r.error).toMatch(/connection refused/)
  })

  it('a port that accepts and never answers: timeout', async () => {
    const silent = net.createServer(() => undefined)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as net.AddressInfo).port
    try {
      const r = await testWith({ kind: 'host', host: `tcp://127.0.0.1:${port}` })
      expect(r).toMatchObject({ ok: false, problem: 'timeout' })
      expect(r.error).toMatch(/did not answer in time/)
    } finally {
      silent.close()
    }
  })
})
