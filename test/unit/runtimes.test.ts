// The runtime choice (runc or gVisor): the server default, validation, the Docker names, the errors
// when Docker lacks a runtime, the warm pool's key and the health probe (see docs/security.md, 'gVisor').
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { schemas } from '../../src/shared/api'
import { buildContainerSpec } from '../../src/main/engine/container-spec'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { RunEngine } from '../../src/main/engine/run-engine'
import {
  RuntimeConfigError,
  RuntimeProbe,
  Runtimes,
  runtimeFromEnv,
  runtimeMissing,
  runtimeStartFailure,
} from '../../src/main/engine/runtimes'
import { poolKey } from '../../src/main/engine/warm-pool'
import { toSubmitRequest } from '../../src/main/app/run-request'
import type { ContainerClient } from '../../src/main/engine/docker-client'
import { executeRequestSchema } from '../../src/main/server/validation'
import { FakeContainerClient } from './fake-container-client'

function dockerError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), {
    statusCode,
    json: { message },
  })
}

/** Docker as far as runtimes go: the registered names, and a create that can refuse. */
class RuntimeFakeClient extends FakeContainerClient {
  registered: string[] | Error = ['runc', 'runsc']
  infoCalls = 0
  created: Docker.ContainerCreateOptions[] = []
  createError: Error | null = null
  startError: Error | null = null

  override async runtimes(): Promise<string[]> {
    this.infoCalls++
    await Promise.resolve()
    if (this.registered instanceof Error) throw this.registered
    return this.registered
  }
  override async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    this.created.push(spec)
    if (this.createError) throw this.createError
    return 'c1'
  }
  override async start(): Promise<void> {
    if (this.startError) throw this.startError
  }
}

describe('TAKO_RUNTIME', () => {
  it('is runc when unset or empty', () => {
    expect(runtimeFromEnv({})).toBe('runc')
    expect(runtimeFromEnv({ TAKO_RUNTIME: ' ' })).toBe('runc')
  })

  it('takes gvisor (or its Docker name runsc) and runc, in any case', () => {
    expect(runtimeFromEnv({ TAKO_RUNTIME: 'gvisor' })).toBe('gvisor')
    expect(runtimeFromEnv({ TAKO_RUNTIME: 'GVisor' })).toBe('gvisor')
    expect(runtimeFromEnv({ TAKO_RUNTIME: 'runsc' })).toBe('gvisor')
    expect(runtimeFromEnv({ TAKO_RUNTIME: 'runc' })).toBe('runc')
  })

  it('refuses anything else, naming the choices', () => {
    expect(() => runtimeFromEnv({ TAKO_RUNTIME: 'kata' })).toThrow(RuntimeConfigError)
    expect(() => runtimeFromEnv({ TAKO_RUNTIME: 'kata' })).toThrow(/runc, gvisor.*'kata'/)
  })
})

describe('the runtime field of a request', () => {
  it('HTTP takes runc and gvisor and refuses other names with a 422 detail', () => {
    expect(executeRequestSchema.parse({ code: 'x', runtime: 'gvisor' }).runtime).toBe('gvisor')
    expect(executeRequestSchema.parse({ code: 'x', runtime: 'runc' }).runtime).toBe('runc')
    expect(executeRequestSchema.parse({ code: 'x' }).runtime).toBeUndefined()
    const bad = executeRequestSchema.safeParse({ code: 'x', runtime: 'runsc-unchecked' })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]?.path).toEqual(['runtime'])
  })

  it('runs:start takes it as an optional choice', () => {
    const base = { code: 'x', input: {}, environment: 'default' }
    expect(schemas['runs:start'].parse({ ...base, runtime: 'gvisor' }).runtime).toBe('gvisor')
    expect(schemas['runs:start'].safeParse({ ...base, runtime: 'kata' }).success).toBe(false)
  })

  it('is carried into the submit request, and left out when not given', () => {
    const req = { code: 'x', input: {}, source: 'api' as const }
    expect(toSubmitRequest({ ...req, runtime: 'gvisor' }, 300).runtime).toBe('gvisor')
    expect(toSubmitRequest(req, 300).runtime).toBeUndefined()
  })
})

