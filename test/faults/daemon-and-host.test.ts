// Faults from outside the sandbox: the Docker daemon stopped and started again mid-run, the reaper
// facing foreign containers, and the host disk full while a run is being saved. These tests stop
// dockerd, so they run alone, after every other suite.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { LABEL_APP, LABEL_OWNER, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { createDocker } from '../../src/main/engine/docker-endpoint'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { reapOrphans } from '../../src/main/engine/reaper'
import { waitForOutput } from '../integration/api'
import { expectNoContainersLeft, request, startInProcess, tempDir } from '../integration/helpers'

const docker = createDocker()
const client = new DockerContainerClient()

async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

function dockerdPid(): number | null {
  try {
    return Number(execFileSync('pidof', ['dockerd']).toString().trim().split(' ')[0])
  } catch {
    return null
  }
}

async function startDockerd(): Promise<void> {
  if (dockerdPid() === null) {
    const log = fs.openSync('/var/log/dockerd.log', 'a')
    spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref()
  }
  await until(async () => ((await client.ping()) ? true : undefined), 60_000, 'dockerd to answer')
}

// Whatever happened in a test, the daemon runs again before the next one.
afterEach(async () => {
  await startDockerd()
}, 90_000)

afterAll(async () => {
  await startDockerd()
}, 90_000)

describe('the circuit breaker in /health (Tako VM: 5 failures, 30 s, 2 successes)', () => {
  it('opens when Docker stops answering and closes again once it is back', async () => {
    await using srv = await startInProcess({ pool: { enabled: false } })
    type Breaker = { state: string; failure_count: number; success_count: number }
    type Health = { status: string; docker_available: boolean; circuit_breaker: Breaker }
    const health = async (): Promise<Health> => (await request<Health>(`${srv.url}/health`)).body
    expect((await health()).circuit_breaker.state).toBe('closed')

    process.kill(dockerdPid()!, 'SIGTERM')
    await until(async () => (dockerdPid() === null ? true : undefined), 30_000, 'dockerd to exit')
    for (let i = 0; i < 5; i++) {
      const r = await request<{ error_type: string }>(`${srv.url}/execute`, {
        method: 'POST',
        json: { code: 'print(1)' },
      })
      expect(r.body.error_type).toBe('service_unavailable')
    }
    const open = await health()
    expect(open).toMatchObject({ status: 'degraded', docker_available: false })
    expect(open.circuit_breaker.state).toBe('open')
    expect(open.circuit_breaker.failure_count).toBeGreaterThanOrEqual(5)

    await startDockerd()
    // Docker answers again, but the breaker waits out its recovery time before it trusts it.
    // (its socket may accept a moment before the API answers: ask until it does)
    const back = await until(
      async () => {
        const h = await health()
        return h.docker_available ? h : undefined
      },
      30_000,
      '/health to see Docker again',
    )
    expect(back.docker_available).toBe(true)
    // (half_open only if dockerd took more than 30 s to come back)
    expect(['open', 'half_open']).toContain(back.circuit_breaker.state)
    expect(back.status).toBe(back.circuit_breaker.state === 'open' ? 'degraded' : 'healthy')
    // `back` may be half_open already (dockerd took over 30 s to answer on a loaded machine), and
    // the next answer may then close it: what `back` saw counts as seen.
    const seen = new Set<string>([back.circuit_breaker.state])
    const closed = await until(
      async () => {
        const h = await health()
        seen.add(h.circuit_breaker.state)
        return h.circuit_breaker.state === 'closed' ? h : undefined
      },
      90_000,
      'the breaker to close',
    )
    expect(seen.has('half_open')).toBe(true)
    expect(closed.status).toBe('healthy')
    expect(closed.circuit_breaker).toMatchObject({ failure_count: 0, success_count: 2 })
    const run = await request<{ stdout: string }>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(6*7)' },
    })
    expect(run.body.stdout).toBe('42\n')
  }, 180_000)
})

