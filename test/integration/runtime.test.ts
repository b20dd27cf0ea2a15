// Runtimes (docs/security.md, 'gVisor'): a run asks for runc or gvisor, gets exactly that (never a
// fallback), the record and /health say so, and the warm pool never hands a container of one
// runtime to a run of the other. Needs runsc registered with Docker (scripts/setup-host.sh does it).
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LABEL_ROLE, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { execute, executeOk, expectNoSessionContainersLeft } from './execute'
import { request, startInProcess, until } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>

const KERNEL = 'import platform; print(platform.release())'
const docker = new Docker()

/** Runtime (HostConfig.Runtime) of each running warm container of a session. */
async function warmRuntimes(sessionId: string): Promise<Map<string, string>> {
  const list = await docker.listContainers({
    filters: {
      label: [`${LABEL_SESSION}=${sessionId}`, `${LABEL_ROLE}=pool`],
      status: ['running'],
    },
  })
  const out = new Map<string, string>()
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect()
    out.set(c.Id, info.HostConfig.Runtime ?? '')
  }
  return out
}

describe('runc and gVisor side by side (warm pool on)', () => {
  let srv: Server
  const dispatched: { runId: string; containerId: string; key: string }[] = []

  beforeAll(async () => {
    srv = await startInProcess({
      defaultRuntime: 'runc',
      pool: { enabled: true, size: 1, max: 4, idleMs: 600_000 },
      log: (event, fields) => {
        if (event === 'pool-dispatch') dispatched.push(fields as (typeof dispatched)[number])
      },
    })
  })

  afterAll(async () => {
    await srv.close()
    await expectNoSessionContainersLeft(srv.core.sessionId)
  })

  it('/health reports gvisor_available true when runsc is registered, and the default runtime', async () => {
    const res = await request(`${srv.url}/health`)
    expect(res.status).toBe(200)
    expect(res.body.gvisor_available).toBe(true)
    expect(res.body.default_runtime).toBe('runc')
  })

  it('a gvisor run sees kernel 4.4.0 and is recorded as runsc', async () => {
    const r = await executeOk(srv.url, KERNEL, { runtime: 'gvisor' })
    expect(r.stdout.trim()).toBe('4.4.0')
    const rec = await request(`${srv.url}/executions/${r.execution_id}`)
    expect(rec.body.runtime).toBe('runsc')
  })

  it("a runc run sees the host's kernel and is recorded as runc", async () => {
    const r = await executeOk(srv.url, KERNEL, { runtime: 'runc' })
    expect(r.stdout.trim()).not.toBe('4.4.0')
    const rec = await request(`${srv.url}/executions/${r.execution_id}`)
    expect(rec.body.runtime).toBe('runc')
  })

  it('the pool keys on the runtime: a warm runsc container is not used for a runc run', async () => {
    // Asked for twice, the gvisor key is kept warm: wait for its runsc container to be ready.
    await executeOk(srv.url, KERNEL, { runtime: 'gvisor' })
    const runscWarm = await until(
      async () => {
        const ids = [...(await warmRuntimes(srv.core.sessionId))]
          .filter(([, rt]) => rt === 'runsc')
          .map(([id]) => id)
        return ids.length > 0 ? ids : undefined
      },
      'a warm runsc container',
      60_000,
    )

    const runc = await executeOk(srv.url, KERNEL, { runtime: 'runc' })
    expect(runc.stdout.trim()).not.toBe('4.4.0')
    const runcDispatch = dispatched.find((d) => d.runId === runc.execution_id)
    if (runcDispatch) {
      expect(runscWarm).not.toContain(runcDispatch.containerId)
      expect((JSON.parse(runcDispatch.key) as unknown[])[1]).toBe('runc')
    }
    // The runsc container is still there, waiting for a gvisor run, which it then serves.
    expect([...(await warmRuntimes(srv.core.sessionId)).keys()]).toEqual(
      expect.arrayContaining(runscWarm),
    )
    const gv = await executeOk(srv.url, KERNEL, { runtime: 'gvisor' })
    expect(gv.stdout.trim()).toBe('4.4.0')
    const gvDispatch = dispatched.find((d) => d.runId === gv.execution_id)
    expect(gvDispatch?.containerId).toBeDefined()
    expect(runscWarm).toContain(gvDispatch?.containerId)
    expect((JSON.parse(gvDispatch!.key) as unknown[])[1]).toBe('runsc')
  })

  it('a rerun of a gvisor run runs under gvisor again', async () => {
    const first = await executeOk(srv.url, KERNEL, { runtime: 'gvisor' })
    const res = await request(`${srv.url}/jobs/${first.execution_id}/rerun`, {
      method: 'POST',
      json: {},
    })
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
    const id = String(res.body.job_id ?? res.body.execution_id)
    const done = await srv.core.jobs.wait(id)
    expect(done?.runtime).toBe('runsc')
    expect(done?.status).toBe('succeeded')
  })

  it('an unknown runtime name in a request is a 422 naming the field, and nothing runs', async () => {
    const res = await request<{ detail: { loc: unknown[] }[] }>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(1)', runtime: 'kata' },
    })
    expect(res.status).toBe(422)
    expect(res.body.detail[0]?.loc).toEqual(['body', 'runtime'])
  })
})

describe('a runtime Docker does not have', () => {
  let srv: Server

  beforeAll(async () => {
    // Our own configuration points gvisor at a name Docker has never heard of; runsc stays registered.
    srv = await startInProcess({
      runtimeNames: { gvisor: 'tako-unregistered-runtime' },
      pool: { enabled: true, size: 1, idleMs: 600_000 },
    })
  })

  afterAll(async () => {
    await srv.close()
    await expectNoSessionContainersLeft(srv.core.sessionId)
  })

  it('/health reports gvisor_available false', async () => {
    const res = await request(`${srv.url}/health`)
    expect(res.body.docker_available).toBe(true)
    expect(res.body.gvisor_available).toBe(false)
  })

  it('a gvisor run fails as config_error saying how to enable it, and never falls back to runc', async () => {
    for (let i = 0; i < 2; i++) {
      // Twice: the second ask would warm the key, and the pool must not change the answer.
      const r = await execute(srv.url, { code: 'print("ran")', runtime: 'gvisor' })
      expect(r.status).toBe('failed')
      expect(r.error_type).toBe('config_error')
      expect(r.error).toMatch(
        /^gVisor \(tako-unregistered-runtime\) is not registered with Docker: /,
      )
      expect(r.error).toContain('/etc/docker/daemon.json')
      expect(r.stdout).toBe('')
      const rec = await request(`${srv.url}/executions/${r.execution_id}`)
      expect(rec.body.runtime).toBe('tako-unregistered-runtime')
    }
  })

  it('runc runs are unaffected', async () => {
    const r = await executeOk(srv.url, 'print("ran")', { runtime: 'runc' })
    expect(r.stdout).toBe('ran\n')
  })
})
