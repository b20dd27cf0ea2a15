// docs/security.md, group G (#39–#41): concurrency. Runs queue behind the worker cap, each in its own
// container and folder with no cross-talk; a cancel that lands between create and start leaves no
// container and never lets the script run.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LABEL_RUN } from '../../src/main/engine/container-spec'
import { expectNoneLeft, request } from '../integration/helpers'
import {
  artifactPath,
  containersOfRun,
  type Ctx,
  expectAftermath,
  py,
  result,
  securitySuite,
  sha256,
  sleep,
  warmContainerOf,
  warmReady,
} from './harness'

const sec = securitySuite()

async function submit(c: Ctx, body: Record<string, unknown>): Promise<string> {
  const res = await request<{ job_id: string; status: string }>(`${c.srv.url}/execute/async`, {
    method: 'POST',
    json: body,
  })
  expect(res.status).toBe(200)
  expect(res.body.status).toBe('queued')
  return res.body.job_id
}

/** The container a finished run used: the warm one it was dispatched to, or the cold one made for it. */
function containerUsed(c: Ctx, runId: string): string | null {
  return (
    warmContainerOf(c, runId) ??
    c.client.created.find((x) => x.labels[LABEL_RUN] === runId)?.id ??
    null
  )
}

describe('G. concurrency', () => {
  it('#39 8 runs at once on 2 workers queue, use 8 containers and 8 folders, and see only their own files', async () => {
    expect(sec.ctx.srv.core.jobs.workers).toBe(2)
    await warmReady(sec.ctx)
    const code = py(
      'import json, os, time',
      'n = json.load(open("/input/data.json"))["n"]',
      'start = {"output": os.listdir("/output"), "tmp": os.listdir("/tmp")}',
      'open(f"/output/mine-{n}.txt", "w").write(str(n))',
      'open(f"/tmp/mine-{n}", "w").write(str(n))',
      'time.sleep(1)',
      'json.dump({"n": n, "start": start, "output": sorted(os.listdir("/output")),',
      '           "tmp": sorted(os.listdir("/tmp"))}, open("/output/result.json", "w"))',
    )
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        submit(sec.ctx, { code, input_data: { n }, timeout: 60 }),
      ),
    )
    const queued = await Promise.all(
      ids.map(async (id) => (await request(`${sec.ctx.srv.url}/jobs/${id}`)).body),
    )
    expect(
      queued.filter((q) => q.status === 'pending' && Number(q.queue_position) >= 1).length,
    ).toBeGreaterThanOrEqual(4)
    let maxRunning = 0
    const watch = setInterval(() => {
      maxRunning = Math.max(maxRunning, sec.ctx.srv.core.jobs.stats().running)
    }, 20)
    const results = await Promise.all(ids.map((id) => result(sec.ctx, id)))
    clearInterval(watch)
    expect(maxRunning).toBeLessThanOrEqual(2)
    results.forEach((r, n) => {
      expect(r.status, JSON.stringify(r.error)).toBe('succeeded')
      expect(r.output).toEqual({
        n,
        start: { output: [], tmp: [] },
        output: [`mine-${n}.txt`],
        tmp: [`mine-${n}`],
      })
    })
    expect(new Set(ids).size).toBe(8)
    const containers = ids.map((id) => containerUsed(sec.ctx, id))
    expect(containers.every((c) => c !== null)).toBe(true)
    expect(new Set(containers).size).toBe(8)
    const names = sec.ctx.client.created.map((c) => c.name)
    expect(new Set(names).size).toBe(names.length)
    const dirs = ids.map((id) => sec.ctx.srv.core.store.artifactsDir(id))
    expect(new Set(dirs).size).toBe(8)
    dirs.forEach((d, n) =>
      expect(fs.readdirSync(d).sort()).toEqual([`mine-${n}.txt`, 'result.json']),
    )
  })

  it('#40 the same script twice at once, writing the same artifact names, gets two separate stores', async () => {
    const code = py(
      'import json, os, time',
      'who = json.load(open("/input/data.json"))["who"]',
      'seen = os.path.exists("/output/report.txt")',
      'os.makedirs("/output/plots", exist_ok=True)',
      'open("/output/report.txt", "w").write(f"report of {who}")',
      'open("/output/plots/p.svg", "w").write(f"<svg><text>{who}</text></svg>")',
      'time.sleep(1)',
      'json.dump({"who": who, "seen": seen, "mine": open("/output/report.txt").read()},',
      '          open("/output/result.json", "w"))',
    )
    await warmReady(sec.ctx)
    const [a, b] = await Promise.all([
      submit(sec.ctx, { code, input_data: { who: 'alice' } }),
      submit(sec.ctx, { code, input_data: { who: 'bob' } }),
    ])
    const [ra, rb] = await Promise.all([result(sec.ctx, a), result(sec.ctx, b)])
    expect(ra.output).toEqual({ who: 'alice', seen: false, mine: 'report of alice' })
    expect(rb.output).toEqual({ who: 'bob', seen: false, mine: 'report of bob' })
    for (const [id, who] of [
      [a, 'alice'],
      [b, 'bob'],
    ] as const) {
      const rec = sec.ctx.srv.core.store.get(id)!
      expect(rec.artifacts.map((x) => x.name)).toEqual(['plots/p.svg', 'report.txt', 'result.json'])
      expect(rec.artifacts.find((x) => x.name === 'report.txt')?.sha256).toBe(
        sha256(`report of ${who}`),
      )
      const res = await fetch(`${sec.ctx.srv.url}${artifactPath(id, 'report.txt')}`)
      expect(await res.text()).toBe(`report of ${who}`)
    }
    expect(sec.ctx.srv.core.store.artifactsDir(a)).not.toBe(sec.ctx.srv.core.store.artifactsDir(b))
    expect(containerUsed(sec.ctx, a)).not.toBe(containerUsed(sec.ctx, b))
  })

  it('#41 cancel at any moment around dispatch: cancelled, the script never gets to write, no container left', async () => {
    const code = py(
      'import time',
      'time.sleep(0.8)',
      'print("ran", flush=True)',
      'open("/output/ran.txt", "w").write("ran")',
    )
    for (const delay of [0, 5, 20, 50, 100, 200]) {
      await warmReady(sec.ctx)
      const id = await submit(sec.ctx, { code, timeout: 30 })
      await sleep(delay)
      const res = await request(`${sec.ctx.srv.url}/jobs/${id}/cancel`, { method: 'POST' })
      expect(res.status).toBe(200)
      const r = await result(sec.ctx, id)
      expect(r.status, `delay ${delay}`).toBe('cancelled')
      // Nothing printed and no file: the script was stopped before its 0.8 s of sleep were over
      // (or never started), at every delay; no wall-clock bound needed.
      expect(r.stdout).toBe('')
      expect(sec.ctx.srv.core.store.get(id)?.artifacts).toEqual([])
      await expectAftermath(sec.ctx)
      await expectNoneLeft(() => containersOfRun(id))
    }
  })

  it('#41 a queued job cancelled before a worker takes it never creates a container', async () => {
    await warmReady(sec.ctx)
    const blockers = await Promise.all([
      submit(sec.ctx, { code: py('import time', 'time.sleep(2)'), timeout: 30 }),
      submit(sec.ctx, { code: py('import time', 'time.sleep(2)'), timeout: 30 }),
    ])
    const queued = await submit(sec.ctx, { code: 'open("/output/ran.txt", "w").write("ran")' })
    expect((await request(`${sec.ctx.srv.url}/jobs/${queued}`)).body).toMatchObject({
      status: 'pending',
      queue_position: 1,
    })
    const res = await request(`${sec.ctx.srv.url}/jobs/${queued}/cancel`, { method: 'POST' })
    expect(res.status).toBe(200)
    const r = await result(sec.ctx, queued)
    expect(r.status).toBe('cancelled')
    for (const b of blockers) expect((await result(sec.ctx, b)).status).toBe('succeeded')
    expect(containerUsed(sec.ctx, queued)).toBeNull()
    await expectNoneLeft(() => containersOfRun(queued))
    expect(fs.readdirSync(sec.ctx.srv.core.store.artifactsDir(queued))).toEqual([])
  })

  describe('cold path (TAKO_POOL=0): a cancel between createContainer and start', () => {
    // A second server with the pool off, with its own canary and its own aftermath after each case
    // (the file's server is checked too).
    const coldSuite = securitySuite({ pool: false })

    it.each(['afterCreate', 'beforeStart'] as const)(
      '#41 cancel landing at %s: cancelled at once, the script never runs, no container in any state',
      async (hook) => {
        const cold = coldSuite.ctx
        cold.client.hooks[hook] = async (containerId: string) => {
          const runId = cold.client.created.find((c) => c.id === containerId)?.labels[LABEL_RUN]
          const res = await request(`${cold.srv.url}/jobs/${runId}/cancel`, { method: 'POST' })
          expect(res.status).toBe(200)
          // Give the engine's abort handler its turn before the next Docker call goes out.
          await sleep(50)
        }
        try {
          const id = await submit(cold, {
            code: py(
              'import time',
              'time.sleep(0.5)',
              'print("ran", flush=True)',
              'open("/output/ran.txt", "w").write("ran")',
            ),
            timeout: 30,
          })
          const r = await result(cold, id)
          const container = cold.client.created.find((c) => c.labels[LABEL_RUN] === id)!.id
          expect(r.status).toBe('cancelled')
          expect(r.error).toMatchObject({ type: 'cancelled' })
          expect(r.stdout).toBe('')
          expect(cold.srv.core.store.get(id)?.artifacts).toEqual([])
          // Before the fix a cancel during start() was a no-op kill (409) and the script ran on:
          // it would have printed "ran" after 0.5 s and written ran.txt (both checked empty above).
          if (hook === 'afterCreate') expect(cold.client.calls).not.toContain(`start:${container}`)
          expect(cold.client.calls).toContain(`remove:${container}`)
          await expectNoneLeft(() => containersOfRun(id))
        } finally {
          delete cold.client.hooks[hook]
        }
      },
    )
  })
})
