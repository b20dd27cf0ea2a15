// Environments: builds with progress, the data-processing stack producing a real plot, custom
// images, and offline packs (round trip, corrupt and truncated packs refused).
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocker } from '../../src/main/engine/docker-endpoint'
import { imageRef } from '../../src/main/environments/catalogue'
import {
  EnvironmentService,
  type BuildEvent,
} from '../../src/main/environments/environment-service'
import { exportPack, importPack, PackError } from '../../src/main/environments/packs'
import { expectNoContainersLeft, request, startInProcess, tempDir } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server
const docker = createDocker()

beforeAll(async () => {
  srv = await startInProcess()
})

afterAll(async () => {
  await srv.close()
  await expectNoContainersLeft()
})

async function readSse(url: string): Promise<BuildEvent[]> {
  const res = await fetch(url)
  const text = await res.text()
  return text
    .split('\n\n')
    .map((block) => block.split('\n').find((l) => l.startsWith('data: ')))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice(6)) as BuildEvent)
}

describe('environment builds', () => {
  it('builds default and data-processing from their Dockerfiles with monotonic progress', async () => {
    for (const name of ['default', 'data-processing']) {
      const started = await request(`${srv.url}/job-types/${name}/build?wait=false`, {
        method: 'POST',
        json: {},
      })
      expect(started.status).toBe(202)
      const events = await readSse(`${srv.url}/job-types/${name}/build/events`)
      expect(events.length).toBeGreaterThan(2)
      const steps = events.map((e) => e.step)
      for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1])
      const last = events.at(-1)!
      expect(last.state).toBe('ready')
      expect(last.totalSteps).toBeGreaterThan(0)
      expect(last.step).toBe(last.totalSteps)
      const jt = await request<{ status: string; image_exists: boolean }>(
        `${srv.url}/job-types/${name}`,
      )
      expect(jt.body).toMatchObject({ status: 'ready', image_exists: true })
    }
  }, 900_000)

  it('the Tako-compatible synchronous build answers with the built version', async () => {
    const res = await request(`${srv.url}/job-types/default/build`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      status: 'built',
      job_type: 'default',
      image_ref: imageRef('default'),
    })
    expect(res.body.version).toMatch(/^default@sha256:[0-9a-f]{12}$/)
  }, 300_000)

  it('a failing recipe reports the failing step and the tail of its log', async () => {
    const root = tempDir('tako-recipes-')
    fs.mkdirSync(path.join(root, 'default'))
    fs.writeFileSync(
      path.join(root, 'default', 'Dockerfile'),
      'FROM debian:bookworm-slim\nRUN echo preparing\nRUN echo about-to-fail && false\n',
    )
    const envs = new EnvironmentService(docker, root)
    const final = await envs.build('default')
    expect(final.state).toBe('failed')
    expect(final.error).toMatch(/failed at step 3\/\d+/)
    expect(final.error).toContain('about-to-fail')
  }, 120_000)

  it('a build can be cancelled', async () => {
    const root = tempDir('tako-recipes-')
    fs.mkdirSync(path.join(root, 'default'))
    fs.writeFileSync(
      path.join(root, 'default', 'Dockerfile'),
      `FROM debian:bookworm-slim\nRUN echo ${Date.now()} && sleep 60\n`,
    )
    const envs = new EnvironmentService(docker, root)
    const seen: BuildEvent[] = []
    envs.subscribe((e) => seen.push(e))
    const done = envs.build('default')
    expect(await envs.state('default')).toBe('building')
    await expect.poll(() => seen.some((e) => e.step === 2), { timeout: 30_000 }).toBe(true)
    const t = performance.now()
    expect(envs.cancelBuild('default')).toBe(true)
    const final = await done
    expect(final.state).toBe('cancelled')
    expect(performance.now() - t).toBeLessThan(10_000)
  }, 120_000)
})

describe('data-processing', () => {
  it('numpy + pandas + matplotlib write a CSV and a PNG of the expected size', async () => {
    const code = [
      'import numpy as np, pandas as pd',
      'import matplotlib.pyplot as plt',
      'df = pd.DataFrame({"x": np.arange(10), "y": np.arange(10) ** 2})',
      'df.describe().to_csv("/output/summary.csv")',
      'fig, ax = plt.subplots(figsize=(4, 3), dpi=100)',
      'ax.plot(df["x"], df["y"])',
      'fig.savefig("/output/plot.png")',
      'print(int(df["y"].sum()))',
    ].join('\n')
    const res = await request<{
      status: string
      stdout: string
      stderr: string
      execution_id: string
      artifacts: { name: string; content_type: string; size_bytes: number }[]
    }>(`${srv.url}/execute`, { method: 'POST', json: { code, job_type: 'data-processing' } })
    expect(res.body.stderr).toBe('')
    expect(res.body.status).toBe('succeeded')
    expect(res.body.stdout).toBe('285\n')
    expect(res.body.artifacts.map((a) => a.name)).toEqual(['plot.png', 'summary.csv'])
    const png = Buffer.from(
      await (
        await fetch(`${srv.url}/jobs/${res.body.execution_id}/artifacts/plot.png`)
      ).arrayBuffer(),
    )
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    )
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR')
    expect(png.readUInt32BE(16)).toBe(400)
    expect(png.readUInt32BE(20)).toBe(300)
    const csv = await (
      await fetch(`${srv.url}/jobs/${res.body.execution_id}/artifacts/summary.csv`)
    ).text()
    expect(csv.split('\n')[0]).toBe(',x,y')
    expect(csv).toContain('count,10.0,10.0')
  }, 120_000)
})

