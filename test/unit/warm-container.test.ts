import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { fixedUser } from '../../src/main/engine/run-users'
import { spawnWarm } from '../../src/main/engine/warm-container'
import { FakeContainerClient } from './fake-container-client'

/** Docker stopping between attach and start: start fails, then the attached stream ends. */
class StopsAtStart extends FakeContainerClient {
  readonly stream = new PassThrough()
  override async create(): Promise<string> {
    return 'w1'
  }
  override async attachInteractive(): Promise<NodeJS.ReadWriteStream> {
    return this.stream
  }
  override async start(): Promise<void> {
    setTimeout(() => this.stream.end(), 5)
    throw new Error('connect ECONNREFUSED /var/run/docker.sock')
  }
}

let root = ''
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true })
})

describe('a warm-up whose start fails', () => {
  it('rejects with the start error, undoes what it made, and leaves no unhandled rejection', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-warm-'))
    const docker = new StopsAtStart()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const spawned = spawnWarm(
        {
          client: docker,
          sessionId: 'test',
          users: fixedUser({ uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 }),
          root,
        },
        { image: 'tako-vm/default', runtime: 'runc', limits: DEFAULT_LIMITS, preimports: [] },
        (id) => docker.remove(id),
      )
      await expect(spawned).rejects.toThrow(/ECONNREFUSED/)
      // Let the stream end and any rejection that nobody handles reach the process.
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
      expect(docker.removed).toEqual(['w1'])
      expect(fs.readdirSync(root)).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
