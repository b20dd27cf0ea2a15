import { describe, expect, it } from 'vitest'
import type { Stop } from '../../src/main/engine/outcome'
import { Watchdog } from '../../src/main/engine/watchdog'

function dog(signal?: AbortSignal): { w: Watchdog; kills: [string, Stop][] } {
  const kills: [string, Stop][] = []
  const w = new Watchdog({
    kill: (id, stop) => kills.push([id, stop]),
    killGraceMs: 10,
    ...(signal ? { signal } : {}),
  })
  return { w, kills }
}

describe('Watchdog', () => {
  it('records exactly one stop reason: the first one wins', () => {
    const { w, kills } = dog()
    w.attach('c1')
    w.stop({ reason: 'output_limit' })
    w.stop({ reason: 'timeout' })
    w.stop({ reason: 'disk_floor', message: 'x' })
    expect(w.recorded).toEqual({ reason: 'output_limit' })
    expect(kills).toEqual([['c1', { reason: 'output_limit' }]])
  })

  it('a stop before the container exists kills it once it is attached', () => {
    const abort = new AbortController()
    const { w, kills } = dog(abort.signal)
    abort.abort()
    expect(kills).toEqual([])
    w.attach('c2')
    expect(kills).toEqual([['c2', { reason: 'cancelled' }]])
  })

  it('an already aborted signal is a cancel from the start', () => {
    const { w } = dog(AbortSignal.abort())
    expect(w.recorded).toEqual({ reason: 'cancelled' })
  })

  it('fires the timeout, and releases `stopped` when the daemon never reports the exit', async () => {
    const { w, kills } = dog()
    w.attach('c3')
    w.startTimer(5)
    expect(await w.stopped).toBe('stopped')
    expect(kills).toEqual([['c3', { reason: 'timeout' }]])
  })

  it('after finish, nothing is killed; a reason found later is still recorded', async () => {
    const abort = new AbortController()
    const { w, kills } = dog(abort.signal)
    w.attach('c4')
    let disposed = 0
    w.onFinish(() => disposed++)
    w.startTimer(5)
    w.finish()
    abort.abort()
    await new Promise((r) => setTimeout(r, 20))
    expect(w.recorded).toBeNull()
    expect(disposed).toBe(1)
    w.stop({ reason: 'daemon_gone', message: 'gone' })
    expect(w.recorded).toEqual({ reason: 'daemon_gone', message: 'gone' })
    expect(kills).toEqual([])
  })
})
