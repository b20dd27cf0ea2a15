/**
 * The read-request frame of an interactive run (see docs/security.md, 'Standard input'). The
 * stdin wrapper installed in the script's interpreter writes it on stdout, right after flushing
 * what the script printed, each time a read of stdin is about to block:
 *
 *     \0TAKO-STDIN:<n>\n        n = bytes of stdin the wrapper has consumed so far (decimal)
 *
 * The script can write the same bytes itself; that only makes its own run say it waits (see
 * StdinChannel). The parser takes the frames out of the run's stdout, keeps everything else byte for
 * byte, and holds back at most one frame's length across chunk boundaries.
 */
export const FRAME_PREFIX = Buffer.from('\u0000TAKO-STDIN:', 'latin1')
const NEWLINE = 0x0a
/** Digits of a frame's count; more is not a frame. */
const MAX_DIGITS = 15
/** The longest frame: prefix, digits and the newline. */
export const MAX_FRAME_BYTES = FRAME_PREFIX.length + MAX_DIGITS + 1

export function encodeFrame(consumed: number): Buffer {
  return Buffer.concat([FRAME_PREFIX, Buffer.from(`${consumed}\n`, 'latin1')])
}

export interface ParsedChunk {
  /** The bytes that are the script's output, frames removed. */
  text: Buffer
  /** The counts of the frames found, in order. */
  frames: number[]
  /** Bytes the frames took (they count toward the run's output ceiling). */
  frameBytes: number
}

type Match = { kind: 'frame'; end: number; consumed: number } | { kind: 'partial' } | null

/** A frame starting at `at` in `buf`, a frame cut off by the end of `buf`, or null. */
function matchAt(buf: Buffer, at: number): Match {
  const prefixEnd = at + FRAME_PREFIX.length
  for (let i = at; i < Math.min(prefixEnd, buf.length); i++) {
    if (buf[i] !== FRAME_PREFIX[i - at]) return null
  }
  if (buf.length < prefixEnd) return { kind: 'partial' }
  let i = prefixEnd
  while (i < buf.length && i - prefixEnd < MAX_DIGITS && buf[i] >= 0x30 && buf[i] <= 0x39) i++
  if (i === buf.length) return i - prefixEnd < MAX_DIGITS ? { kind: 'partial' } : null
  if (buf[i] !== NEWLINE || i === prefixEnd) return null
  return {
    kind: 'frame',
    end: i + 1,
    consumed: Number(buf.toString('latin1', prefixEnd, i)),
  }
}

/** Takes read-request frames out of one run's stdout, chunk by chunk. */
export class StdinFrameParser {
  private held: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): ParsedChunk {
    const buf = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk
    this.held = Buffer.alloc(0)
    const parts: Buffer[] = []
    const frames: number[] = []
    let frameBytes = 0
    let from = 0
    let at = buf.indexOf(0, from)
    while (at >= 0) {
      const m = matchAt(buf, at)
      if (m?.kind === 'partial') {
        parts.push(buf.subarray(from, at))
        this.held = Buffer.from(buf.subarray(at))
        from = buf.length
        break
      }
      if (m?.kind === 'frame') {
        parts.push(buf.subarray(from, at))
        frames.push(m.consumed)
        frameBytes += m.end - at
        from = m.end
        at = buf.indexOf(0, from)
      } else {
        at = buf.indexOf(0, at + 1)
      }
    }
    if (from < buf.length) parts.push(buf.subarray(from))
    const text = parts.length === 1 ? parts[0] : Buffer.concat(parts)
    return { text, frames, frameBytes }
  }

  /** The stream ended: a frame cut off at the end was output after all. */
  end(): Buffer {
    const rest = this.held
    this.held = Buffer.alloc(0)
    return rest
  }
}
