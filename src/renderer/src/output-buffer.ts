/**
 * The output pane's lines: what a run printed, split into lines as it streams, with the streams kept
 * apart for styling. Live, the buffer is bounded: it keeps a head and a sliding tail and counts the
 * lines dropped between them (shown as one marker row), so a run printing millions of lines costs the
 * page the same as one printing thousands. Mutable on purpose — appending is the hot path: one object
 * per line, lines of a chunk split natively, lines that would be dropped at once never made — with a
 * `version` that changes on every change, for the view to know when to draw again. Pure: driven by
 * unit tests.
 */

export type SegmentKind = 'stdout' | 'stderr' | 'stdin' | 'note'

export interface Segment {
  kind: SegmentKind
  text: string
}

/** A line: one segment (nearly always), or several when streams met on one line (a prompt + echo). */
type Line = Segment | Segment[]

/** One row of the pane: a line (its segments, usually one) or the marker of lines not kept. */
export type Row = { line: Segment[] } | { gap: number }

export interface Bounds {
  headLines: number
  headChars: number
  tailLines: number
  tailChars: number
}

/** Live bounds: some 20 MB of strings at worst, a few thousand rows, whatever the run prints. */
export const LIVE_BOUNDS: Bounds = {
  headLines: 1_000,
  headChars: 2_000_000,
  tailLines: 5_000,
  tailChars: 4_000_000,
}
/** A line longer than this goes on over several rows, so one row never holds megabytes. */
export const MAX_ROW_CHARS = 4_000

/** What the pane draws: the live buffer, or a finished run's record (see record-rows.ts). */
export interface OutputRows {
  readonly rowCount: number
  row(i: number): Row
  /** The row holding the note that says where the engine cut the output, or -1. */
  cutRow(): number
  /** Lines not kept between head and tail (0 when nothing was dropped). */
  readonly dropped: number
  readonly version: number
}

function lineChars(line: Line): number {
  if (!Array.isArray(line)) return line.text.length
  let n = 0
  for (const s of line) n += s.text.length
  return n
}

export class OutputBuffer implements OutputRows {
  private readonly head: Line[] = []
  private tail: Line[] = []
  private headChars = 0
  private tailChars = 0
  /** The last line is still being printed (no newline yet). */
  private open = false
  /** Lines dropped between the head and the tail. */
  dropped = 0
  version = 0

  constructor(private readonly bounds: Bounds = LIVE_BOUNDS) {}

  get rowCount(): number {
    return this.head.length + (this.dropped > 0 ? 1 : 0) + this.tail.length
  }

  row(i: number): Row {
    let line: Line
    if (i < this.head.length) line = this.head[i]
    else {
      if (this.dropped > 0) {
        if (i === this.head.length) return { gap: this.dropped }
        i--
      }
      line = this.tail[i - this.head.length]
    }
    return { line: Array.isArray(line) ? line : line.text ? [line] : [] }
  }

  /** Live lines hold no cut of the engine's (only a record does). */
  cutRow(): number {
    return -1
  }

  /** Appends printed text (any number of lines, the first continuing the open line). */
  append(kind: SegmentKind, text: string): void {
    if (!text) return
    const parts = text.split('\n')
    const last = parts.length - 1
    if (this.open) this.continueLine(kind, parts[0])
    else if (parts[0] || last > 0) {
      // A new line (a bare newline after a finished line is an empty row).
      this.pushLine(kind, parts[0])
      this.open = true
    }
    if (last === 0) {
      this.version++
      return
    }
    this.open = false
    // Whole lines that the tail would drop again before this call ends are only counted.
    let from = 1
    const room = this.bounds.tailLines
    if (this.headFull() && last - 1 > 2 * room) {
      const skip = last - 1 - room
      this.dropped += this.tail.length + skip
      this.tail = []
      this.tailChars = 0
      from += skip
    }
    for (let i = from; i < last; i++) this.pushLine(kind, parts[i])
    if (parts[last]) {
      this.pushLine(kind, parts[last])
      this.open = true
    }
    this.version++
  }

  /** Ends the line being printed, if any (the next text starts a row of its own). */
  endLine(): void {
    this.open = false
  }

  /** A whole line of its own (the echo of what the user typed, a note), closing the open line first. */
  appendLine(kind: SegmentKind, text: string): void {
    this.endLine()
    this.pushLine(kind, text)
    this.version++
  }

  private headFull(): boolean {
    const b = this.bounds
    return (
      this.tail.length > 0 ||
      this.dropped > 0 ||
      this.head.length >= b.headLines ||
      this.headChars >= b.headChars
    )
  }

  /** Adds `text` to the open line, going on over new rows past MAX_ROW_CHARS. */
  private continueLine(kind: SegmentKind, text: string): void {
    if (!text) return
    const lines = this.tail.length > 0 ? this.tail : this.head
    const line = lines[lines.length - 1]
    const room = MAX_ROW_CHARS - lineChars(line)
    if (room <= 0) {
      this.pushLine(kind, text)
      return
    }
    const part = text.length > room ? text.slice(0, room) : text
    const segs = Array.isArray(line) ? line : [line]
    const tailSeg = segs[segs.length - 1]
    if (tailSeg.kind === kind) tailSeg.text += part
    else segs.push({ kind, text: part })
    if (!Array.isArray(line)) lines[lines.length - 1] = segs.length === 1 ? segs[0] : segs
    this.countChars(part.length)
    if (part.length < text.length) this.pushLine(kind, text.slice(part.length))
  }

  /** A new line holding `text` (several rows if it is longer than a row holds). */
  private pushLine(kind: SegmentKind, text: string): void {
    for (let at = 0; at === 0 || at < text.length; at += MAX_ROW_CHARS) {
      const piece =
        at === 0 && text.length <= MAX_ROW_CHARS ? text : text.slice(at, at + MAX_ROW_CHARS)
      const line: Segment = { kind, text: piece }
      if (!this.headFull()) {
        this.head.push(line)
        this.headChars += piece.length
      } else {
        this.tail.push(line)
        this.tailChars += piece.length
        // Trim in steps (down to the bound from twice it), so appending stays amortised O(1).
        const b = this.bounds
        if (this.tail.length > 2 * b.tailLines || this.tailChars > 2 * b.tailChars) this.trimTail()
      }
    }
  }

  private countChars(n: number): void {
    if (this.tail.length > 0) this.tailChars += n
    else this.headChars += n
  }

  private trimTail(): void {
    const b = this.bounds
    let drop = 0
    let chars = this.tailChars
    // Never drop the last line (it may still be printing).
    while (
      drop < this.tail.length - 1 &&
      (this.tail.length - drop > b.tailLines || chars > b.tailChars)
    ) {
      chars -= lineChars(this.tail[drop])
      drop++
    }
    this.tail = this.tail.slice(drop)
    this.tailChars = chars
    this.dropped += drop
  }
}
