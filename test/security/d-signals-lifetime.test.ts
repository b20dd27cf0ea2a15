// docs/security.md, group D (#25–#27): signals, timeouts and process lifetime. The host's own timer
// and SIGKILL end a run whatever the script does with signals; a daemon `wait` that never answers
// does not hold a container; bad limits are refused before any container exists.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LABEL_ROLE, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { LimitError } from '../../src/main/engine/limits'
import { RunEngine } from '../../src/main/engine/run-engine'
import { imageRef } from '../../src/main/environments/catalogue'
import { defaultLimitsFor } from '../../src/main/app/run-request'
import { waitForOutput } from '../integration/api'
import { expectKilledAtTimeout } from '../integration/execute'
import { expectNoneLeft, request } from '../integration/helpers'
import {
  containersOfRun,
  engineRun,
  MiB,
  py,
  RecordingClient,
  result,
  run,
  securitySuite,
  sleep,
  startAsync,
} from './harness'

const sec = securitySuite()

/** Role-`run` containers of this session that exist right now (any state). */
async function runContainersNow(): Promise<string[]> {
  const list = await new DockerContainerClient().listByLabel(
    `${LABEL_SESSION}=${sec.ctx.srv.core.sessionId}`,
  )
  return list.filter((c) => c.labels[LABEL_ROLE] === 'run').map((c) => c.id)
}

const IGNORE_SIGNALS = py(
  'import os, signal, time',
  'for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):',
  '    signal.signal(s, signal.SIG_IGN)',
)

