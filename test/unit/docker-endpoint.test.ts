import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveDockerEndpoint, transferFor } from '../../src/main/engine/docker-endpoint'

function fakeHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-home-'))
}

function writeContext(home: string, name: string, host: string, current = true): void {
  const dir = path.join(home, '.docker')
  const id = createHash('sha256').update(name).digest('hex')
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true })
  fs.writeFileSync(
    path.join(dir, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }),
  )
  if (current)
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: name }))
}

describe('resolveDockerEndpoint (as the docker CLI)', () => {
  it('uses DOCKER_HOST first', () => {
    const home = fakeHome()
    writeContext(home, 'other', 'unix:///ctx.sock')
    const r = resolveDockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, home)
    expect(r).toMatchObject({ endpoint: 'tcp://127.0.0.1:2375', source: 'DOCKER_HOST' })
  })

  it("uses the CLI's current context when there is no DOCKER_HOST", () => {
    const home = fakeHome()
    writeContext(home, 'desktop-linux', 'unix:///Users/me/.docker/run/docker.sock')
    const r = resolveDockerEndpoint({}, home)
    expect(r.source).toBe('context')
    expect(r.options.socketPath).toBe('/Users/me/.docker/run/docker.sock')
  })

  it('DOCKER_CONTEXT overrides config.json, and a tcp context becomes host and port', () => {
    const home = fakeHome()
    writeContext(home, 'a', 'unix:///a.sock')
    writeContext(home, 'remote', 'tcp://10.0.0.5:2376', false)
    const r = resolveDockerEndpoint({ DOCKER_CONTEXT: 'remote' }, home)
    expect(r.options).toMatchObject({ host: '10.0.0.5', port: 2376 })
  })

  it('falls back to the per-user Docker Desktop socket, then /var/run/docker.sock', () => {
    const home = fakeHome()
    expect(resolveDockerEndpoint({}, home).options.socketPath).toBe('/var/run/docker.sock')
    fs.mkdirSync(path.join(home, '.docker', 'run'), { recursive: true })
    fs.writeFileSync(path.join(home, '.docker', 'run', 'docker.sock'), '')
    expect(resolveDockerEndpoint({}, home).options.socketPath).toBe(
      path.join(home, '.docker', 'run', 'docker.sock'),
    )
  })
})

describe('file transfer (see docs/architecture.md, File transfer)', () => {
  it('binds for a socket on this machine, copies for a daemon elsewhere', () => {
    expect(transferFor('unix:///var/run/docker.sock', {})).toBe('bind')
    expect(transferFor('npipe:////./pipe/docker_engine', {})).toBe('bind')
    expect(transferFor('tcp://10.0.0.2:2376', {})).toBe('archive')
    expect(transferFor('ssh://me@build-box', {})).toBe('archive')
    const home = fakeHome()
    expect(resolveDockerEndpoint({}, home).transfer).toBe('bind')
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'tcp://h:2375' }, home).transfer).toBe('archive')
  })

  it('TAKO_TRANSFER overrides the choice; another value is an error', () => {
    expect(transferFor('unix:///var/run/docker.sock', { TAKO_TRANSFER: 'archive' })).toBe('archive')
    expect(transferFor('tcp://h:2375', { TAKO_TRANSFER: 'bind' })).toBe('bind')
    expect(() => transferFor('tcp://h:2375', { TAKO_TRANSFER: 'copy' })).toThrow(
      /TAKO_TRANSFER must be bind or archive/,
    )
  })
})
