// "Test connection" and /health against the second dockerd with TLS (TAKO_REMOTE=tls only: the
// Podman pass leaves this file out, see vitest.config.ts): the right certificates connect; a client
// certificate from another CA, an untrusted CA, a key that is not the certificate's, no TLS and a
// missing folder each give their own clear explanation, through docker:test and /health.
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { remoteServer } from './app-server'
import type { DockerConnection } from '../../src/shared/docker-connection'
import { request, startInProcess } from '../integration/helpers'

const host = inject('remoteEnv').DOCKER_HOST ?? ''

const t = remoteServer()
const testWith = (c: DockerConnection) => t.testWith(c)

describe('TLS certificates', () => {
  const certs = () => inject('remoteCerts')

  it('the right certificates connect', async () => {
    const r = await testWith({ kind: 'host', host, certPath: certs().good })
    expect(r).toMatchObject({ ok: true, engine: 'docker', endpoint: host })
  })

  it('a client certificate from another CA is refused by the daemon', async () => {
    const r = await testWith({ kind: 'host', host, certPath: certs().wrongClient })
    expect(r).toMatchObject({ ok: false, problem: 'tls-client-rejected' })
    expect(r.error).toMatch(/refused this client’s certificate|closed the connection/)
    console.log('[remote] wrong client cert:', r.error)
  })

  it('a ca.pem that did not sign the daemon’s certificate: the daemon is not trusted', async () => {
    const r = await testWith({ kind: 'host', host, certPath: certs().untrustedServer })
    expect(r).toMatchObject({ ok: false, problem: 'tls-untrusted-server' })
    expect(r.error).toMatch(/ca\.pem does not vouch for/)
    console.log('[remote] untrusted CA:', r.error)
  })

  it('a key that is not the certificate’s', async () => {
    const r = await testWith({ kind: 'host', host, certPath: certs().mismatchedKey })
    expect(r).toMatchObject({ ok: false, problem: 'tls-mismatch' })
    expect(r.error).toMatch(/key\.pem must be the key of cert\.pem/)
  })

  it('no certificates against a TLS daemon', async () => {
    const r = await testWith({ kind: 'host', host })
    expect(r).toMatchObject({ ok: false, problem: 'config' })
    expect(r.error).toMatch(/speaks TLS only/)
  })

  it('a certificate folder that does not exist', async () => {
    const r = await testWith({ kind: 'host', host, certPath: '/nonexistent/certs' })
    expect(r).toMatchObject({ ok: false, problem: 'config' })
    expect(r.error).toMatch(/Cannot read \/nonexistent\/certs\/ca\.pem/)
  })

  it('/health explains a server started with a client certificate the daemon refuses', async () => {
    const before = process.env.DOCKER_CERT_PATH
    process.env.DOCKER_CERT_PATH = certs().wrongClient
    const bad = await startInProcess().finally(() => {
      process.env.DOCKER_CERT_PATH = before
    })
    try {
      const r = await request<{ docker_available: boolean; docker_error: string; status: string }>(
        `${bad.url}/health`,
      )
      expect(r.body).toMatchObject({ docker_available: false, status: 'degraded' })
      expect(r.body.docker_error).toMatch(/refused this client’s certificate|closed the connection/)
      console.log('[remote] /health with a wrong client cert:', r.body.docker_error)
    } finally {
      await bad.close()
    }
  })
})
