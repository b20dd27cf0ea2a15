import { describe, it, expect } from 'vitest'
import {
  CappedCapture,
  StreamDecoder,
  utf8BoundaryAfter,
  utf8BoundaryBefore,
} from '../../src/main/engine/output-capture'

const MARKER = /\n\n\[TRUNCATED: (\d+) of (\d+) bytes omitted; output exceeded (\d+) bytes\]\n\n/

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function capture(cap: number, chunks: Buffer[]): CappedCapture {
  const c = new CappedCapture(cap)
  for (const chunk of chunks) c.push(chunk)
  return c
}

/** Splits `data` into pieces of random sizes between 1 and `max`. */
function randomChunks(data: Buffer, max: number, rand: () => number): Buffer[] {
  const out: Buffer[] = []
  let i = 0
  while (i < data.length) {
    const n = 1 + Math.floor(rand() * max)
    out.push(data.subarray(i, i + n))
    i += n
  }
  return out
}

function splitMarker(text: string): { head: string; tail: string; omitted: number; total: number } {
  const m = MARKER.exec(text)
  if (!m) throw new Error(`no truncation marker in ${JSON.stringify(text)}`)
  return {
    head: text.slice(0, m.index),
    tail: text.slice(m.index + m[0].length),
    omitted: Number(m[1]),
    total: Number(m[2]),
  }
}

describe('CappedCapture: kept bytes', () => {
  it('keeps everything, unmarked, when the stream is exactly the cap', () => {
    const c = capture(10, [Buffer.from('abcdefghij')])
    expect(c.text()).toBe('abcdefghij')
    expect(c.truncated).toBe(false)
    expect(c.totalBytes).toBe(10)
  })

  it('keeps everything under the cap across many pushes', () => {
    const c = capture(10, [Buffer.from('ab'), Buffer.from('cde'), Buffer.from('f')])
    expect(c.text()).toBe('abcdef')
    expect(c.truncated).toBe(false)
  })

  it('keeps exactly head and tail one byte over the cap, with counts in the marker', () => {
    const c = capture(10, [Buffer.from('abcdefghijk')])
    expect(c.truncated).toBe(true)
    expect(c.totalBytes).toBe(11)
    expect(c.text()).toBe(
      'abcde\n\n[TRUNCATED: 1 of 11 bytes omitted; output exceeded 10 bytes]\n\nghijk',
    )
  })

  it('gives the extra byte of an odd cap to the head', () => {
    const c = capture(7, [Buffer.from('0123456789')])
    const { head, tail, omitted, total } = splitMarker(c.text())
    expect(head).toBe('0123')
    expect(tail).toBe('789')
    expect(omitted).toBe(3)
    expect(total).toBe(10)
  })

  it('counts every byte of a huge stream while keeping at most the cap', () => {
    const c = new CappedCapture(1024)
    const chunk = Buffer.alloc(64 * 1024, 'x')
    for (let i = 0; i < 160; i++) c.push(chunk)
    expect(c.totalBytes).toBe(160 * 64 * 1024)
    const { head, tail, omitted } = splitMarker(c.text())
    expect(head.length + tail.length).toBe(1024)
    expect(omitted).toBe(160 * 64 * 1024 - 1024)
  })

  it('handles a cap of 0 and 1 without throwing', () => {
    const zero = capture(0, [Buffer.from('abc')])
    expect(splitMarker(zero.text())).toMatchObject({ head: '', tail: '', omitted: 3 })
    const one = capture(1, [Buffer.from('abc')])
    expect(splitMarker(one.text())).toMatchObject({ head: 'a', tail: '', omitted: 2 })
  })

  it('ignores empty pushes', () => {
    const c = capture(4, [Buffer.alloc(0), Buffer.from('ab'), Buffer.alloc(0)])
    expect(c.text()).toBe('ab')
    expect(c.totalBytes).toBe(2)
  })
})

describe('CappedCapture: ring buffer', () => {
  it('keeps the most recent bytes after the ring wraps, one byte at a time', () => {
    const c = new CappedCapture(8)
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') c.push(Buffer.from(ch))
    const { head, tail, omitted, total } = splitMarker(c.text())
    expect(head).toBe('abcd')
    expect(tail).toBe('wxyz')
    expect(omitted).toBe(18)
    expect(total).toBe(26)
  })

  it('wraps correctly with pushes that straddle the end of the ring', () => {
    // head 5 bytes, ring 4 bytes; pushes of 3 land across the ring's end repeatedly
    const c = new CappedCapture(9)
    const data = 'ABCD' + 'abcdefghijklmnopq'
    for (let i = 0; i < data.length; i += 3) c.push(Buffer.from(data.slice(i, i + 3)))
    const { head, tail } = splitMarker(c.text())
    expect(head).toBe('ABCDa')
    expect(tail).toBe('nopq')
  })

  it('gives the same text for one big push and many random small pushes', () => {
    const rand = prng(42)
    for (const cap of [1, 2, 3, 7, 16, 33, 100, 257]) {
      for (const len of [0, 1, cap - 1, cap, cap + 1, 2 * cap + 3, 10 * cap + 7]) {
        if (len < 0) continue
        const data = Buffer.from(
          Array.from({ length: len }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''),
        )
        const whole = capture(cap, [data]).text()
        for (const max of [1, 2, cap, cap + 5]) {
          expect(capture(cap, randomChunks(data, max, rand)).text()).toBe(whole)
        }
        // and against a reference model of head + tail
        const headCap = Math.ceil(cap / 2)
        const tailCap = cap - headCap
        if (len <= cap) expect(whole).toBe(data.toString())
        else {
          const parts = splitMarker(whole)
          expect(parts.head).toBe(data.subarray(0, headCap).toString())
          expect(parts.tail).toBe(data.subarray(len - tailCap).toString())
          expect(parts.omitted).toBe(len - cap)
        }
      }
    }
  })
})

