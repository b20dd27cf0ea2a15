import { describe, expect, it } from 'vitest'
import {
  EARLY_CHARS,
  EARLY_RUNS,
  EarlyEvents,
  FrameClock,
  FrameQueue,
  QUEUE_CHARS,
  applyRunEvent,
  emptyLive,
  liveOfRecord,
  liveOfRunning,
  recordReplaces,
  shownRows,
  type RunEvent,
} from '../../src/renderer/src/live-run'
import {
  LIVE_BOUNDS,
  MAX_ROW_CHARS,
  OutputBuffer,
  type OutputRows,
  type Row,
} from '../../src/renderer/src/output-buffer'

const out = (
  runId: string,
  text: string,
  seq?: number,
  stream: 'stdout' | 'stderr' = 'stdout',
): RunEvent => ({
  type: 'run.output',
  runId,
  stream,
  text,
  ...(seq === undefined ? {} : { seq }),
})
const status = (runId: string, s: 'running' | 'succeeded', seq?: number): RunEvent => ({
  type: 'run.status',
  runId,
  status: s,
  ...(seq === undefined ? {} : { seq }),
})

/** The rows as text: a line's segments joined, a gap as `<gap N>`. */
function rows(b: OutputRows): string[] {
  const all: string[] = []
  for (let i = 0; i < b.rowCount; i++) {
    const r: Row = b.row(i)
    all.push('gap' in r ? `<gap ${r.gap}>` : r.line.map((s) => s.text).join(''))
  }
  return all
}

describe('the early-events buffer (one for run, rerun and reopen)', () => {
  it('hands over output that came before the reply, in order, with the reply status', () => {
    const early = new EarlyEvents()
    early.record(out('r1', 'first\n'))
    early.record(out('r1', 'second\n'))
    const live = early.take(emptyLive('r1', 'queued'))
    expect(rows(live.output)).toEqual(['first', 'second'])
    expect(live.status).toBe('queued')
  })

  it('keeps a status the events already gave (a run that ended before its reply)', () => {
    const early = new EarlyEvents()
    early.record(status('r1', 'running'))
    early.record(out('r1', 'done\n'))
    early.record(status('r1', 'succeeded'))
    expect(early.take(emptyLive('r1', 'queued')).status).toBe('succeeded')
  })

  it('forgets a run once taken, and starts empty for a run with no early events', () => {
    const early = new EarlyEvents()
    early.record(out('r1', 'x'))
    early.take(emptyLive('r1', 'queued'))
    const again = early.take(emptyLive('r1', 'running'))
    expect(again.output.rowCount).toBe(0)
    expect(again.status).toBe('running')
    expect(early.size).toBe(0)
  })

  it(`keeps only the ${EARLY_RUNS} most recently active runs`, () => {
    const early = new EarlyEvents()
    for (let i = 0; i < EARLY_RUNS + 5; i++) early.record(out(`r${i}`, 'x'))
    // r0…r4 were dropped as the oldest; r5, active again, moves to the newest end.
    early.record(out('r5', 'y'))
    expect(early.size).toBe(EARLY_RUNS)
    expect(early.take(emptyLive('r0', 'queued')).output.rowCount).toBe(0)
    expect(rows(early.take(emptyLive('r5', 'queued')).output)).toEqual(['xy'])
    expect(rows(early.take(emptyLive(`r${EARLY_RUNS + 4}`, 'queued')).output)).toEqual(['x'])
  })

  it('keeps a bounded amount per run and says what it left out; the record replaces it', () => {
    const early = new EarlyEvents()
    early.record(out('r', 'a'.repeat(EARLY_CHARS)))
    early.record(out('r', 'left out\n'))
    const live = early.take(emptyLive('r', 'running'))
    expect(rows(live.output).at(-1)).toContain('9 characters printed before the run was shown')
    expect(recordReplaces(live, false)).toBe(true)
  })
})

