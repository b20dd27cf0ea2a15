// The connection setting's methods: editable in the app, read-only over HTTP, bad settings refused
// with the reason and nothing saved; a saved setting that no longer resolves falls back at start-up.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectionHandlers, startupConnection } from '../../src/main/app/connection-handlers'
import type { Core } from '../../src/main/app/core'
import { FailedPrecondition, InvalidArgument } from '../../src/main/app/errors'
import type { DockerConnection } from '../../src/shared/docker-connection'

/** The two fields of Core these handlers read. */
const core = {
  client: { endpoint: 'unix:///var/run/docker.sock' },
  connection: { kind: 'local' },
} as unknown as Core

function memoryStore(initial: DockerConnection = { kind: 'local' }) {
  let saved = initial
  return { get: () => saved, set: (c: DockerConnection) => void (saved = c), problem: null }
}

describe('over HTTP (no settings store)', () => {
  const h = connectionHandlers(core)

  it('reports the connection in use, read-only', async () => {
    expect(await h['docker:connection']({})).toEqual({
      setting: { kind: 'local' },
      endpoint: 'unix:///var/run/docker.sock',
      editable: false,
      restartRequired: false,
      problem: null,
      contexts: [],
    })
  })

  it('refuses to save, naming the environment variables that decide', async () => {
    await expect(
      h['docker:setConnection']({ connection: { kind: 'host', host: 'tcp://10.0.0.2:2376' } }),
    ).rejects.toThrow(FailedPrecondition)
    await expect(h['docker:setConnection']({ connection: { kind: 'local' } })).rejects.toThrow(
      /DOCKER_HOST/,
    )
  })

  it('tests only its own connection, never one a page names', async () => {
    await expect(
      h['docker:test']({ connection: { kind: 'host', host: 'tcp://10.0.0.2:2376' } }),
    ).rejects.toThrow(FailedPrecondition)
  })
})

describe('in the app', () => {
  it('saves a host setting; it applies after a restart', async () => {
    const store = memoryStore()
    const h = connectionHandlers(core, store)
    const info = await h['docker:setConnection']({
      connection: { kind: 'host', host: 'tcp://10.0.0.2:2375' },
    })
    expect(store.get()).toEqual({ kind: 'host', host: 'tcp://10.0.0.2:2375' })
    expect(info).toMatchObject({ editable: true, restartRequired: true })
    expect(info.contexts[0]).toBe('default')
  })

  it('refuses a setting that cannot work, with the reason, and keeps the old one', async () => {
    const store = memoryStore()
    const h = connectionHandlers(core, store)
    const bad = { kind: 'host' as const, host: 'tcp://h:2376', certPath: '/nonexistent/certs' }
    const err = await h['docker:setConnection']({ connection: bad }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidArgument)
    expect((err as InvalidArgument).issues[0]).toMatchObject({ field: 'connection' })
    expect((err as Error).message).toMatch(/Cannot read \/nonexistent\/certs\/ca\.pem/)
    expect(store.get()).toEqual({ kind: 'local' })
  })

  it('a test of a refused port says so without throwing', async () => {
    const h = connectionHandlers(core, memoryStore())
    // Port 1 on loopback: nothing listens there.
    const r = await h['docker:test']({ connection: { kind: 'host', host: 'tcp://127.0.0.1:1' } })
    expect(r).toMatchObject({ ok: false, problem: 'refused', endpoint: 'tcp://127.0.0.1:1' })
  })
})

describe('startupConnection', () => {
  it('keeps a setting that resolves', () => {
    const s: DockerConnection = { kind: 'host', host: 'tcp://10.0.0.2:2375' }
    expect(startupConnection(s)).toEqual({ connection: s, problem: null })
  })

  it('falls back to local, saying why, for a context that is gone', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-start-'))
    const before = process.env.DOCKER_CONFIG
    process.env.DOCKER_CONFIG = path.join(home, '.docker')
    try {
      const r = startupConnection({ kind: 'context', name: 'gone' })
      expect(r.connection).toEqual({ kind: 'local' })
      expect(r.problem).toMatch(/no Docker CLI context named "gone"/)
    } finally {
      if (before === undefined) delete process.env.DOCKER_CONFIG
      else process.env.DOCKER_CONFIG = before
    }
  })

  it('falls back to local for a setting that is not valid at all', () => {
    const r = startupConnection({ kind: 'telnet' })
    expect(r.connection).toEqual({ kind: 'local' })
    expect(r.problem).toMatch(/not valid/)
  })

  it('reads a context by its sha256 folder, as the CLI stores it', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-start-'))
    const id = createHash('sha256').update('lab').digest('hex')
    const meta = path.join(home, '.docker', 'contexts', 'meta', id)
    fs.mkdirSync(meta, { recursive: true })
    fs.writeFileSync(
      path.join(meta, 'meta.json'),
      JSON.stringify({ Name: 'lab', Endpoints: { docker: { Host: 'tcp://lab:2375' } } }),
    )
    const before = process.env.DOCKER_CONFIG
    process.env.DOCKER_CONFIG = path.join(home, '.docker')
    try {
      expect(startupConnection({ kind: 'context', name: 'lab' }).problem).toBeNull()
    } finally {
      if (before === undefined) delete process.env.DOCKER_CONFIG
      else process.env.DOCKER_CONFIG = before
    }
  })
})
