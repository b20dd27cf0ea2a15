import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { RemovalQueue } from '../../src/main/engine/removal-queue'
import { fixedUser } from '../../src/main/engine/run-users'
import { WarmPool } from '../../src/main/engine/warm-pool'
import { FakeContainerClient } from './fake-container-client'

/** Docker going down while a warm-up is under way: create answers, then nothing does until `up()`. */
class RestartingDocker extends FakeContainerClient {
  down = false
  created: string[] = []

  up(): void {
    this.down = false
  }
  override async create(_spec: Docker.ContainerCreateOptions): Promise<string> {
    const id = `w${this.created.length + 1}`
    this.created.push(id)
    // The daemon stops right after this container was created.
    this.down = true
    return id
  }
  override attachInteractive(): Promise<NodeJS.ReadWriteStream> {
    return Promise.reject(new Error('connect ECONNREFUSED /var/run/docker.sock'))
  }
  override async remove(id: string): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED /var/run/docker.sock')
    this.removed.push(id)
  }
}

let root = ''
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true })
})

describe('the warm pool while Docker restarts', () => {
  it('retries the removal of a container whose warm-up failed, so shutdown leaves nothing', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-pool-'))
    const docker = new RestartingDocker()
    const events: string[] = []
    const log = (event: string): void => void events.push(event)
    const removals = new RemovalQueue(docker, log)
    const pool = new WarmPool({
      client: docker,
      sessionId: 'test',
      users: fixedUser({ uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 }),
      root: path.join(root, 'pool'),
      size: 1,
      maxContainers: 1,
      idleMs: 60_000,
      log,
      removals,
    })
    pool.prewarm('tako-vm/default', DEFAULT_LIMITS, [])
    await pool.close()
    expect(docker.created).toEqual(['w1'])
    expect(docker.removed).toEqual([])
    expect(events).toContain('remove-failed')

    docker.up()
    await removals.drain()
    expect(docker.removed).toEqual(['w1'])
    expect(fs.readdirSync(path.join(root, 'pool'))).toEqual([])
  })
})
