// The owner sentinel on the real daemon. The test's containers name this test process (alive) as
// their owner, so no start-up reaper of another app process sharing the daemon removes them: what
// removes them here is the sentinel alone, which goes by the session label only.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import Docker from 'dockerode'
import { afterAll, describe, expect, it } from 'vitest'
import { LABEL_APP, LABEL_OWNER, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { currentOwner } from '../../src/main/engine/owner'
import { resolveDockerEndpoint } from '../../src/main/engine/docker-endpoint'
import { imageRef } from '../../src/main/environments/catalogue'
import { ROOT } from './helpers'

const docker = new Docker(resolveDockerEndpoint().options)
const TEST_LABEL = 'test.tako-vm-desktop.sentinel'
const created: string[] = []

afterAll(async () => {
  for (const id of created)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined)
})

async function sleeper(session: string): Promise<string> {
  const c = await docker.createContainer({
    Image: imageRef('default'),
    Cmd: ['sleep', '300'],
    Labels: {
      [LABEL_APP]: '1',
      [LABEL_SESSION]: session,
      [LABEL_OWNER]: currentOwner(),
      [TEST_LABEL]: '1',
    },
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
  })
  created.push(c.id)
  await c.start()
  return c.id
}

async function exists(id: string): Promise<boolean> {
  try {
    await docker.getContainer(id).inspect()
    return true
  } catch {
    return false
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Starts the stand-in owner; resolves with it and its sentinel's pid once the sentinel runs. */
async function startOwner(
  session: string,
  mode = 'idle',
): Promise<{ pid: number; sentinelPid: number; exited: Promise<void> }> {
  const child = spawn(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(ROOT, 'test', 'integration', 'fixtures', 'sentinel-owner.ts'), session, mode],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const sentinelPid = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /ready (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', () => reject(new Error(`owner exited early: ${out}`)))
  })
  return { pid: child.pid!, sentinelPid, exited }
}

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe()) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return probe()
}

describe('owner sentinel', () => {
  it("removes the session's containers when its owner is SIGKILLed, and only those", async () => {
    const session = `sentinel-test-${randomUUID()}`
    const other = `sentinel-other-${randomUUID()}`
    const mine = [await sleeper(session), await sleeper(session)]
    const notMine = await sleeper(other)
    const owner = await startOwner(session)
    expect(alive(owner.sentinelPid)).toBe(true)
    process.kill(-owner.pid, 'SIGKILL')
    await owner.exited
    const gone = async (): Promise<boolean> => !(await exists(mine[0])) && !(await exists(mine[1]))
    // Generous for a loaded daemon (a force-removal of a running container takes seconds there);
    // nothing else in this test removes them.
    await until(gone, 30_000)
    expect(await exists(mine[0])).toBe(false)
    expect(await exists(mine[1])).toBe(false)
    expect(await exists(notMine)).toBe(true)
    // Its work done, the sentinel exits.
    expect(await until(async () => !alive(owner.sentinelPid), 15_000)).toBe(true)
  })

  it('on a clean stop exits without removing anything', async () => {
    const session = `sentinel-test-${randomUUID()}`
    const id = await sleeper(session)
    const owner = await startOwner(session, 'stop')
    await owner.exited
    expect(await until(async () => !alive(owner.sentinelPid), 10_000)).toBe(true)
    expect(await exists(id)).toBe(true)
  })
})