describe('a reopened running run', () => {
  it('merges the reply with the events around it: no line twice, none missing', () => {
    const early = new EarlyEvents()
    // Sent while the reply was on its way: 5 and 6 are in the reply already, 7 is not.
    early.record(out('r', 'tick 2\n', 5))
    early.record(status('r', 'running', 6))
    early.record(out('r', 'tick 3\n', 7))
    const base = liveOfRunning('r', 'running', {
      stdout: 'tick 0\ntick 1\ntick 2\n',
      stderr: '',
      seq: 6,
    })
    const live = early.take(base)
    // An old event that comes after the reply (another channel) is left out too.
    expect(applyRunEvent(live, out('r', 'tick 2\n', 5))).toBe(false)
    expect(applyRunEvent(live, out('r', 'tick 4\n', 8))).toBe(true)
    expect(rows(live.output)).toEqual(['tick 0', 'tick 1', 'tick 2', 'tick 3', 'tick 4'])
    // Its streams came apart in the reply: at the end, the record is shown.
    expect(recordReplaces(live, false)).toBe(true)
  })
})

describe('applying events to the shown run', () => {
  it('appends output, follows status, and bumps the version on each change', () => {
    const live = emptyLive('r', 'queued')
    const v0 = live.output.version
    applyRunEvent(live, out('r', 'hi'))
    applyRunEvent(live, status('r', 'running'))
    expect(rows(live.output)).toEqual(['hi'])
    expect(live.status).toBe('running')
    expect(live.output.version).toBeGreaterThan(v0)
    expect(recordReplaces(live, false)).toBe(false)
    expect(recordReplaces(live, true)).toBe(true)
  })

  it('echoes a sent line after its prompt in its own style, and ends waiting', () => {
    const live = emptyLive('r', 'running')
    applyRunEvent(live, out('r', 'Name? '))
    applyRunEvent(live, { type: 'run.stdin', runId: 'r', event: 'waiting', prompt: 'Name? ' })
    expect(live.waiting).toEqual({ prompt: 'Name? ' })
    applyRunEvent(live, { type: 'run.stdin', runId: 'r', event: 'sent', text: 'Bob\n' })
    applyRunEvent(live, out('r', 'Hello Bob\n'))
    expect(live.waiting).toBeNull()
    const first = live.output.row(0)
    expect('line' in first && first.line).toEqual([
      { kind: 'stdout', text: 'Name? ' },
      { kind: 'stdin', text: 'Bob' },
    ])
    expect(rows(live.output)).toEqual(['Name? Bob', 'Hello Bob'])
  })
})

describe('the output buffer', () => {
  it('splits chunks into lines whatever the chunk boundaries, streams kept apart', () => {
    const b = new OutputBuffer()
    b.append('stdout', 'a')
    b.append('stdout', 'b\nc')
    b.append('stderr', 'E\n\n')
    b.append('stdout', 'd\n')
    expect(rows(b)).toEqual(['ab', 'cE', '', 'd'])
    const second = b.row(1)
    expect('line' in second && second.line.map((s) => s.kind)).toEqual(['stdout', 'stderr'])
  })

  it('keeps a head and a tail of a flood with one gap row counting what it dropped', () => {
    const b = new OutputBuffer()
    const total = 200_000
    let text = ''
    for (let i = 0; i < total; i++) text += `${i}\n`
    b.append('stdout', text)
    expect(b.rowCount).toBeLessThanOrEqual(LIVE_BOUNDS.headLines + 1 + 2 * LIVE_BOUNDS.tailLines)
    const all = rows(b)
    expect(all[0]).toBe('0')
    expect(all.at(-1)).toBe(String(total - 1))
    const gap = b.row(LIVE_BOUNDS.headLines)
    expect('gap' in gap && gap.gap).toBe(total - b.rowCount + 1)
    // Every line is either kept, in order, or counted in the gap.
    const kept = all.filter((r) => !r.startsWith('<gap')).map(Number)
    expect(kept.slice(0, LIVE_BOUNDS.headLines)).toEqual([...Array(LIVE_BOUNDS.headLines).keys()])
    const tail = kept.slice(LIVE_BOUNDS.headLines)
    expect(tail).toEqual(tail.map((_, i) => total - tail.length + i))
  })

  it('goes on over several rows for a line longer than a row holds', () => {
    const b = new OutputBuffer()
    b.append('stdout', 'x'.repeat(MAX_ROW_CHARS * 2 + 5) + '\nnext\n')
    expect(rows(b).map((r) => r.length)).toEqual([MAX_ROW_CHARS, MAX_ROW_CHARS, 5, 4])
  })

  it('makes an empty row of a bare newline, and none of a final one', () => {
    const b = new OutputBuffer()
    b.append('stdout', 'a\n')
    b.append('stdout', '\n')
    b.append('stdout', 'b\n')
    expect(rows(b)).toEqual(['a', '', 'b'])
  })
})

