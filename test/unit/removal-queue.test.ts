import { describe, expect, it } from 'vitest'
import type { ContainerClient } from '../../src/main/engine/docker-client'
import { RemovalQueue } from '../../src/main/engine/removal-queue'

/** Only `remove` is used by the queue; the rest of the interface is never called. */
function client(removed: string[]): ContainerClient {
  return {
    remove: (id: string) => {
      removed.push(id)
      return Promise.resolve()
    },
  } as unknown as ContainerClient
}

describe('RemovalQueue', () => {
  it('removes in the background only after the code queued with it has run, and drain waits for it', async () => {
    const removed: string[] = []
    const queue = new RemovalQueue(client(removed), () => undefined)
    queue.removeInBackground('run-1', 'c1')
    // The caller's own work of this turn (a warm run's record and reply) comes first.
    await Promise.resolve()
    expect(removed).toEqual([])
    await queue.drain()
    expect(removed).toEqual(['c1'])
  })

  it('drain called at once still waits for a removal not yet begun', async () => {
    const removed: string[] = []
    const queue = new RemovalQueue(client(removed), () => undefined)
    queue.removeInBackground('run-1', 'c1')
    queue.removeInBackground('run-2', 'c2')
    await queue.drain()
    expect(removed).toEqual(['c1', 'c2'])
  })
})
