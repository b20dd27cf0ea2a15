import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { METHODS } from '../../src/shared/api'
import { createHandlers } from '../../src/main/app/handlers'
import { createCore } from '../../src/main/app/core'
import { artifactResponse, resolveArtifactUrl } from '../../src/main/electron/artifact-protocol'
import { ARTIFACT_CSP } from '../../src/shared/csp'
import { bindIpc, CALL_CHANNEL, missingHandlers } from '../../src/main/electron/ipc-binding'
import { RunStore } from '../../src/main/store/run-store'
import type { RunRecord } from '../../src/shared/record'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { offlineClient } from './fake-container-client'
import { FakeIpc } from './fake-ipc'

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-shell-'))
}

describe('IPC binding of the contract', () => {
  const core = createCore({ dataDir: tmp(), client: offlineClient })
  const handlers = createHandlers(core)

  it('has a handler for every TakoApi method', () => {
    expect(METHODS.length).toBeGreaterThan(5)
    expect(missingHandlers(handlers)).toEqual([])
    const partial: Partial<typeof handlers> = { ...handlers }
    delete partial['runs:start']
    expect(missingHandlers(partial)).toEqual(['runs:start'])
  })

  it('refuses calls from an unknown sender and serves the trusted one', async () => {
    const ipc = new FakeIpc()
    const trusted = { id: 'our-window' }
    bindIpc(ipc, handlers, (sender) => sender === trusted)
    const call = ipc.handlers.get(CALL_CHANNEL)!
    const refused = await call({ sender: { id: 'devtools-or-other' } }, 'history:list', {
      limit: 10,
      offset: 0,
    })
    expect(refused).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'IPC from an unknown sender was refused' },
    })
    const served = await call({ sender: trusted }, 'history:list', { limit: 10, offset: 0 })
    expect(served).toMatchObject({ ok: true, value: { items: [], total: 0, hasMore: false } })
  })

  it('rejects unknown fields and methods before any handler runs (no passthrough to Docker)', async () => {
    const ipc = new FakeIpc()
    bindIpc(ipc, handlers, () => true)
    const call = ipc.handlers.get(CALL_CHANNEL)!
    const hostile = await call({ sender: 1 }, 'runs:start', {
      code: 'print(1)',
      input: {},
      environment: 'default',
      HostConfig: { Privileged: true, Binds: ['/:/h'] },
    })
    expect(hostile).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    expect(core.store.all()).toHaveLength(0)
    expect(await call({ sender: 1 }, 'docker:exec', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    })
  })
})

describe('artifact protocol containment', () => {
  function storeWithRun(): { store: RunStore; dir: string; outside: string } {
    const data = tmp()
    const store = new RunStore(data)
    const id = 'run-1'
    const record = {
      id,
      status: 'succeeded',
      artifacts: [
        { name: 'a.txt', sizeBytes: 2, sha256: 'x'.repeat(64), contentType: 'text/plain' },
        { name: 'sub/b.png', sizeBytes: 1, sha256: 'y'.repeat(64), contentType: 'image/png' },
      ],
      limits: DEFAULT_LIMITS,
    } as unknown as RunRecord
    store.save(record)
    const dir = store.artifactsDir(id)
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'a.txt'), 'hi')
    fs.writeFileSync(path.join(dir, 'sub', 'b.png'), 'p')
    const outside = path.join(data, 'secret.txt')
    fs.writeFileSync(outside, 'secret')
    return { store, dir, outside }
  }

  it('serves a listed artifact', () => {
    const { store } = storeWithRun()
    expect(resolveArtifactUrl(store, 'tako-artifact://run/run-1/sub/b.png')).toMatchObject({
      ok: true,
      contentType: 'image/png',
    })
  })

  it.each([
    'tako-artifact://run/run-1/../../secret.txt',
    'tako-artifact://run/run-1/%2e%2e/%2e%2e/secret.txt',
    'tako-artifact://run/run-1/%2Fetc%2Fpasswd',
    'tako-artifact://run/run-1/sub%5C..%5Ca.txt',
    'tako-artifact://run/..%2F..%2Fetc/passwd',
    'tako-artifact://other/run-1/a.txt',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    const { store } = storeWithRun()
    const r = resolveArtifactUrl(store, url)
    expect(r.ok).toBe(false)
  })

  it('refuses a link planted after the run was indexed', () => {
    const { store, dir, outside } = storeWithRun()
    fs.rmSync(path.join(dir, 'a.txt'))
    fs.symlinkSync(outside, path.join(dir, 'a.txt'))
    expect(resolveArtifactUrl(store, 'tako-artifact://run/run-1/a.txt')).toMatchObject({
      ok: false,
      status: 400,
    })
    fs.rmSync(path.join(dir, 'sub'), { recursive: true })
    fs.symlinkSync(path.dirname(outside), path.join(dir, 'sub'))
    expect(resolveArtifactUrl(store, 'tako-artifact://run/run-1/sub/b.png').ok).toBe(false)
  })

  it("answers a listed artifact as a stream under the sandbox CSP (its own run's folder only), and refusals with their status", async () => {
    const { store, dir, outside } = storeWithRun()
    const ok = artifactResponse(store, 'tako-artifact://run/run-1/a.txt')
    expect(ok.status).toBe(200)
    // An HTML report may load its own run's images, styles, fonts and media; nothing else.
    const own = 'tako-artifact://run/run-1/'
    expect(ok.headers.get('content-security-policy')).toBe(
      `${ARTIFACT_CSP.replace('img-src data:', `img-src data: ${own}`).replace("style-src 'unsafe-inline'", `style-src 'unsafe-inline' ${own}`)}; font-src ${own}; media-src ${own}`,
    )
    expect(ok.headers.get('content-type')).toBe('text/plain')
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await ok.text()).toBe('hi')
    expect(artifactResponse(store, 'tako-artifact://run/run-1/missing.txt').status).toBe(404)
    expect(artifactResponse(store, 'tako-artifact://run/run-1/%2e%2e/x').status).toBe(400)
    fs.rmSync(path.join(dir, 'a.txt'))
    fs.symlinkSync(outside, path.join(dir, 'a.txt'))
    const planted = artifactResponse(store, 'tako-artifact://run/run-1/a.txt')
    expect(planted.status).toBe(400)
    expect(await planted.text()).not.toContain('secret')
  })
})