describe('Docker daemon stopped mid-run', () => {
  it('ends the run as service_unavailable within seconds, recovers without a restart, leaves nothing', async () => {
    await using srv = await startInProcess({ pool: { enabled: false } })
    const submitted = await request<{ job_id: string }>(`${srv.url}/execute/async`, {
      method: 'POST',
      json: { code: 'import time\nprint("before", flush=True)\ntime.sleep(60)', timeout: 120 },
    })
    const id = submitted.body.job_id
    await until(
      async () =>
        (await request<{ status: string }>(`${srv.url}/jobs/${id}`)).body.status === 'running'
          ? true
          : undefined,
      30_000,
      'the run to start',
    )
    // "before" is checked below: wait until it was printed (a fixed sleep may come too early under load).
    await waitForOutput(srv.url, id, 'before\n')
    const pid = dockerdPid()
    expect(pid).not.toBeNull()
    const stoppedAt = Date.now()
    process.kill(pid!, 'SIGTERM') // what `systemctl stop docker` does
    const result = await request<{
      status: string
      error: { type: string; message: string }
      stdout: string
    }>(`${srv.url}/jobs/${id}/result?wait=true&timeout=60`)
    const seconds = (Date.now() - stoppedAt) / 1000
    expect(result.body.status).toBe('failed')
    expect(['service_unavailable', 'interrupted']).toContain(result.body.error.type)
    expect(result.body.error.message).toMatch(/Docker/)
    expect(result.body.stdout).toContain('before')
    // Here the bound is the point (a run must not hang on a dead daemon). dockerd itself may take
    // its shutdown timeout (15 s) to stop the containers; generous for a loaded machine, and below
    // the wait's 60 s.
    expect(seconds).toBeLessThan(45)

    // While it is down: a clear answer, never a hang.
    await until(async () => (dockerdPid() === null ? true : undefined), 30_000, 'dockerd to exit')
    const health = await request<{ docker_available: boolean; status: string }>(`${srv.url}/health`)
    expect(health.body).toMatchObject({ docker_available: false, status: 'degraded' })
    const t = Date.now()
    const down = await request<{ status: string; error_type: string; error: string }>(
      `${srv.url}/execute`,
      {
        method: 'POST',
        json: { code: 'print(1)' },
      },
    )
    expect(Date.now() - t).toBeLessThan(10_000)
    expect(down.body).toMatchObject({ status: 'failed', error_type: 'service_unavailable' })
    expect(down.body.error).toMatch(/Docker is not reachable/)

    // Back up: the same process runs again, and the stopped container is removed by the retries.
    await startDockerd()
    const again = await until(
      async () => {
        const r = await request<{ status: string; stdout: string }>(`${srv.url}/execute`, {
          method: 'POST',
          json: { code: 'print("after restart")' },
        })
        return r.body.status === 'succeeded' ? r.body : undefined
      },
      30_000,
      'a run to succeed after the restart',
    )
    expect(again.stdout).toBe('after restart\n')
    await until(
      async () => ((await srv.core.engine.retryRemovals()) === 0 ? true : undefined),
      30_000,
      'leftover containers to be removed',
    )
    await srv.close()
    await expectNoContainersLeft()
  }, 180_000)

  it('a warm pool recovers too: containers stopped by the restart are never handed a run', async () => {
    await using srv = await startInProcess({ pool: { enabled: true, size: 2 } })
    await until(
      async () => ((srv.core.engine.pool?.stats().ready ?? 0) >= 1 ? true : undefined),
      60_000,
      'a warm container',
    )
    process.kill(dockerdPid()!, 'SIGTERM')
    await until(async () => (dockerdPid() === null ? true : undefined), 30_000, 'dockerd to exit')
    await startDockerd()
    const r = await until(
      async () => {
        const res = await request<{ status: string; stdout: string }>(`${srv.url}/execute`, {
          method: 'POST',
          json: { code: 'print("warm again")' },
        })
        return res.body.status === 'succeeded' ? res.body : undefined
      },
      60_000,
      'a run to succeed',
    )
    expect(r.stdout).toBe('warm again\n')
    await srv.close()
    await expectNoContainersLeft()
  }, 180_000)
})

