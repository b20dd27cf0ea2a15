import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { classifyOutcome, InfraFailure, type OutcomeFacts } from '../../src/main/engine/outcome'

const facts = (over: Partial<OutcomeFacts> = {}): OutcomeFacts => ({
  stop: null,
  infra: null,
  oomKilled: false,
  exitCode: 0,
  stderrText: '',
  limits: DEFAULT_LIMITS,
  ...over,
})

describe('classifyOutcome', () => {
  it('exit 0 with no stop is success', () => {
    expect(classifyOutcome(facts())).toEqual({
      status: 'succeeded',
      error: null,
      phase: 'completed',
    })
  })

  it('a cancel beats everything, an infrastructure failure included', () => {
    const infra = new InfraFailure({ type: 'service_unavailable', message: 'x', phase: 'startup' })
    const d = classifyOutcome(facts({ stop: { reason: 'cancelled' }, infra, exitCode: 137 }))
    expect(d.status).toBe('cancelled')
    expect(d.error?.type).toBe('cancelled')
  })

  it('an infrastructure failure beats the exit code', () => {
    const infra = new InfraFailure({ type: 'image_missing', message: 'no image', phase: 'startup' })
    expect(classifyOutcome(facts({ infra, exitCode: null }))).toEqual({
      status: 'failed',
      error: { type: 'image_missing', message: 'no image', phase: 'startup' },
      phase: 'startup',
    })
  })

  it('a timeout is reported as timeout whatever the exit code it caused', () => {
    const d = classifyOutcome(facts({ stop: { reason: 'timeout' }, exitCode: 137 }))
    expect(d.status).toBe('timeout')
    expect(d.error?.message).toMatch(/timed out after 30 s/)
  })

  it('the output ceiling and the disk floor are output_limit failures with their own messages', () => {
    const ceiling = classifyOutcome(facts({ stop: { reason: 'output_limit' }, exitCode: 137 }))
    expect(ceiling.status).toBe('failed')
    expect(ceiling.error).toMatchObject({ type: 'output_limit', phase: 'execution' })
    expect(ceiling.error?.message).toMatch(/more than 512 MiB to stdout\/stderr/)
    const floor = classifyOutcome(
      facts({ stop: { reason: 'disk_floor', message: 'floor reached' }, exitCode: 137 }),
    )
    expect(floor.error).toEqual({
      type: 'output_limit',
      message: 'floor reached',
      phase: 'execution',
    })
  })

  it('a daemon gone is service_unavailable', () => {
    const d = classifyOutcome(facts({ stop: { reason: 'daemon_gone' }, exitCode: null }))
    expect(d.error?.type).toBe('service_unavailable')
  })

  it('OOM only when Docker says so; 137 without it is killed', () => {
    expect(classifyOutcome(facts({ exitCode: 137, oomKilled: true })).status).toBe('oom')
    const killed = classifyOutcome(facts({ exitCode: 137 }))
    expect(killed.status).toBe('failed')
    expect(killed.error?.type).toBe('killed')
    // An exit code of 0 stands even if the container was near its memory limit.
    expect(classifyOutcome(facts({ exitCode: 0, oomKilled: true })).status).toBe('succeeded')
  })

  it('other exit codes go to the exit classifier', () => {
    const d = classifyOutcome(facts({ exitCode: 3 }))
    expect(d.status).toBe('failed')
    expect(d.phase).toBe('execution')
  })
})
