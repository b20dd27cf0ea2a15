import { describe, expect, it } from 'vitest'
import { encodeFrame, MAX_FRAME_BYTES, StdinFrameParser } from '../../src/main/engine/stdin-frames'
import { MAX_PROMPT_CHARS, StdinChannel, StdinRefused } from '../../src/main/engine/stdin-channel'
import type { StdinChannelEvent } from '../../src/main/engine/stdin-channel'

/** Feeds `chunks` through one parser; returns the passed-through text and the frames. */
function parseAll(chunks: Buffer[]): { text: string; frames: number[]; frameBytes: number } {
  const p = new StdinFrameParser()
  const out: Buffer[] = []
  const frames: number[] = []
  let frameBytes = 0
  for (const c of chunks) {
    const r = p.push(c)
    out.push(r.text)
    frames.push(...r.frames)
    frameBytes += r.frameBytes
  }
  out.push(p.end())
  return { text: Buffer.concat(out).toString('latin1'), frames, frameBytes }
}

/** Every way of cutting `buf` into two chunks, and into single bytes. */
function cuts(buf: Buffer): Buffer[][] {
  const all: Buffer[][] = [[buf], [...buf].map((b) => Buffer.from([b]))]
  for (let i = 1; i < buf.length; i++) all.push([buf.subarray(0, i), buf.subarray(i)])
  return all
}

describe('StdinFrameParser', () => {
  it('takes frames out and keeps every other byte, however the stream is cut', () => {
    const stream = Buffer.concat([
      Buffer.from('Name? '),
      encodeFrame(0),
      Buffer.from('Hi\n\u0000not a frame\u0000TAKO-STDIN:x\n'),
      encodeFrame(123456789012345),
      Buffer.from('\u0000TAKO-STDIN:\n\u0000TAKO-STD'),
    ])
    for (const chunks of cuts(stream)) {
      const r = parseAll(chunks)
      expect(r.frames).toEqual([0, 123456789012345])
      expect(r.text).toBe(
        'Name? Hi\n\u0000not a frame\u0000TAKO-STDIN:x\n\u0000TAKO-STDIN:\n\u0000TAKO-STD',
      )
      expect(r.frameBytes).toBe(encodeFrame(0).length + encodeFrame(123456789012345).length)
    }
  })

  it('a count longer than 15 digits is not a frame', () => {
    const bogus = Buffer.from('\u0000TAKO-STDIN:1234567890123456\n')
    for (const chunks of cuts(bogus)) {
      const r = parseAll(chunks)
      expect(r.frames).toEqual([])
      expect(r.text).toBe(bogus.toString('latin1'))
    }
  })

  it('holds back at most one frame across chunks and passes plain text through at once', () => {
    const p = new StdinFrameParser()
    expect(p.push(Buffer.from('plain text')).text.toString()).toBe('plain text')
    const held = p.push(Buffer.from('abc\u0000TAKO-STDIN:12'))
    expect(held.text.toString()).toBe('abc')
    expect(MAX_FRAME_BYTES).toBeLessThan(40)
    const done = p.push(Buffer.from('\nrest'))
    expect(done.frames).toEqual([12])
    expect(done.text.toString()).toBe('rest')
  })

  it('a flood of frames comes out as counts, nothing of them as text', () => {
    const flood = Buffer.concat(Array.from({ length: 10_000 }, (_, i) => encodeFrame(i)))
    const r = parseAll([flood.subarray(0, 77_777), flood.subarray(77_777)])
    expect(r.frames.length).toBe(10_000)
    expect(r.text).toBe('')
    expect(r.frameBytes).toBe(flood.length)
  })
})

