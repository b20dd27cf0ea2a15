// The job queue's two lanes: app runs first and with a worker of their own, API runs bounded by
// their own queue limit and the shared workers.
import { describe, expect, it } from 'vitest'
import { FairQueue, QueueFullError, type Queued } from '../../src/main/jobs/fair-queue'

const job = (id: string, source: Queued['source']): Queued => ({ id, source })

describe('FairQueue', () => {
  it('starts an app run on its own lane while API runs fill every shared worker', () => {
    const q = new FairQueue<Queued>(2, 10)
    for (const id of ['a1', 'a2', 'a3']) q.push(job(id, 'api'))
    expect(q.take({ app: 0, api: 0 })?.id).toBe('a1')
    expect(q.take({ app: 0, api: 1 })?.id).toBe('a2')
    expect(q.take({ app: 0, api: 2 })).toBeUndefined()
    q.push(job('app1', 'app'))
    expect(q.position('app1')).toBe(1)
    expect(q.position('a3')).toBe(2)
    expect(q.take({ app: 0, api: 2 })?.id).toBe('app1')
    // A second app run waits for a worker: the lane is busy and the shared workers are full.
    q.push(job('app2', 'app'))
    expect(q.take({ app: 1, api: 2 })).toBeUndefined()
    // ... and goes before the waiting API run when a shared worker frees.
    expect(q.take({ app: 1, api: 1 })?.id).toBe('app2')
    expect(q.take({ app: 2, api: 1 })).toBeUndefined()
    expect(q.take({ app: 0, api: 1 })?.id).toBe('a3')
  })

  it('API runs never use the app lane', () => {
    const q = new FairQueue<Queued>(1, 10)
    q.push(job('a1', 'api'))
    expect(q.take({ app: 0, api: 1 })).toBeUndefined()
    expect(q.take({ app: 1, api: 0 })?.id).toBe('a1')
  })

  it('bounds each lane by the queue limit: a full API lane does not refuse app runs', () => {
    const q = new FairQueue<Queued>(1, 2)
    q.push(job('a1', 'api'))
    q.push(job('a2', 'api'))
    expect(q.isFull('api')).toBe(true)
    expect(() => q.push(job('a3', 'api'))).toThrow(QueueFullError)
    expect(q.isFull('app')).toBe(false)
    q.push(job('p1', 'app'))
    expect(q.size).toBe(3)
    expect(q.remove(job('zz', 'api'))).toBe(false)
  })

  it('removes a waiting job from its lane', () => {
    const q = new FairQueue<Queued>(1, 5)
    const a = job('a1', 'api')
    q.push(a)
    expect(q.remove(a)).toBe(true)
    expect(q.position('a1')).toBeNull()
    expect(q.take({ app: 0, api: 0 })).toBeUndefined()
  })
})
