import { describe, it, expect } from 'vitest'
import type { OutputStream } from '../../src/shared/run'
import { DockerDemuxer } from '../../src/main/engine/demux'
import { dockerFrame as frame } from './fake-container-client'

interface Event {
  stream: OutputStream
  payload: Buffer
}

function collector(): { demux: DockerDemuxer; events: Event[] } {
  const events: Event[] = []
  // Copy: the demuxer hands out views of the chunk it was given.
  const demux = new DockerDemuxer((stream, payload) =>
    events.push({ stream, payload: Buffer.from(payload) }),
  )
  return { demux, events }
}

/** Joins consecutive payloads of the same stream, so splits of one frame compare equal. */
function merged(events: Event[]): { stream: OutputStream; text: string }[] {
  const out: { stream: OutputStream; bytes: Buffer[] }[] = []
  for (const e of events) {
    const last = out[out.length - 1]
    if (last && last.stream === e.stream) last.bytes.push(e.payload)
    else out.push({ stream: e.stream, bytes: [e.payload] })
  }
  return out.map((o) => ({ stream: o.stream, text: Buffer.concat(o.bytes).toString('utf8') }))
}

const wire = Buffer.concat([
  frame(1, 'hello '),
  frame(2, 'oops\n'),
  frame(1, ''),
  frame(1, 'wörld €😀\n'),
  frame(2, ''),
  frame(2, 'Traceback\n'),
  frame(1, 'bye'),
])
const expected = [
  { stream: 'stdout', text: 'hello ' },
  { stream: 'stderr', text: 'oops\n' },
  { stream: 'stdout', text: 'wörld €😀\n' },
  { stream: 'stderr', text: 'Traceback\n' },
  { stream: 'stdout', text: 'bye' },
]

describe('DockerDemuxer', () => {
  it('demuxes a whole stream in one chunk, in order, skipping zero-length frames', () => {
    const { demux, events } = collector()
    demux.push(wire)
    expect(merged(events)).toEqual(expected)
    expect(events).toHaveLength(5)
    expect(events.every((e) => e.payload.length > 0)).toBe(true)
  })

  it('gives the same result when split at every single byte boundary', () => {
    for (let i = 0; i <= wire.length; i++) {
      const { demux, events } = collector()
      demux.push(wire.subarray(0, i))
      demux.push(wire.subarray(i))
      expect(merged(events), `split at ${i}`).toEqual(expected)
      expect(events.every((e) => e.payload.length > 0)).toBe(true)
    }
  })

  it('gives the same result when split at every pair of boundaries', () => {
    for (let i = 0; i <= wire.length; i++) {
      for (let j = i; j <= wire.length; j++) {
        const { demux, events } = collector()
        demux.push(wire.subarray(0, i))
        demux.push(wire.subarray(i, j))
        demux.push(wire.subarray(j))
        expect(merged(events)).toEqual(expected)
      }
    }
  })

  it('handles a stream fed one byte at a time', () => {
    const { demux, events } = collector()
    for (const b of wire) demux.push(Buffer.from([b]))
    expect(merged(events)).toEqual(expected)
  })

  it('emits nothing until a split header is complete', () => {
    const f = frame(2, 'err')
    const { demux, events } = collector()
    demux.push(f.subarray(0, 3))
    demux.push(f.subarray(3, 7))
    expect(events).toHaveLength(0)
    demux.push(f.subarray(7, 8))
    expect(events).toHaveLength(0)
    demux.push(f.subarray(8))
    expect(merged(events)).toEqual([{ stream: 'stderr', text: 'err' }])
  })

  it('keeps its own copy of a partial header when the caller reuses its buffer', () => {
    const f = frame(1, 'abc')
    const reused = Buffer.from(f.subarray(0, 5))
    const { demux, events } = collector()
    demux.push(reused)
    reused.fill(0xff)
    demux.push(f.subarray(5))
    expect(merged(events)).toEqual([{ stream: 'stdout', text: 'abc' }])
  })

  it('carries a payload larger than a chunk across many chunks', () => {
    const big = Buffer.alloc(200_000, 'z')
    const data = Buffer.concat([frame(1, big), frame(2, 'done')])
    const { demux, events } = collector()
    for (let i = 0; i < data.length; i += 65_536) demux.push(data.subarray(i, i + 65_536))
    const m = merged(events)
    expect(m).toHaveLength(2)
    expect(m[0]).toEqual({ stream: 'stdout', text: 'z'.repeat(200_000) })
    expect(m[1]).toEqual({ stream: 'stderr', text: 'done' })
  })

  it('does not treat payload bytes that look like a header as a new frame', () => {
    const fake = frame(2, 'injected')
    const { demux, events } = collector()
    demux.push(Buffer.concat([frame(1, fake), frame(1, 'end')]))
    expect(events.map((e) => e.stream)).toEqual(['stdout', 'stdout'])
    expect(Buffer.concat(events.map((e) => e.payload))).toEqual(
      Buffer.concat([fake, Buffer.from('end')]),
    )
  })

  it('routes the daemon error type (3) to stderr', () => {
    const { demux, events } = collector()
    demux.push(frame(3, 'daemon says no'))
    expect(merged(events)).toEqual([{ stream: 'stderr', text: 'daemon says no' }])
  })

  it('handles zero-length frames at the very start and end', () => {
    const { demux, events } = collector()
    demux.push(Buffer.concat([frame(1, ''), frame(2, ''), frame(1, 'x'), frame(2, '')]))
    expect(merged(events)).toEqual([{ stream: 'stdout', text: 'x' }])
    demux.push(frame(2, 'y'))
    expect(merged(events)).toEqual([
      { stream: 'stdout', text: 'x' },
      { stream: 'stderr', text: 'y' },
    ])
  })
})