describe('environment selection', () => {
  it('an unknown job_type is a 422 listing the known ones', async () => {
    const res = await request<{ detail: { loc: string[]; msg: string }[] }>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(1)', job_type: 'nope' },
    })
    expect(res.status).toBe(422)
    expect(res.body.detail[0].loc).toEqual(['body', 'job_type'])
    expect(res.body.detail[0].msg).toContain('default, data-processing, ml-inference')
  })

  it('a custom image runs when it has python3 and is refused clearly when it has not', async () => {
    const ok = await request<{ status: string; stdout: string; job_type: string }>(
      `${srv.url}/execute`,
      {
        method: 'POST',
        json: { code: 'print("custom")', image: imageRef('default') },
      },
    )
    expect(ok.body).toMatchObject({ status: 'succeeded', stdout: 'custom\n', job_type: 'custom' })
    const noPython = await request<{ detail: { loc: string[]; msg: string }[] }>(
      `${srv.url}/execute`,
      {
        method: 'POST',
        json: { code: 'print(1)', image: 'debian:bookworm-slim' },
      },
    )
    expect(noPython.status).toBe(422)
    expect(noPython.body.detail[0].loc).toEqual(['body', 'image'])
    expect(noPython.body.detail[0].msg).toMatch(/no (working )?python3/)
    const absent = await request<{ detail: { msg: string }[] }>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(1)', image: 'tako-vm/absent:never' },
    })
    expect(absent.status).toBe(422)
    expect(absent.body.detail[0].msg).toContain('not present locally')
  }, 60_000)
})

describe('offline packs', () => {
  it('export → remove the image → import restores a working environment', async () => {
    // A throwaway environment image of its own, so the shared `default` image is never removed.
    const root = tempDir('tako-recipes-')
    fs.mkdirSync(path.join(root, 'default'))
    fs.writeFileSync(
      path.join(root, 'default', 'Dockerfile'),
      `FROM ${imageRef('default')}\nRUN echo from-the-pack > /etc/pack-marker\n`,
    )
    const envs = new EnvironmentService(docker, root)
    expect((await envs.build('default')).state).toBe('ready')
    const ref = envs.imageFor('default')
    expect(ref).not.toBe(imageRef('default'))
    const file = path.join(tempDir(), 'default.takopack')
    const manifest = await exportPack(docker, ref, file)
    expect(manifest).toMatchObject({ name: 'default', image: ref, format: 1 })
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(fs.statSync(file).size).toBeGreaterThan(manifest.sizeBytes)

    // Corrupt one byte in the middle, and truncate: both refused, nothing loaded.
    const corrupt = `${file}.corrupt`
    fs.copyFileSync(file, corrupt)
    const fd = fs.openSync(corrupt, 'r+')
    const byte = Buffer.alloc(1)
    fs.readSync(fd, byte, 0, 1, Math.floor(manifest.sizeBytes / 2))
    byte[0] = byte[0] ^ 0xff
    fs.writeSync(fd, byte, 0, 1, Math.floor(manifest.sizeBytes / 2))
    fs.closeSync(fd)
    const truncated = `${file}.truncated`
    fs.copyFileSync(file, truncated)
    fs.truncateSync(truncated, Math.floor(manifest.sizeBytes / 3))

    await docker.getImage(ref).remove({ force: true })
    await expect(importPack(docker, corrupt)).rejects.toThrow(/corrupt: sha256/)
    await expect(importPack(docker, truncated)).rejects.toBeInstanceOf(PackError)
    // Refused packs changed nothing: the image is still absent.
    await expect(docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 })

    await importPack(docker, file)
    const res = await request<{ status: string; stdout: string }>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(open("/etc/pack-marker").read().strip())', image: ref },
    })
    expect(res.body).toMatchObject({ status: 'succeeded', stdout: 'from-the-pack\n' })
    await docker.getImage(ref).remove({ force: true })
  }, 300_000)
})
