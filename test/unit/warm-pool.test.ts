import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { fixedUser } from '../../src/main/engine/run-users'
import { READY_MARKER } from '../../src/main/engine/supervisor'
import { WarmPool } from '../../src/main/engine/warm-pool'
import { dockerFrame, FakeContainerClient } from './fake-container-client'

/** A daemon of our own interface whose containers say READY when started and run until removed. */
class FakeDaemon extends FakeContainerClient {
  created = 0
  private readonly streams = new Map<string, PassThrough>()
  private readonly exits = new Map<string, (code: number) => void>()

  override create(_spec: Docker.ContainerCreateOptions): Promise<string> {
    const id = `c${++this.created}`
    this.streams.set(id, new PassThrough())
    return Promise.resolve(id)
  }
  override attach(id: string): Promise<NodeJS.ReadableStream> {
    return Promise.resolve(this.streams.get(id)!)
  }
  override attachInteractive(id: string): Promise<NodeJS.ReadWriteStream> {
    return Promise.resolve(this.streams.get(id)!)
  }
  override start(id: string): Promise<void> {
    setImmediate(() => this.streams.get(id)?.write(dockerFrame(1, READY_MARKER)))
    return Promise.resolve()
  }
  override wait(id: string): Promise<number> {
    return new Promise((resolve) => this.exits.set(id, resolve))
  }
  override inspect(): Promise<{ running: boolean; exitCode: number; oomKilled: boolean }> {
    return Promise.resolve({ running: true, exitCode: 0, oomKilled: false })
  }
  override remove(id: string): Promise<void> {
    this.exits.get(id)?.(137)
    this.streams.get(id)?.end()
    return Promise.resolve()
  }
}

let tmp: string
let pool: WarmPool | null = null
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-warm-pool-'))
})
afterEach(async () => {
  await pool?.close()
  pool = null
  fs.rmSync(tmp, { recursive: true, force: true })
})

function makePool(daemon: FakeDaemon, refillDelayMs = 60_000): WarmPool {
  pool = new WarmPool({
    client: daemon,
    sessionId: 's',
    users: fixedUser({ uid: 1000, gid: 1000 }),
    root: path.join(tmp, 'pool'),
    size: 2,
    idleMs: 600_000,
    log: () => undefined,
    refillDelayMs,
  })
  return pool
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2))
  expect(cond()).toBe(true)
}

const IMAGE = 'tako-vm/default:test'

describe('WarmPool refills', () => {
  it('warms the replacement of a taken container once its run released it, when another is ready', async () => {
    const daemon = new FakeDaemon()
    const p = makePool(daemon)
    p.prewarm(IMAGE, DEFAULT_LIMITS, [])
    await until(() => p.stats().ready === 2)
    expect(daemon.created).toBe(2)

    const warm = p.take(IMAGE, DEFAULT_LIMITS, [])
    expect(warm).not.toBeNull()
    // The run is going on: nothing is being started beside it.
    await new Promise((r) => setTimeout(r, 20))
    expect(p.stats()).toEqual({ keys: 1, ready: 1, starting: 0 })
    expect(daemon.created).toBe(2)

    p.releaseSlot(warm!)
    await until(() => p.stats().ready === 2)
    expect(daemon.created).toBe(3)
    // Released twice (a failed dispatch, then the run's end): still one replacement.
    p.releaseSlot(warm!)
    await new Promise((r) => setTimeout(r, 20))
    expect(daemon.created).toBe(3)
  })

  it('warms at once when the take left no ready container', async () => {
    const daemon = new FakeDaemon()
    const p = makePool(daemon)
    p.prewarm(IMAGE, DEFAULT_LIMITS, [])
    await until(() => p.stats().ready === 2)
    const first = p.take(IMAGE, DEFAULT_LIMITS, [])
    const second = p.take(IMAGE, DEFAULT_LIMITS, [])
    expect(first).not.toBeNull()
    expect(second).not.toBeNull()
    // The second take emptied the key: its refill does not wait for either run.
    // (A refill that waited would start after the 2 s delay, past what `until` waits.)
    await until(() => daemon.created >= 3)
  })

  it('warms the replacement after the delay while a long run goes on', async () => {
    const daemon = new FakeDaemon()
    const p = makePool(daemon, 30)
    p.prewarm(IMAGE, DEFAULT_LIMITS, [])
    await until(() => p.stats().ready === 2)
    const warm = p.take(IMAGE, DEFAULT_LIMITS, [])
    expect(warm).not.toBeNull()
    await until(() => p.stats().ready === 2)
    expect(daemon.created).toBe(3)
    p.releaseSlot(warm!)
    await new Promise((r) => setTimeout(r, 20))
    expect(daemon.created).toBe(3)
  })
})
