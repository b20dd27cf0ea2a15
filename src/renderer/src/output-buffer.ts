/**
 * The output pane's lines: what a run printed, split into lines as it streams, with the streams kept
 * apart for styling. Live, the buffer is bounded: it keeps a head and a sliding tail and counts the
 * lines dropped between them (shown as one marker row), so a run printing millions of lines costs the
 * page the same as one printing thousands. Mutable on purpose — appending is the hot path — with a
 * `version` that changes on every change, for the view to know when to draw again. Pure: driven by
 * unit tests.
 */

export type SegmentKind = 'stdout' | 'stderr' | 'stdin' | 'note'

export interface Segment {
  kind: SegmentKind
  text: string
}

/** One row of the pane: a line (its segments, usually one) or the marker of lines not kept. */
export type Row = { line: Segment[] } | { gap: number }

export interface Bounds {
  headLines: number
  headChars: number
  tailLines: number
  tailChars: number
}

/** Live bounds: about 40 MB of strings at worst, a few thousand rows, whatever the run prints. */
export const LIVE_BOUNDS: Bounds = {
  headLines: 1_000,
  headChars: 2_000_000,
  tailLines: 5_000,
  tailChars: 4_000_000,
}
/** No bounds: the stored record is already capped (head + marker + tail) by the engine. */
export const NO_BOUNDS: Bounds = {
  headLines: Infinity,
  headChars: Infinity,
  tailLines: Infinity,
  tailChars: Infinity,
}
/** A line longer than this goes on over several rows, so one row never holds megabytes. */
export const MAX_ROW_CHARS = 4_000

/** The engine's marker where it cut the middle of a stream (see docs/run-contract.md, output). */
const TRUNCATION_MARKER = /^\[TRUNCATED: \d+ of \d+ bytes omitted/

export class OutputBuffer {
  private readonly head: Segment[][] = []
  private tail: Segment[][] = []
  private headChars = 0
  private tailChars = 0
  /** The line still being printed (no newline yet), or null when the last line is closed. */
  private open: { line: Segment[]; chars: number } | null = null
  /** The last line was ended for its length, not by a newline: the next newline ends nothing. */
  private wrapped = false
  /** Lines dropped between the head and the tail. */
  dropped = 0
  version = 0
  private cut: { version: number; row: number } | null = null

  constructor(private readonly bounds: Bounds = LIVE_BOUNDS) {}

  /** The record's output (stdout, then stderr), unbounded: a cut the engine made is a note row. */
  static ofRecord(stdout: string, stderr: string): OutputBuffer {
    const b = new OutputBuffer(NO_BOUNDS)
    b.appendRecordText('stdout', stdout)
    b.endLine()
    b.appendRecordText('stderr', stderr)
    return b
  }

  get rowCount(): number {
    return this.head.length + (this.dropped > 0 ? 1 : 0) + this.tail.length
  }

  row(i: number): Row {
    if (i < this.head.length) return { line: this.head[i] }
    if (this.dropped > 0) {
      if (i === this.head.length) return { gap: this.dropped }
      i--
    }
    return { line: this.tail[i - this.head.length] }
  }

  /** The first row holding a note that says where the engine cut the output, or -1. */
  cutRow(): number {
    if (this.cut?.version === this.version) return this.cut.row
    let row = -1
    for (let i = 0; i < this.rowCount && row < 0; i++) {
      const r = this.row(i)
      if ('line' in r && r.line[0]?.kind === 'note' && TRUNCATION_MARKER.test(r.line[0].text))
        row = i
    }
    this.cut = { version: this.version, row }
    return row
  }

  /** Appends printed text (any number of lines, the first continuing the open line). */
  append(kind: SegmentKind, text: string): void {
    if (!text) return
    let start = 0
    while (start <= text.length) {
      const nl = text.indexOf('\n', start)
      const end = nl < 0 ? text.length : nl
      if (end > start) this.appendToLine(kind, text.slice(start, end))
      if (nl < 0) break
      this.closeLine()
      start = nl + 1
    }
    this.version++
  }

  /** Ends the line being printed, if any (the next text starts a row of its own). */
  endLine(): void {
    if (this.open) this.closeLine()
  }

  /** A whole line of its own (the echo of what the user typed, a note), closing the open line first. */
  appendLine(kind: SegmentKind, text: string): void {
    this.endLine()
    this.append(kind, text.endsWith('\n') ? text : `${text}\n`)
  }

  private appendRecordText(kind: 'stdout' | 'stderr', text: string): void {
    for (const piece of text.split(/(?<=\n)/)) {
      const body = piece.endsWith('\n') ? piece.slice(0, -1) : piece
      if (!this.open && TRUNCATION_MARKER.test(body)) this.appendLine('note', body)
      else this.append(kind, piece)
    }
  }

  private appendToLine(kind: SegmentKind, text: string): void {
    while (text.length > 0) {
      if (!this.open) this.startLine()
      const open = this.open!
      const room = MAX_ROW_CHARS - open.chars
      const part = text.length > room ? text.slice(0, room) : text
      const last = open.line[open.line.length - 1]
      if (last && last.kind === kind) last.text += part
      else open.line.push({ kind, text: part })
      open.chars += part.length
      this.countChars(part.length)
      text = text.slice(part.length)
      if (open.chars >= MAX_ROW_CHARS) {
        this.open = null
        this.wrapped = true
      }
    }
  }

  /** Ends the open line; an empty one (a bare newline) stays as an empty row. */
  private closeLine(): void {
    if (!this.open && !this.wrapped) this.startLine()
    this.open = null
    this.wrapped = false
  }

  private startLine(): void {
    const line: Segment[] = []
    this.open = { line, chars: 0 }
    this.wrapped = false
    const b = this.bounds
    if (
      this.tail.length === 0 &&
      this.dropped === 0 &&
      this.head.length < b.headLines &&
      this.headChars < b.headChars
    ) {
      this.head.push(line)
      return
    }
    this.tail.push(line)
    // Trim in steps (down to the bound from twice it), so appending stays amortised O(1).
    if (this.tail.length > 2 * b.tailLines || this.tailChars > 2 * b.tailChars) this.trimTail()
  }

  private countChars(n: number): void {
    if (this.tail.length === 0 && this.dropped === 0) this.headChars += n
    else this.tailChars += n
  }

  private trimTail(): void {
    const b = this.bounds
    let drop = 0
    let chars = this.tailChars
    // Never drop the open line (the last one).
    while (
      drop < this.tail.length - 1 &&
      (this.tail.length - drop > b.tailLines || chars > b.tailChars)
    ) {
      for (const s of this.tail[drop]) chars -= s.text.length
      drop++
    }
    this.tail = this.tail.slice(drop)
    this.tailChars = chars
    this.dropped += drop
  }
}
