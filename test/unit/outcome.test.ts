import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { classifyOutcome, InfraFailure, type OutcomeFacts } from '../../src/main/engine/outcome'
import { MiB } from '../../src/shared/units'

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

  it('SIGKILL after the memory reached its limit is oom even when Docker missed the OOM event', () => {
    // Docker 20.10 sets OOMKilled only when the cgroup's OOM event reaches it before the exit; under
    // gVisor the exit sometimes comes first (docs/security.md, 'gVisor').
    const limit = 64 * MiB
    const limits = { ...DEFAULT_LIMITS, memoryBytes: limit }
    const atLimit = classifyOutcome(
      facts({ exitCode: 137, limits, memoryPeakBytes: limit + 12288 }),
    )
    expect(atLimit.status).toBe('oom')
    expect(atLimit.error?.message).toMatch(/exceeded the memory limit \(64 MiB\)/)
    // Far below the limit it stays a kill (the script's own os.kill, sys.exit(137)).
    const below = classifyOutcome(facts({ exitCode: 137, limits, memoryPeakBytes: 20 * MiB }))
    expect(below.error?.type).toBe('killed')
    // Nothing measured (a remote daemon): only Docker's word counts.
    expect(classifyOutcome(facts({ exitCode: 137, limits, memoryPeakBytes: null })).status).toBe(
      'failed',
    )
    // Only a SIGKILL is a kill by the kernel: an exception at the limit is the script's own error.
    const raised = classifyOutcome(facts({ exitCode: 1, limits, memoryPeakBytes: limit }))
    expect(raised.status).toBe('failed')
    expect(raised.error?.type).toBe('runtime_error')
  })

  it('other exit codes go to the exit classifier', () => {
    const d = classifyOutcome(facts({ exitCode: 3 }))
    expect(d.status).toBe('failed')
    expect(d.phase).toBe('execution')
  })
})