describe('D. signals, timeouts, process lifetime', () => {
  it('#25 a script ignoring SIGTERM (and every catchable signal) is SIGKILLed at the timeout', async () => {
    const t0 = performance.now()
    const r = await run(sec.ctx, {
      code: py(IGNORE_SIGNALS, 'print("ignoring", flush=True)', 'while True: pass'),
      timeout: 2,
    })
    // Ended by the SIGKILL the engine sends at the timeout (137, as Docker reports it), however long
    // the loaded machine took to answer after it.
    expectKilledAtTimeout(r, 2, performance.now() - t0)
    expect(r.stdout).toBe('ignoring\n')
  })

  it('#25 detached children in their own sessions that ignore signals die with the run', async () => {
    const t0 = performance.now()
    const r = await run(sec.ctx, {
      code: py(
        IGNORE_SIGNALS,
        'for i in range(3):',
        '    if os.fork() == 0:',
        '        os.setsid()',
        '        if os.fork() == 0:',
        '            while True:',
        '                time.sleep(0.2)',
        '        os._exit(0)',
        'print("detached", flush=True)',
        'while True: pass',
      ),
      timeout: 2,
    })
    // The children loop for ever: a run that waited for them would never return. It ended by the
    // kill (137) of its container, which takes every process of it along.
    expectKilledAtTimeout(r, 2, performance.now() - t0)
    expect(r.stdout).toBe('detached\n')
  })

  it('#25 a daemon left behind by a script that exits does not outlive the run or write to /output', async () => {
    const r = await run(sec.ctx, {
      code: py(
        IGNORE_SIGNALS,
        'if os.fork() == 0:',
        '    os.setsid()',
        '    if os.fork() == 0:',
        '        time.sleep(2)',
        '        open("/output/late.txt", "w").write("late")',
        '        os._exit(0)',
        '    os._exit(0)',
        'print("parent exits", flush=True)',
      ),
      timeout: 10,
    })
    // Succeeded, not timeout: the run ended when the script did, before its 10 s timer, without
    // waiting for the daemon.
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.stdout).toBe('parent exits\n')
    await sleep(2_500)
    expect(r.artifacts).toEqual([])
    expect(fs.readdirSync(sec.ctx.srv.core.store.artifactsDir(r.execution_id))).toEqual([])
  })

  it('#25 closing stdout and stderr early does not end the run: it is over when its processes are', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import os, time',
        'print("bye", flush=True)',
        'os.close(1)',
        'os.close(2)',
        'time.sleep(1)',
        'open("/output/after.txt", "w").write("written after the streams closed")',
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.stdout).toBe('bye\n')
    expect(r.artifacts.map((a) => a.name)).toEqual(['after.txt'])
  })

  it('#25 cancel of a SIGTERM-ignoring run escalates to SIGKILL within the grace period', async () => {
    const id = await startAsync(sec.ctx, {
      code: py(IGNORE_SIGNALS, 'print("ready", flush=True)', 'while True: pass'),
      timeout: 60,
    })
    // Its handlers are set once it printed "ready" (a fixed sleep could cancel before that, under load).
    await waitForOutput(sec.ctx.srv.url, id, 'ready\n')
    const res = await request(`${sec.ctx.srv.url}/jobs/${id}/cancel`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'cancelled', job_id: id })
    const r = await result(sec.ctx, id)
    expect(r.status).toBe('cancelled')
    // The SIGKILL landed and Docker reported that exit (137): the run did not end by the engine
    // giving up on the daemon after the kill grace (that path reports -1). The loop never ends on its
    // own, so nothing else could have ended it.
    expect(r.exit_code).toBe(137)
    expect(r.error).toMatchObject({ type: 'cancelled' })
    expect(r.stdout).toBe('ready\n')
  })

  it('#26 a daemon `wait()` that never answers: the host timer kills, stops waiting, removes, and inspect finds nothing', async () => {
    const hung = new RecordingClient()
    hung.hooks.wait = () => new Promise<number>(() => undefined)
    const engine = new RunEngine({
      client: hung,
      sessionId: sec.ctx.srv.core.sessionId,
      killGraceMs: 1_000,
    })
    const runId = `sec-hung-${Date.now()}`
    const out = await engine.run({
      runId,
      code: py('print("running", flush=True)', 'while True: pass'),
      inputData: {},
      environment: 'default',
      image: imageRef('default'),
      limits: { ...defaultLimitsFor('default'), timeoutMs: 2_000 },
      runDir: `${sec.ctx.srv.dataDir}/engine-runs/${runId}`,
    })
    // The wait never answers, so returning at all shows the engine stopped waiting; -1 shows it
    // did so at the kill grace, with no exit reported.
    expect(out.status).toBe('timeout')
    expect(out.exitCode).toBe(-1)
    expect(out.error?.type).toBe('timeout')
    expect(out.stdout).toBe('running\n')
    const [created] = hung.created
    expect(created).toBeDefined()
    expect(hung.calls).toEqual(
      expect.arrayContaining([`wait:${created.id}`, `kill:${created.id}`, `remove:${created.id}`]),
    )
    await expect(new DockerContainerClient().inspect(created.id)).rejects.toMatchObject({
      statusCode: 404,
    })
    await expectNoneLeft(() => containersOfRun(runId))
  })

  it('#26 a client whose wait for the result times out (408) does not leave the run or its container behind', async () => {
    const id = await startAsync(sec.ctx, {
      code: py('import time', 'time.sleep(3)', 'print("finished")'),
      timeout: 30,
    })
    const waited = await request(`${sec.ctx.srv.url}/jobs/${id}/result?wait=true&timeout=1`)
    expect(waited.status).toBe(408)
    expect(waited.body).toMatchObject({ detail: 'Timeout waiting for job' })
    const r = await result(sec.ctx, id)
    expect(r.status).toBe('succeeded')
    expect(r.stdout).toBe('finished\n')
  })

  it.each([
    ['timeout', 0],
    ['timeout', -1],
    ['timeout', 1.5],
    ['timeout', 'NaN'],
    ['timeout', '1e999 (Infinity)', '1e999'],
    ['timeout', 301],
    ['memory_mb', 5],
    ['memory_mb', 15],
    ['memory_mb', 0],
    ['memory_mb', -512],
    ['memory_mb', 10 ** 9],
    ['cpus', 0],
    ['cpus', -1],
    ['cpus', 1000],
  ] as [string, unknown, string?][])(
    '#27 %s = %s is refused with a 422 naming the field, before any run or container exists',
    async (field, value, raw) => {
      const runs = sec.ctx.srv.core.store.all().length
      const created = sec.ctx.client.runContainers().length
      const body =
        raw !== undefined
          ? `{"code": "print(1)", "${field}": ${raw}}`
          : JSON.stringify({ code: 'print(1)', [field]: value })
      const res = await request<{ detail: { loc: string[]; msg: string }[] }>(
        `${sec.ctx.srv.url}/execute`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body },
      )
      expect(res.status).toBe(422)
      expect(res.body.detail[0]?.loc).toEqual(['body', field])
      expect(sec.ctx.srv.core.store.all().length).toBe(runs)
      expect(sec.ctx.client.runContainers().length).toBe(created)
      expect(await runContainersNow()).toEqual([])
    },
  )

  it('#27 the app’s RPC refuses the same bad limits (invalid_argument) and runs nothing', async () => {
    const runs = sec.ctx.srv.core.store.all().length
    const created = sec.ctx.client.runContainers().length
    for (const limits of [
      { timeoutS: 0 },
      { timeoutS: -5 },
      { timeoutS: 3601 },
      { memoryMb: 5 },
      { cpus: 0 },
      { timeoutS: 'NaN' },
    ]) {
      const res = await request<{ ok: boolean; error: { code: string; message: string } }>(
        `${sec.ctx.srv.url}/api/rpc/runs:start`,
        { method: 'POST', json: { code: 'print(1)', input: {}, environment: 'default', limits } },
      )
      expect(res.status).toBe(200)
      expect(res.body.ok, JSON.stringify(limits)).toBe(false)
      expect(res.body.error.code).toBe('invalid_argument')
      expect(res.body.error.message).toMatch(/^limits\./)
    }
    expect(sec.ctx.srv.core.store.all().length).toBe(runs)
    expect(sec.ctx.client.runContainers().length).toBe(created)
  })

  it.each([
    ['timeoutMs', 0],
    ['timeoutMs', -1],
    ['timeoutMs', NaN],
    ['timeoutMs', Infinity],
    ['memoryBytes', 5 * MiB],
    ['memoryBytes', NaN],
    ['pids', 0],
    ['tmpBytes', Infinity],
    ['cpus', 0],
  ] as [string, number][])(
    '#27 the engine throws LimitError for %s = %s and creates no container for the run',
    async (field, value) => {
      const created = sec.ctx.client.created.length
      const runId = `sec-limit-${field}-${Date.now()}`
      await expect(engineRun(sec.ctx, 'print(1)', { [field]: value }, { runId })).rejects.toThrow(
        LimitError,
      )
      await expectNoneLeft(() => containersOfRun(runId))
      expect(
        sec.ctx.client.created.slice(created).filter((c) => c.labels[LABEL_ROLE] === 'run'),
      ).toEqual([])
    },
  )
})