describe('CappedCapture: UTF-8 at the cut points', () => {
  const samples = ['€', 'é', '😀', 'a€é😀中']

  it('never leaves a broken character at either cut, whatever the cap and alignment', () => {
    for (const unit of samples) {
      for (let prefix = 0; prefix < 4; prefix++) {
        const original = 'x'.repeat(prefix) + unit.repeat(12)
        const data = Buffer.from(original)
        for (let cap = 1; cap < data.length; cap++) {
          for (const chunks of [[data], randomChunks(data, 1, prng(cap))]) {
            const text = capture(cap, chunks).text()
            expect(text).not.toContain('\uFFFD')
            const { head, tail, omitted, total } = splitMarker(text)
            expect(original.startsWith(head)).toBe(true)
            expect(original.endsWith(tail)).toBe(true)
            expect(Buffer.byteLength(head)).toBeLessThanOrEqual(Math.ceil(cap / 2))
            expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(cap - Math.ceil(cap / 2))
            expect(omitted).toBe(total - Buffer.byteLength(head) - Buffer.byteLength(tail))
          }
        }
      }
    }
  })

  it('trims only the split character, not whole ones', () => {
    // 'ab€' = 61 62 E2 82 AC; head of 3 bytes cuts the euro sign after its lead byte
    const c = capture(6, [Buffer.from('ab€cdefg')])
    const { head, tail } = splitMarker(c.text())
    expect(head).toBe('ab')
    expect(tail).toBe('efg')
  })
})

describe('CappedCapture: binary input', () => {
  it('never throws on random bytes and NULs, and does not stop at NUL', () => {
    const rand = prng(7)
    const data = Buffer.from(Array.from({ length: 50_000 }, () => Math.floor(rand() * 256)))
    for (const cap of [0, 1, 100, 4096, 100_000]) {
      const c = capture(cap, randomChunks(data, 997, rand))
      expect(() => c.text()).not.toThrow()
      expect(c.totalBytes).toBe(50_000)
    }
    const nul = capture(64, [Buffer.from('before\0after')])
    expect(nul.text()).toBe('before\u0000after')
  })

  it('decodes invalid UTF-8 with replacement characters', () => {
    const c = capture(64, [Buffer.from([0x41, 0xff, 0xfe, 0x42])])
    expect(c.text()).toBe('A\uFFFD\uFFFDB')
  })
})

describe('utf8 boundary helpers', () => {
  const buf = Buffer.from('a€') // 61 E2 82 AC

  it('utf8BoundaryBefore steps back over a split character only', () => {
    expect(utf8BoundaryBefore(buf, 4)).toBe(4)
    expect(utf8BoundaryBefore(buf, 3)).toBe(1)
    expect(utf8BoundaryBefore(buf, 2)).toBe(1)
    expect(utf8BoundaryBefore(buf, 1)).toBe(1)
    expect(utf8BoundaryBefore(buf, 0)).toBe(0)
    const emoji = Buffer.from('😀') // F0 9F 98 80
    expect(utf8BoundaryBefore(emoji, 4)).toBe(4)
    expect(utf8BoundaryBefore(emoji, 3)).toBe(0)
    expect(utf8BoundaryBefore(Buffer.from([0xc3]), 1)).toBe(0)
  })

  it('utf8BoundaryBefore keeps a run of stray continuation bytes instead of looping', () => {
    expect(utf8BoundaryBefore(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), 6)).toBe(6)
    expect(utf8BoundaryBefore(Buffer.from([0x80, 0x80]), 2)).toBe(2)
  })

  it('utf8BoundaryAfter skips the continuation bytes of a split character', () => {
    expect(utf8BoundaryAfter(buf, 0)).toBe(0)
    expect(utf8BoundaryAfter(buf, 1)).toBe(1)
    expect(utf8BoundaryAfter(buf, 2)).toBe(4)
    expect(utf8BoundaryAfter(buf, 3)).toBe(4)
    expect(utf8BoundaryAfter(buf, 4)).toBe(4)
  })

  it('utf8BoundaryAfter skips at most 3 bytes of garbage', () => {
    expect(utf8BoundaryAfter(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x41]), 0)).toBe(3)
  })
})

describe('StreamDecoder', () => {
  it('never splits a character across writes', () => {
    const d = new StreamDecoder()
    const bytes = Buffer.from('€😀')
    const parts = Array.from(bytes).map((b) => d.write(Buffer.from([b])))
    expect(parts.join('') + d.end()).toBe('€😀')
    expect(parts.every((p) => !p.includes('\uFFFD'))).toBe(true)
    expect(parts[0]).toBe('')
    expect(parts[2]).toBe('€')
  })

  it('flushes an incomplete character at the end as a replacement', () => {
    const d = new StreamDecoder()
    expect(d.write(Buffer.from([0x41, 0xe2, 0x82]))).toBe('A')
    expect(d.end()).toBe('\uFFFD')
  })

  it('does not throw on binary input and keeps NULs', () => {
    const d = new StreamDecoder()
    const rand = prng(3)
    for (let i = 0; i < 100; i++) {
      const chunk = Buffer.from(Array.from({ length: 97 }, () => Math.floor(rand() * 256)))
      expect(() => d.write(chunk)).not.toThrow()
    }
    expect(() => d.end()).not.toThrow()
    const n = new StreamDecoder()
    expect(n.write(Buffer.from('a\0b')) + n.end()).toBe('a\u0000b')
  })
})
