import { describe, expect, it } from 'vitest'
import {
  EARLY_RUNS,
  EarlyEvents,
  MAX_LIVE_CHARS,
  applyRunEvent,
  emptyLive,
  type RunEvent,
} from '../../src/renderer/src/live-run'

const out = (runId: string, text: string): RunEvent => ({
  type: 'run.output',
  runId,
  stream: 'stdout',
  text,
})
const status = (runId: string, s: 'running' | 'succeeded'): RunEvent => ({
  type: 'run.status',
  runId,
  status: s,
})

describe('the early-events buffer (one for run, rerun and fork)', () => {
  it('hands over output that came before the reply, in order, with the reply status', () => {
    const early = new EarlyEvents()
    early.record(out('r1', 'first\n'))
    early.record(out('r1', 'second\n'))
    const live = early.take('r1', 'queued')
    expect(live.chunks.map((c) => c.text)).toEqual(['first\n', 'second\n'])
    expect(live.status).toBe('queued')
    expect(live.chars).toBe(13)
  })

  it('keeps a status the events already gave (a run that ended before its reply)', () => {
    const early = new EarlyEvents()
    early.record(status('r1', 'running'))
    early.record(out('r1', 'done\n'))
    early.record(status('r1', 'succeeded'))
    expect(early.take('r1', 'queued').status).toBe('succeeded')
  })

  it('forgets a run once taken, and starts empty for a run with no early events', () => {
    const early = new EarlyEvents()
    early.record(out('r1', 'x'))
    early.take('r1', 'queued')
    expect(early.take('r1', 'running')).toEqual(emptyLive('r1', 'running'))
    expect(early.size).toBe(0)
  })

  it(`keeps only the ${EARLY_RUNS} most recently active runs`, () => {
    const early = new EarlyEvents()
    for (let i = 0; i < EARLY_RUNS + 5; i++) early.record(out(`r${i}`, 'x'))
    // r0…r4 were dropped as the oldest; r5, active again, moves to the newest end.
    early.record(out('r5', 'y'))
    expect(early.size).toBe(EARLY_RUNS)
    expect(early.take('r0', 'queued').chunks).toEqual([])
    expect(early.take('r5', 'queued').chunks.map((c) => c.text)).toEqual(['x', 'y'])
    expect(early.take(`r${EARLY_RUNS + 4}`, 'queued').chunks).toHaveLength(1)
  })
})

describe('applying events to the shown run', () => {
  it('appends output and follows status without changing the old object', () => {
    const a = emptyLive('r', 'queued')
    const b = applyRunEvent(a, out('r', 'hi'))
    const c = applyRunEvent(b, status('r', 'running'))
    expect(a.chunks).toEqual([])
    expect(b.chunks).toEqual([{ stream: 'stdout', text: 'hi' }])
    expect(c.status).toBe('running')
    expect(c.chunks).toBe(b.chunks)
  })

  it('stops keeping output past the live cap and marks it clipped once', () => {
    let live = applyRunEvent(emptyLive('r', 'running'), out('r', 'x'.repeat(MAX_LIVE_CHARS)))
    live = applyRunEvent(live, out('r', 'more'))
    expect(live.clipped).toBe(true)
    expect(live.chars).toBe(MAX_LIVE_CHARS)
    expect(applyRunEvent(live, out('r', 'again'))).toBe(live)
  })
})