describe('the reaper', () => {
  it('removes only our containers of dead owners: never foreign ones, never a live app process', async () => {
    const image = 'debian:bookworm-slim'
    const mk = async (labels: Record<string, string>): Promise<string> => {
      const c = await docker.createContainer({
        Image: image,
        Cmd: ['sleep', '300'],
        Labels: labels,
      })
      return c.id
    }
    const foreign = await mk({ 'com.example.other-app': '1' })
    const lookalike = await mk({ 'app.tako-vm-desktop-other': '1' })
    const orphan = await mk({
      [LABEL_APP]: '1',
      [LABEL_SESSION]: 'old',
      [LABEL_OWNER]: 'nohost:999999:1',
    })
    const liveOther = await mk({
      [LABEL_APP]: '1',
      [LABEL_SESSION]: 'other-live-app',
      [LABEL_OWNER]: `${(await import('node:os')).hostname()}:${process.pid}:-`,
    })
    try {
      const removed = await reapOrphans(
        client,
        'current-session',
        (owner) => owner !== 'nohost:999999:1',
      )
      expect(removed).toEqual([orphan])
      for (const id of [foreign, lookalike, liveOther]) {
        expect((await docker.getContainer(id).inspect()).Id).toBe(id)
      }
      await expect(docker.getContainer(orphan).inspect()).rejects.toMatchObject({ statusCode: 404 })
    } finally {
      for (const id of [foreign, lookalike, liveOther, orphan]) {
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined)
      }
    }
  }, 60_000)
})

describe('host disk full', () => {
  it('reports a run that cannot be saved, and keeps answering', async () => {
    const dir = tempDir('tako-tinyfs-')
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir])
    try {
      // No free-space floor here: this is about the save itself failing with ENOSPC.
      await using srv = await startInProcess({
        dataDir: path.join(dir),
        pool: { enabled: false },
        minFreeBytes: 0,
      })
      const r = await request<{ status: string; error_type: string; error: string }>(
        `${srv.url}/execute`,
        {
          method: 'POST',
          json: {
            code: [
              "open('/output/fill.bin', 'wb').write(b'x' * (2200 * 1024))",
              "print('y' * 1023)",
              'for _ in range(1500): print("z" * 1023)',
            ].join('\n'),
          },
        },
      )
      expect(r.status).toBe(200)
      expect(r.body.status).toBe('failed')
      expect(r.body.error_type).toBe('internal_error')
      expect(r.body.error).toMatch(/disk .* is full \(ENOSPC\)/)
      expect((await request(`${srv.url}/health`)).status).toBe(200)
      await srv.close()
    } finally {
      execFileSync('umount', ['-l', dir])
    }
    await expectNoContainersLeft()
  }, 60_000)
})

describe('a script filling the host disk through /output', () => {
  it('is stopped at the free-space floor, and no run starts below it until space is freed', async () => {
    const dir = tempDir('tako-floorfs-')
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1g', 'tmpfs', dir])
    try {
      await using srv = await startInProcess({
        dataDir: dir,
        minFreeBytes: 600 * 1024 * 1024,
        pool: { enabled: false },
      })
      const fill = await request<{
        status: string
        error_type: string
        error: string
        execution_id: string
      }>(`${srv.url}/execute`, {
        method: 'POST',
        json: {
          code: [
            'i = 0',
            'while True:',
            "    with open(f'/output/chunk{i}.bin', 'wb') as f:",
            "        f.write(b'x' * (8 << 20))",
            '    i += 1',
          ].join('\n'),
          timeout: 60,
          // tmpfs pages are charged to the writer's memory cgroup: room for 1 GiB of them.
          memory_mb: 2048,
        },
      })
      expect(fill.body.status).toBe('failed')
      expect(fill.body.error_type).toBe('output_limit')
      expect(fill.body.error).toMatch(/less than 600 MiB free/)
      const free = fs.statfsSync(dir)
      // The disk never filled. (A check every 50 ms lets some through: tmpfs takes GiB/s.)
      expect(free.bavail * free.bsize).toBeGreaterThan(16 * 1024 * 1024)

      const refused = await request<{ status: string; error_type: string; error: string }>(
        `${srv.url}/execute`,
        {
          method: 'POST',
          json: { code: 'print(1)' },
        },
      )
      expect(refused.body).toMatchObject({ status: 'failed', error_type: 'output_limit' })
      expect(refused.body.error).toMatch(/Not enough free disk space/)

      expect(
        (await request(`${srv.url}/executions/${fill.body.execution_id}`, { method: 'DELETE' }))
          .status,
      ).toBe(200)
      const after = await request<{ status: string; stdout: string }>(`${srv.url}/execute`, {
        method: 'POST',
        json: { code: 'print("room again")' },
      })
      expect(after.body).toMatchObject({ status: 'succeeded', stdout: 'room again\n' })
      await srv.close()
    } finally {
      execFileSync('umount', ['-l', dir])
    }
    await expectNoContainersLeft()
  }, 120_000)
})