describe('Runtimes: choices and Docker names', () => {
  const client = new RuntimeFakeClient()

  it('maps a choice onto its Docker name, the default choice when none is given', () => {
    const r = new Runtimes(client, 'gvisor')
    expect(r.resolve()).toEqual({ choice: 'gvisor', name: 'runsc' })
    expect(r.resolve('runc')).toEqual({ choice: 'runc', name: 'runc' })
    expect(new Runtimes(client).resolve(null)).toEqual({ choice: 'runc', name: 'runc' })
  })

  it('takes other names from its configuration, and maps recorded names back', () => {
    const r = new Runtimes(client, 'runc', { gvisor: 'runsc-debug' })
    expect(r.resolve('gvisor').name).toBe('runsc-debug')
    expect(r.choiceOf('runsc-debug')).toBe('gvisor')
    expect(r.choiceOf('runc')).toBe('runc')
    expect(r.choiceOf(undefined)).toBeNull()
    expect(r.choiceOf('kata')).toBeNull()
  })
})

describe('errors when Docker lacks a runtime', () => {
  it("Docker's 'Unknown runtime specified' becomes a config error saying how to enable gVisor", () => {
    const f = runtimeMissing(dockerError(400, 'Unknown runtime specified runsc'), 'gvisor', 'runsc')
    expect(f?.runError.type).toBe('config_error')
    expect(f?.runError.phase).toBe('startup')
    expect(f?.runError.message).toMatch(/^gVisor \(runsc\) is not registered with Docker: /)
    expect(f?.runError.message).toContain('/etc/docker/daemon.json')
    expect(f?.runError.message).toContain('apt-get install runsc')
    expect(f?.runError.message).toContain('--network=none')
  })

  it('other create errors are not runtime errors', () => {
    expect(runtimeMissing(dockerError(404, 'No such image: x'), 'gvisor', 'runsc')).toBeNull()
    expect(runtimeMissing(new Error('socket hang up'), 'runc', 'runc')).toBeNull()
  })

  it("runsc refusing its network stack on a new kernel becomes a config error naming '--network=none'", () => {
    const msg =
      'Docker daemon error: OCI runtime start failed: starting container: setting up network: creating ' +
      'interfaces from net namespace "/proc/1/ns/net": cannot run with network enabled in root network namespace: unknown'
    const f = runtimeStartFailure(new Error(msg), 'gvisor', 'runsc')
    expect(f?.runError.type).toBe('config_error')
    expect(f?.runError.message).toContain('"runtimeArgs": ["--network=none"]')
    expect(runtimeStartFailure(new Error(msg), 'runc', 'runc')).toBeNull()
    expect(
      runtimeStartFailure(new Error('Docker daemon error: disk full'), 'gvisor', 'runsc'),
    ).toBe(null)
  })
})

describe('RuntimeProbe (what /health reports as gvisor_available)', () => {
  it("asks Docker once per few seconds and answers from Docker's list", async () => {
    const client = new RuntimeFakeClient()
    const probe = new RuntimeProbe(client, 60_000)
    expect(await probe.has('runsc')).toBe(true)
    expect(await probe.has('kata')).toBe(false)
    expect(client.infoCalls).toBe(1)
  })

  it('asks again once its answer is older than its time to live', async () => {
    const client = new RuntimeFakeClient()
    const probe = new RuntimeProbe(client, 0)
    expect(await probe.has('runsc')).toBe(true)
    client.registered = ['runc']
    expect(await probe.has('runsc')).toBe(false)
    expect(client.infoCalls).toBe(2)
  })

  it('says not available when Docker cannot be asked or has no such method', async () => {
    const client = new RuntimeFakeClient()
    client.registered = new Error('connect ECONNREFUSED')
    expect(await new RuntimeProbe(client, 0).has('runsc')).toBe(false)
    const bare: ContainerClient = { ...client, runtimes: undefined } as unknown as ContainerClient
    expect(await new RuntimeProbe(bare, 0).registered()).toBeNull()
    expect(await new Runtimes(bare).gvisorAvailable()).toBe(false)
  })
})

