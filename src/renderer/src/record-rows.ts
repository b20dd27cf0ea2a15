/**
 * A finished run's output as its record holds it (stdout, then stderr; the engine already capped
 * each to head + marker + tail), as rows for the pane. Lazy: it keeps the text and where each row
 * starts and ends, and makes a row's segments only when the pane draws it, so a record of 150,000
 * lines is ready in a few milliseconds. The engine's cut marker is a note row. Pure: unit-tested.
 */
import { MAX_ROW_CHARS, type OutputRows, type Row, type SegmentKind } from './output-buffer'

/** The engine's marker where it cut the middle of a stream (see docs/run-contract.md, output). */
const TRUNCATION_MARKER = /^\[TRUNCATED: \d+ of \d+ bytes omitted[^\n]*$/m

interface Piece {
  kind: SegmentKind
  text: string
  /** Row i of the piece is text.slice(starts[i], ends[i]). */
  starts: number[]
  ends: number[]
}

/** A piece of text split into rows at newlines (and every MAX_ROW_CHARS of a longer line). */
function piece(kind: SegmentKind, text: string): Piece {
  const starts: number[] = []
  const ends: number[] = []
  let at = 0
  while (at < text.length) {
    const nl = text.indexOf('\n', at)
    const end = nl < 0 ? text.length : nl
    let s = at
    do {
      starts.push(s)
      ends.push(Math.min(end, s + MAX_ROW_CHARS))
      s += MAX_ROW_CHARS
    } while (s < end)
    at = end + 1
  }
  return { kind, text, starts, ends }
}

export class RecordRows implements OutputRows {
  readonly dropped = 0
  readonly version = 0
  readonly rowCount: number
  private readonly pieces: Piece[] = []
  private readonly cut: number

  constructor(stdout: string, stderr: string) {
    const m = TRUNCATION_MARKER.exec(stdout)
    if (m) {
      this.pieces.push(piece('stdout', stdout.slice(0, m.index)))
      this.pieces.push(piece('note', m[0]))
      this.pieces.push(piece('stdout', stdout.slice(m.index + m[0].length + 1)))
    } else this.pieces.push(piece('stdout', stdout))
    this.pieces.push(piece('stderr', stderr))
    this.rowCount = this.pieces.reduce((n, p) => n + p.starts.length, 0)
    this.cut = m ? this.pieces[0].starts.length : -1
  }

  row(i: number): Row {
    for (const p of this.pieces) {
      if (i < p.starts.length) {
        const text = p.text.slice(p.starts[i], p.ends[i])
        return { line: text ? [{ kind: p.kind, text }] : [] }
      }
      i -= p.starts.length
    }
    return { line: [] }
  }

  cutRow(): number {
    return this.cut
  }
}
