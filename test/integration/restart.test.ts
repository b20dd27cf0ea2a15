// A server killed with SIGKILL mid-run: its containers are removed at once by its owner sentinel
// (or, with the sentinel off, by the next start's reaper); the next start on the same data folder
// shows the run as failed/interrupted with what it had written and printed so far. One server per
// data folder: a second one is refused while the first lives, and takes over after it died.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Docker from 'dockerode'
import { afterAll, describe, expect, it } from 'vitest'
import { LABEL_APP, LABEL_OWNER, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { openEvents, waitForOutput } from './api'
import { sseText } from './http'
import {
  expectNoContainersLeft,
  request,
  ROOT,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from './helpers'

const servers: ServeProcess[] = []
const client = new DockerContainerClient()
const docker = new Docker()

afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL')
  await expectNoContainersLeft()
})

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The process group of a live pid (from /proc), or null. */
function processGroup(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
  } catch {
    return null
  }
}

/**
 * Containers owned by a process of this serve process's group (npm, the loader, the server), read
 * from their owner label: other servers sharing the daemon are not counted.
 */
async function containersOf(server: ServeProcess): Promise<{ id: string; session: string }[]> {
  const list = await client.listByLabel(LABEL_APP)
  return list
    .filter((c) => processGroup(Number(c.labels[LABEL_OWNER]?.split(':')[1])) === server.child.pid)
    .map((c) => ({ id: c.id, session: c.labels[LABEL_SESSION] ?? '' }))
}

/** The one container among `ids` whose /output bind mount holds `name`. */
async function containerWithOutputFile(ids: string[], name: string): Promise<string> {
  const found: string[] = []
  for (const id of ids) {
    const info = await docker.getContainer(id).inspect()
    const output = info.Mounts.find((m) => m.Destination === '/output')
    if (output && fs.existsSync(path.join(output.Source, name))) found.push(id)
  }
  expect(found).toHaveLength(1)
  return found[0]
}

async function submitRunning(url: string, code: string): Promise<string> {
  const submitted = await request<{ job_id: string }>(`${url}/execute/async`, {
    method: 'POST',
    json: { code, timeout: 200 },
  })
  expect(submitted.status).toBe(200)
  const id = submitted.body.job_id
  await waitFor(async () => {
    const st = await request<{ status: string }>(`${url}/jobs/${id}`)
    return st.body.status === 'running' ? true : undefined
  }, 30_000)
  return id
}

/** Starts `npm run serve` on a data folder expecting it to stop by itself: its exit code and output. */
async function serveUntilExit(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['run', 'serve', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, TAKO_PORT: '0', TAKO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, output }
}

