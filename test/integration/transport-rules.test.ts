// One rule per action, whichever transport asks: the same cases through the app's IPC binding
// (bindIpc → invoke → handlers) and through the HTTP API must agree, and the app's RPC applies the
// same input checks as the HTTP API (see docs/architecture.md, 'Lifecycle').
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSessionContainersLeft } from './execute'
import { finishedRun, request, startInProcess } from './helpers'
import { ipcCaller } from './ipc-caller'

type Server = Awaited<ReturnType<typeof startInProcess>>
/** An envelope as it comes back, read loosely: `value.id` on success, `error` on failure. */
interface Envelope {
  ok: boolean
  value?: { id?: string; [key: string]: unknown }
  error?: { code: string; message: string }
}
type Call = (method: string, args: unknown) => Promise<Envelope>

let srv: Server
let ipc: Call

/** The HTTP status each envelope code stands for (Tako VM's: 400 for a refused replay). */
const HTTP_STATUS: Record<string, number> = {
  not_found: 404,
  conflict: 409,
  failed_precondition: 400,
  invalid_argument: 422,
}

beforeAll(async () => {
  srv = await startInProcess()
  ipc = ipcCaller<Envelope>(srv.core)
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

async function startApp(args: Record<string, unknown>): Promise<string> {
  const started = await ipc('runs:start', { input: {}, environment: 'default', ...args })
  expect(started.ok, JSON.stringify(started)).toBe(true)
  return started.value!.id!
}

function errorCode(e: Envelope): string {
  return e.ok ? 'ok' : (e.error?.code ?? 'none')
}

describe('the app RPC checks input as the HTTP API does', () => {
  it('a 20,000-deep input is invalid_argument, over IPC and over /api/rpc, and runs nothing', async () => {
    const before = srv.core.store.all().length
    let deep: unknown = 1
    for (let i = 0; i < 20_000; i++) deep = { a: deep }
    const args = { code: 'print(1)', input: { deep }, environment: 'default' }
    expect(errorCode(await ipc('runs:start', args))).toBe('invalid_argument')
    const text = `{"code":"print(1)","environment":"default","input":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`
    const rpc = await request<Envelope>(`${srv.url}/api/rpc/runs:start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    })
    expect(errorCode(rpc.body)).toBe('invalid_argument')
    expect(srv.core.store.all().length).toBe(before)
  })

  it('a 1.9 MiB input is invalid_argument over IPC, as the HTTP API answers 422', async () => {
    const before = srv.core.store.all().length
    const input = { blob: 'x'.repeat(1.9 * 1024 * 1024) }
    const viaIpc = await ipc('runs:start', { code: 'print(1)', input, environment: 'default' })
    expect(errorCode(viaIpc)).toBe('invalid_argument')
    expect(viaIpc.error?.message).toMatch(/exceeds 1MB/)
    const viaHttp = await request(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(1)', input_data: input },
    })
    expect(viaHttp.status).toBe(422)
    expect(srv.core.store.all().length).toBe(before)
  })
})

describe('rerun, cancel and delete: IPC and HTTP decide alike', () => {
  let parent: string
  let live: string

  beforeAll(async () => {
    parent = await startApp({
      code: 'print("parent")',
      limits: { timeoutS: 7, memoryMb: 200, cpus: 0.5 },
    })
    expect((await finishedRun(srv.core, parent)).status).toBe('succeeded')
    live = await startApp({ code: 'import time; time.sleep(60)', limits: { timeoutS: 90 } })
  })

  afterAll(async () => {
    srv.core.jobs.cancel(live)
    await finishedRun(srv.core, live)
  })

  it('a rerun carries the parent’s limits unless overridden, on both transports', async () => {
    const viaIpc = await ipc('runs:rerun', { id: parent })
    expect(viaIpc.ok, JSON.stringify(viaIpc)).toBe(true)
    const viaHttp = await request<{ job_id: string }>(`${srv.url}/jobs/${parent}/rerun`, {
      method: 'POST',
      json: {},
    })
    expect(viaHttp.status).toBe(200)
    const parentLimits = srv.core.store.get(parent)!.limits
    for (const id of [viaIpc.value!.id!, viaHttp.body.job_id]) {
      const child = await finishedRun(srv.core, id)
      expect(child).toMatchObject({ status: 'succeeded', parentId: parent, relationship: 'rerun' })
      expect(child.limits).toEqual(parentLimits)
    }
    const overridden = await request<{ job_id: string }>(`${srv.url}/jobs/${parent}/rerun`, {
      method: 'POST',
      json: { timeout: 9 },
    })
    const viaIpc2 = await ipc('runs:rerun', { id: parent, limits: { timeoutS: 9 } })
    for (const id of [overridden.body.job_id, viaIpc2.value!.id!]) {
      const child = await finishedRun(srv.core, id)
      expect(child.limits).toEqual({ ...parentLimits, timeoutMs: 9000 })
    }
  })

  const cases: {
    name: string
    ipc: () => [string, Record<string, unknown>]
    http: () => [string, string]
    expect: string
  }[] = [
    {
      name: 'rerun of a live run',
      ipc: () => ['runs:rerun', { id: live }],
      http: () => ['POST', `/jobs/${live}/rerun`],
      expect: 'failed_precondition',
    },
    {
      name: 'rerun of an unknown run',
      ipc: () => ['runs:rerun', { id: 'no-such-run' }],
      http: () => ['POST', `/jobs/no-such-run/rerun`],
      expect: 'not_found',
    },
    {
      name: 'delete of a live run',
      ipc: () => ['runs:delete', { id: live }],
      http: () => ['DELETE', `/executions/${live}`],
      expect: 'conflict',
    },
    {
      name: 'delete of an unknown run',
      ipc: () => ['runs:delete', { id: randomUUID() }],
      http: () => ['DELETE', `/executions/${randomUUID()}`],
      expect: 'not_found',
    },
    {
      name: 'rerun with a timeout over the ceiling',
      ipc: () => ['runs:rerun', { id: parent, limits: { timeoutS: 3000 } }],
      http: () => ['POST', `/jobs/${parent}/rerun`],
      expect: 'invalid_argument',
    },
  ]

  it.each(cases)('$name: the same refusal on both transports', async (c) => {
    const [method, args] = c.ipc()
    const [verb, path] = c.http()
    const viaIpc = await ipc(method, args)
    const viaHttp = await request(`${srv.url}${path}`, {
      method: verb,
      ...(verb === 'POST'
        ? { json: c.expect === 'invalid_argument' ? { timeout: 3000 } : {} }
        : {}),
    })
    expect(errorCode(viaIpc)).toBe(c.expect)
    expect(viaHttp.status).toBe(HTTP_STATUS[c.expect])
    expect(srv.core.jobs.isLive(live)).toBe(true)
  })

  it('cancel of a finished run: IPC answers cancelled false, HTTP 404, and the run stays', async () => {
    expect(await ipc('runs:cancel', { id: parent })).toEqual({
      ok: true,
      value: { cancelled: false },
    })
    expect((await request(`${srv.url}/jobs/${parent}/cancel`, { method: 'POST' })).status).toBe(404)
    expect(srv.core.store.get(parent)?.status).toBe('succeeded')
  })

  it('delete of a finished run works on both transports', async () => {
    const a = await startApp({ code: 'print(1)' })
    const b = await startApp({ code: 'print(2)' })
    await finishedRun(srv.core, a)
    await finishedRun(srv.core, b)
    expect(await ipc('runs:delete', { id: a })).toEqual({ ok: true, value: { deleted: true } })
    expect((await request(`${srv.url}/executions/${b}`, { method: 'DELETE' })).status).toBe(200)
    expect(srv.core.store.get(a)).toBeUndefined()
    expect(srv.core.store.get(b)).toBeUndefined()
  })
})