describe("a finished run's record", () => {
  it("shows the record's cut as a note row and finds it", () => {
    const stdout = 'head\n\n[TRUNCATED: 10 of 20 bytes omitted; output exceeded 10 bytes]\n\ntail\n'
    const live = liveOfRecord('r', 'succeeded', stdout, 'oops\n')
    const shown = shownRows(live)
    expect(rows(shown)).toEqual([
      'head',
      '',
      '[TRUNCATED: 10 of 20 bytes omitted; output exceeded 10 bytes]',
      '',
      'tail',
      'oops',
    ])
    expect(shown.cutRow()).toBe(2)
    const cut = shown.row(2)
    expect('line' in cut && cut.line[0].kind).toBe('note')
    const err = shown.row(5)
    expect('line' in err && err.line[0].kind).toBe('stderr')
    expect(shownRows(liveOfRecord('r', 'succeeded', 'no cut\n', '')).cutRow()).toBe(-1)
    // Once shown, the record is what the pane draws, and it is not replaced again.
    expect(recordReplaces(live, true)).toBe(false)
  })

  it('splits a long line of the record over rows, like the live lines', () => {
    const shown = shownRows(liveOfRecord('r', 'failed', 'y'.repeat(MAX_ROW_CHARS + 3), ''))
    expect(rows(shown).map((r) => r.length)).toEqual([MAX_ROW_CHARS, 3])
  })
})

describe('the frame clock', () => {
  it('turns any number of changes before a frame into one draw', () => {
    const frames: (() => void)[] = []
    const clock = new FrameClock((cb) => frames.push(cb))
    let draws = 0
    const off = clock.subscribe(() => draws++)
    for (let i = 0; i < 1000; i++) clock.tick()
    expect(frames).toHaveLength(1)
    frames.shift()!()
    expect(draws).toBe(1)
    expect(clock.now()).toBe(1)
    clock.tick()
    off()
    frames.shift()!()
    expect(draws).toBe(1)
    expect(clock.now()).toBe(2)
  })
})

describe('the frame queue', () => {
  it('applies a burst in order, output of one stream joined, and says when the run ended', () => {
    const live = liveOfRunning('r', 'running', { stdout: 'a\n', stderr: '', seq: 3 })
    const queue = new FrameQueue()
    queue.push(out('r', 'a\n', 3)) // already in the reply
    queue.push(out('r', 'b', 4))
    queue.push(out('r', 'c\n', 5))
    queue.push(out('r', 'oops\n', 6, 'stderr'))
    queue.push(out('r', 'd\n', 7))
    queue.push(status('r', 'succeeded', 8))
    const r = queue.flush(live)
    expect(rows(live.output)).toEqual(['a', 'bc', 'oops', 'd'])
    const oops = live.output.row(2)
    expect('line' in oops && oops.line[0].kind).toBe('stderr')
    expect(r).toEqual({ changed: true, ended: true })
    expect(queue.flush(live)).toEqual({ changed: false, ended: false })
  })

  it(`asks to be applied at once past ${QUEUE_CHARS} queued characters`, () => {
    const queue = new FrameQueue()
    expect(queue.push(out('r', 'x'.repeat(QUEUE_CHARS)))).toBe(false)
    expect(queue.push(out('r', 'y'))).toBe(true)
    queue.clear()
    expect(queue.push(out('r', 'z'))).toBe(false)
  })
})