describe('kill -9 and restart', () => {
  it('with the sentinel off: the containers outlive the server, the next start reaps them and reconciles the run with its partial files', async () => {
    const dataDir = tempDir()
    const first = await startServeProcess(dataDir, { TAKO_OWNER_SENTINEL: '0' })
    servers.push(first)
    const code = [
      'open("/output/partial.txt", "w").write("written before the crash")',
      'print("started", flush=True)',
      'import time',
      'time.sleep(120)',
    ].join('\n')
    const id = await submitRunning(first.url, code)
    // The first server's containers: the run's (cold, or a warm one the run was handed) and any
    // warm containers it keeps.
    const containers = await waitFor(async () => {
      const list = await containersOf(first)
      return list.length > 0 ? list : undefined
    }, 10_000)
    expect(containers.length).toBeGreaterThanOrEqual(1)
    // The script wrote its file once it printed "started" (a fixed sleep may come too early under
    // load); then kill the whole server process group without warning.
    await waitForOutput(first.url, id, 'started\n')
    const orphans = (await containersOf(first)).map((c) => c.id)
    // The run's container is the one whose /output holds the file the script wrote. Idle warm
    // containers end themselves when their server dies (end of file where their go line would come),
    // sooner or later after the kill, so only the run's container is sure to outlive it.
    const runContainer = await containerWithOutputFile(orphans, 'partial.txt')
    await first.kill('SIGKILL')

    // The run's container outlives it …
    const alive = new Set((await client.listByLabel(LABEL_APP)).map((c) => c.id))
    expect(alive.has(runContainer)).toBe(true)

    const second = await startServeProcess(dataDir)
    servers.push(second)
    // … and the next start removes them and reconciles the record.
    const after = new Set((await client.listByLabel(LABEL_APP)).map((c) => c.id))
    expect(orphans.filter((c) => after.has(c))).toEqual([])
    const status = await request<{ status: string; error: { type: string } }>(
      `${second.url}/jobs/${id}`,
    )
    expect(status.status).toBe(200)
    expect(status.body.status).toBe('failed')
    expect(status.body.error.type).toBe('interrupted')
    const result = await request<{
      status: string
      stdout: string
      error: { type: string; message: string }
      artifacts: { name: string; size_bytes: number }[]
    }>(`${second.url}/jobs/${id}/result?view=full`)
    expect(result.body.error).toMatchObject({ type: 'interrupted' })
    expect(result.body.error.message).toMatch(/interrupted/)
    expect(result.body.stdout).toBe('started\n')
    expect(result.body.artifacts).toEqual([
      expect.objectContaining({
        name: 'partial.txt',
        size_bytes: 'written before the crash'.length,
      }),
    ])
    const file = await fetch(`${second.url}/jobs/${id}/artifacts/partial.txt`)
    expect(await file.text()).toBe('written before the crash')
    // The restarted server runs new work normally.
    const again = await request<{ status: string; stdout: string }>(`${second.url}/execute`, {
      method: 'POST',
      json: { code: 'print("after restart")' },
    })
    expect(again.body.status).toBe('succeeded')
    expect(again.body.stdout).toBe('after restart\n')
    await second.kill('SIGTERM')
  }, 120_000)

  it('keeps what the run printed before the kill: the next start shows it in the interrupted run', async () => {
    const dataDir = tempDir()
    const first = await startServeProcess(dataDir)
    servers.push(first)
    const code = [
      'import sys, time',
      'for i in range(100):',
      '    print(f"line {i}", flush=True)',
      '    print(f"err {i}", file=sys.stderr, flush=True)',
      '    time.sleep(0.1)',
    ].join('\n')
    const id = await submitRunning(first.url, code)
    // Until the lines checked below were printed (a fixed sleep may come too early under load).
    const events = await openEvents(first.url, id)
    await events.until(
      (_e, so) =>
        sseText(so, 'stdout').includes('line 2\n') && sseText(so, 'stderr').includes('err 2\n'),
    )
    await events.close()
    await first.kill('SIGKILL')

    const second = await startServeProcess(dataDir)
    servers.push(second)
    const result = await request<{
      status: string
      stdout: string
      stderr: string
      error: { type: string }
    }>(`${second.url}/jobs/${id}/result`)
    expect(result.body).toMatchObject({ status: 'failed', error: { type: 'interrupted' } })
    const lines = result.body.stdout.split('\n').filter(Boolean)
    // Printed until the server was killed (ten lines a second): at least the first few, in order, whole.
    expect(lines.length).toBeGreaterThanOrEqual(3)
    expect(lines).toEqual(lines.map((_, i) => `line ${i}`))
    expect(result.body.stderr.split('\n').filter(Boolean).slice(0, 3)).toEqual([
      'err 0',
      'err 1',
      'err 2',
    ])
    await second.kill('SIGTERM')
  }, 120_000)

  it("removes the killed server's containers within seconds, without another server starting", async () => {
    const dataDir = tempDir()
    const first = await startServeProcess(dataDir)
    servers.push(first)
    await submitRunning(first.url, 'while True: pass')
    const mine = await waitFor(async () => {
      const list = await containersOf(first)
      return list.length > 0 ? list : undefined
    }, 10_000)
    const sessions = new Set(mine.map((c) => c.session))
    expect(sessions.size).toBe(1)
    await first.kill('SIGKILL')
    const [session] = [...sessions]
    const left = async (): Promise<string[]> =>
      (await client.listByLabel(`${LABEL_SESSION}=${session}`)).map((c) => c.id)
    // The sentinel sweeps at once; the deadline is generous for a busy daemon (force-removing a
    // running container on a loaded machine takes seconds), yet short of the time until some other
    // app process's start-up reaper would remove them.
    await waitFor(async () => ((await left()).length === 0 ? true : undefined), 30_000).catch(
      () => undefined,
    )
    expect(await left()).toEqual([])
  }, 120_000)
})

describe('one server per data folder', () => {
  it('refuses a second server on the same folder, naming the first; takes over after the first was killed', async () => {
    const dataDir = tempDir()
    const first = await startServeProcess(dataDir)
    servers.push(first)
    const id = await submitRunning(first.url, 'import time\ntime.sleep(4)\nprint("done")')

    const refused = await serveUntilExit(dataDir)
    expect(refused.code).not.toBe(0)
    expect(refused.output).toContain(`The data folder ${dataDir} is in use by another`)
    expect(refused.output).toMatch(/pid \d+ on /)

    // The first is unaffected: its live run finishes normally.
    const done = await request<{ status: string; stdout: string }>(
      `${first.url}/jobs/${id}/result?wait=true&timeout=60`,
    )
    expect(done.body).toMatchObject({ status: 'succeeded', stdout: 'done\n' })

    await first.kill('SIGKILL')
    const next = await startServeProcess(dataDir)
    servers.push(next)
    const again = await request<{ status: string; stdout: string }>(`${next.url}/execute`, {
      method: 'POST',
      json: { code: 'print("mine now")' },
    })
    expect(again.body).toMatchObject({ status: 'succeeded', stdout: 'mine now\n' })
    await next.kill('SIGTERM')
    // A clean stop releases the lock (npm may exit before the server has finished stopping).
    await waitFor(
      async () => (fs.readdirSync(dataDir).includes('tako.lock') ? undefined : true),
      30_000,
    )
    expect(fs.readdirSync(dataDir)).not.toContain('tako.lock')
  }, 180_000)
})
