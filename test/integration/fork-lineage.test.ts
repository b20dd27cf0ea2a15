// A fork (new code on a run's input) is recorded the same way whichever transport asks: the app's
// IPC binding, the app's RPC over HTTP (`POST /api/rpc/runs:fork`, the browser build) and Tako VM's
// `POST /jobs/{id}/fork`. Each child names its parent, says 'fork', runs the new code on the
// parent's input and standard input, and carries the parent's limits.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoSessionContainersLeft } from './execute'
import { finishedRun, request, startInProcess } from './helpers'
import { ipcCaller } from './ipc-caller'

interface Envelope {
  ok: boolean
  value?: { id?: string; parentId?: string | null; relationship?: string | null }
  error?: { code: string; message: string }
}

let srv: Awaited<ReturnType<typeof startInProcess>>
let ipc: (method: string, args: unknown) => Promise<Envelope>
let parent: string

const PARENT_CODE =
  'import json\nxs = json.load(open("/input/data.json"))["xs"]\nprint("sum", sum(xs))\n'
const FORK_CODE =
  'import json\nxs = json.load(open("/input/data.json"))["xs"]\nprint("max", max(xs), input())\n'

beforeAll(async () => {
  srv = await startInProcess()
  ipc = ipcCaller<Envelope>(srv.core)
  const started = await ipc('runs:start', {
    code: PARENT_CODE,
    input: { xs: [3, 9, 4] },
    environment: 'default',
    stdin: 'from-parent\n',
    limits: { timeoutS: 7, memoryMb: 200, cpus: 0.5 },
  })
  expect(started.ok, JSON.stringify(started)).toBe(true)
  parent = started.value!.id!
  expect((await finishedRun(srv.core, parent)).status).toBe('succeeded')
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

async function rpc(method: string, args: unknown): Promise<Envelope> {
  const res = await request<Envelope>(`${srv.url}/api/rpc/${method}`, {
    method: 'POST',
    json: args,
  })
  return res.body
}

describe('fork: IPC, the app over HTTP and the HTTP API record the same lineage', () => {
  it('each child names its parent, says fork, runs the new code on the parent’s input', async () => {
    const viaIpc = await ipc('runs:fork', { id: parent, code: FORK_CODE })
    expect(viaIpc.ok, JSON.stringify(viaIpc)).toBe(true)
    expect(viaIpc.value).toMatchObject({ parentId: parent, relationship: 'fork' })
    const viaRpc = await rpc('runs:fork', { id: parent, code: FORK_CODE })
    expect(viaRpc.ok, JSON.stringify(viaRpc)).toBe(true)
    const viaHttp = await request<{ job_id: string }>(`${srv.url}/jobs/${parent}/fork`, {
      method: 'POST',
      json: { code: FORK_CODE },
    })
    expect(viaHttp.status).toBe(200)

    const p = srv.core.store.get(parent)!
    for (const id of [viaIpc.value!.id!, viaRpc.value!.id!, viaHttp.body.job_id]) {
      const child = await finishedRun(srv.core, id)
      expect(child).toMatchObject({
        status: 'succeeded',
        parentId: parent,
        relationship: 'fork',
        inputHash: p.inputHash,
        limits: p.limits,
      })
      expect(child.codeHash).not.toBe(p.codeHash)
      expect(srv.core.store.readCode(id)).toBe(FORK_CODE)
      const got = await request<{ stdout: string }>(`${srv.url}/executions/${id}?view=full`)
      expect(got.body.stdout).toBe('max 9 from-parent\n')
    }
  })

  it('a fork may change the environment’s limits, on IPC as on HTTP', async () => {
    const viaIpc = await ipc('runs:fork', { id: parent, code: FORK_CODE, limits: { timeoutS: 9 } })
    const viaHttp = await request<{ job_id: string }>(`${srv.url}/jobs/${parent}/fork`, {
      method: 'POST',
      json: { code: FORK_CODE, timeout: 9 },
    })
    const parentLimits = srv.core.store.get(parent)!.limits
    for (const id of [viaIpc.value!.id!, viaHttp.body.job_id]) {
      const child = await finishedRun(srv.core, id)
      expect(child.limits).toEqual({ ...parentLimits, timeoutMs: 9000 })
      expect(child.relationship).toBe('fork')
    }
  })

  it('the same refusals: an unknown run, and no code', async () => {
    const before = srv.core.store.all().length
    const unknown = randomUUID()
    expect((await ipc('runs:fork', { id: unknown, code: 'print(1)' })).error?.code).toBe(
      'not_found',
    )
    expect((await rpc('runs:fork', { id: unknown, code: 'print(1)' })).error?.code).toBe(
      'not_found',
    )
    const httpUnknown = await request(`${srv.url}/jobs/${unknown}/fork`, {
      method: 'POST',
      json: { code: 'print(1)' },
    })
    expect(httpUnknown.status).toBe(404)
    expect((await ipc('runs:fork', { id: parent, code: '' })).error?.code).toBe('invalid_argument')
    const httpEmpty = await request(`${srv.url}/jobs/${parent}/fork`, {
      method: 'POST',
      json: {},
    })
    expect(httpEmpty.status).toBe(422)
    expect(srv.core.store.all().length).toBe(before)
  })
})