/** A channel whose clock is set by the test. */
function channel(interactive = true, batch: string | null = null) {
  let now = 1_000_000
  const events: StdinChannelEvent[] = []
  const waits: boolean[] = []
  const ch = new StdinChannel(
    batch,
    interactive,
    (e) => events.push(e),
    () => now,
  )
  ch.onWaitingChange = (w) => waits.push(w)
  const writes: string[] = []
  let ended = false
  const stream = {
    write: (b: Buffer, cb?: () => void) => {
      writes.push(b.toString())
      cb?.()
      return true
    },
    end: () => {
      ended = true
    },
  } as unknown as NodeJS.WritableStream
  const out: string[] = []
  const sink = ch.filter(
    (_s, p) => out.push(p.toString()),
    () => undefined,
  )
  return {
    ch,
    events,
    waits,
    writes,
    out,
    stdout: (s: string | Buffer) => sink('stdout', Buffer.isBuffer(s) ? s : Buffer.from(s)),
    stream,
    ended: () => ended,
    tick: (ms: number) => (now += ms),
  }
}

describe('StdinChannel', () => {
  it('reports waiting with the current line as prompt once every sent byte was consumed', () => {
    const c = channel()
    c.ch.attach(c.stream)
    c.stdout(Buffer.concat([Buffer.from('line one\nName? '), encodeFrame(0)]))
    expect(c.ch.waiting).toEqual({ prompt: 'Name? ' })
    expect(c.waits).toEqual([true])
    c.ch.send('Bob\n')
    expect(c.writes).toEqual(['Bob\n'])
    expect(c.ch.waiting).toBeNull()
    // A frame written before the line arrived (it consumed 0 of 4 bytes) is stale.
    c.stdout(encodeFrame(0))
    expect(c.ch.waiting).toBeNull()
    c.tick(200)
    c.stdout(Buffer.concat([Buffer.from('Hello Bob\nAge? '), encodeFrame(4)]))
    expect(c.ch.waiting).toEqual({ prompt: 'Age? ' })
    expect(c.events).toEqual([
      { event: 'waiting', prompt: 'Name? ' },
      { event: 'sent', text: 'Bob\n' },
      { event: 'waiting', prompt: 'Age? ' },
    ])
    expect(c.out.join('')).toBe('line one\nName? Hello Bob\nAge? ')
  })

  it('keeps the prompt bounded and a forged prompt flood coalesced', () => {
    const c = channel()
    c.stdout(Buffer.concat([Buffer.from('é'.repeat(5000)), encodeFrame(0)]))
    expect(c.ch.waiting?.prompt.length).toBe(MAX_PROMPT_CHARS)
    expect(c.ch.waiting?.prompt).toBe('é'.repeat(MAX_PROMPT_CHARS))
    for (let i = 0; i < 1000; i++) c.stdout(Buffer.concat([Buffer.from(`\n${i}`), encodeFrame(0)]))
    expect(c.events.filter((e) => e.event === 'waiting').length).toBe(1)
    expect(c.ch.waiting).toEqual({ prompt: '999' })
    c.ch.close()
  })

  it('refuses input to a run that is not interactive, closed, over 1 MiB; eof ends the stream', () => {
    const batch = channel(false, 'x\n')
    batch.ch.attach(batch.stream)
    expect(batch.writes).toEqual(['x\n'])
    expect(batch.ended()).toBe(true)
    expect(() => batch.ch.send('y')).toThrow(StdinRefused)
    // Frames of a batch run are plain output.
    batch.stdout(encodeFrame(0))
    expect(batch.out.join('')).toBe(encodeFrame(0).toString())

    const c = channel()
    c.ch.send('early\n')
    expect(c.writes).toEqual([])
    c.ch.attach(c.stream)
    expect(c.writes).toEqual(['early\n'])
    expect(() => c.ch.send('x'.repeat(1024 * 1024))).toThrow(/limited to 1048576 bytes/)
    c.ch.eof()
    expect(c.ended()).toBe(true)
    expect(() => c.ch.send('more')).toThrow(StdinRefused)
    expect(c.ch.events.map((e) => e.kind)).toEqual(['data', 'eof'])
    c.stdout(encodeFrame(6))
    expect(c.ch.waiting).toBeNull()
  })
})