describe('the container and the warm pool key', () => {
  const common = {
    sessionId: 's',
    image: 'img',
    limits: DEFAULT_LIMITS,
    user: { uid: 1000, gid: 1000 },
  }

  it('HostConfig.Runtime is the Docker name given, and absent when none is', () => {
    const probe = { ...common, kind: 'probe' as const, probeId: 'p', command: ['true'] }
    expect(buildContainerSpec({ ...probe, runtime: 'runsc' }).HostConfig?.Runtime).toBe('runsc')
    expect(buildContainerSpec(probe).HostConfig).not.toHaveProperty('Runtime')
  })

  it('the pool keys on the runtime: runc and runsc containers never serve each other', () => {
    expect(poolKey('img', DEFAULT_LIMITS, 'runsc')).not.toBe(poolKey('img', DEFAULT_LIMITS, 'runc'))
    expect(poolKey('img', DEFAULT_LIMITS)).toBe(poolKey('img', DEFAULT_LIMITS, 'runc'))
  })
})

describe('RunEngine with a runtime', () => {
  let tmp: string
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-runtime-'))
  })
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }))

  const spec = (runtime?: 'runc' | 'gvisor'): Parameters<RunEngine['run']>[0] => ({
    runId: 'r1',
    code: 'print(1)\n',
    inputData: {},
    environment: 'default',
    image: 'img',
    limits: DEFAULT_LIMITS,
    runDir: path.join(tmp, 'r1'),
    ...(runtime ? { runtime } : {}),
  })

  it('creates the container under runsc for gvisor, and under runc by default', async () => {
    const client = new RuntimeFakeClient()
    const engine = new RunEngine({ client, sessionId: 's', user: { uid: 1000, gid: 1000 } })
    expect((await engine.run(spec('gvisor'))).status).toBe('succeeded')
    expect((await engine.run(spec())).status).toBe('succeeded')
    expect(client.created.map((c) => c.HostConfig?.Runtime)).toEqual(['runsc', 'runc'])
  })

  it('follows its default runtime (TAKO_RUNTIME) when a run does not ask', async () => {
    const client = new RuntimeFakeClient()
    const engine = new RunEngine({
      client,
      sessionId: 's',
      user: { uid: 1000, gid: 1000 },
      defaultRuntime: 'gvisor',
    })
    await engine.run(spec())
    await engine.run(spec('runc'))
    expect(client.created.map((c) => c.HostConfig?.Runtime)).toEqual(['runsc', 'runc'])
  })

  it('a gvisor run where Docker lacks it fails as config_error, with no runc attempt', async () => {
    const client = new RuntimeFakeClient()
    client.createError = dockerError(400, 'Unknown runtime specified runsc')
    const engine = new RunEngine({ client, sessionId: 's', user: { uid: 1000, gid: 1000 } })
    const r = await engine.run(spec('gvisor'))
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('config_error')
    expect(r.error?.message).toMatch(/^gVisor \(runsc\) is not registered with Docker/)
    expect(r.startedAt).toBeNull()
    expect(client.created.map((c) => c.HostConfig?.Runtime)).toEqual(['runsc'])
  })

  it('a runsc that cannot start fails as config_error and its container is removed', async () => {
    const client = new RuntimeFakeClient()
    client.startError = new Error(
      'Docker daemon error: OCI runtime start failed: cannot run with network enabled in root network namespace',
    )
    const engine = new RunEngine({ client, sessionId: 's', user: { uid: 1000, gid: 1000 } })
    const r = await engine.run(spec('gvisor'))
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('config_error')
    expect(r.error?.message).toContain('--network=none')
    expect(client.removed).toEqual(['c1'])
  })
})
