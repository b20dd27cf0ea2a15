/**
 * What a preview renders at most, and the cutting itself: a run's file can be anything (1 MiB of
 * newlines, one row of a million columns), and a preview must never freeze the page. Every cut is
 * said in words under the preview. Pure: driven by unit tests.
 */
import Papa from 'papaparse'
import { formatBytes, formatCount } from './format'

export const PREVIEW_LIMITS = {
  /** Bytes read from the file for a text, table or JSON preview. */
  bytes: 1024 * 1024,
  lines: 2_000,
  charsPerLine: 2_000,
  rows: 1_000,
  columns: 50,
  charsPerCell: 200,
} as const

export type PreviewLimits = Record<keyof typeof PREVIEW_LIMITS, number>

function lineCount(text: string): number {
  let n = 1
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

function clip(s: string, max: number): { text: string; cut: boolean } {
  return s.length > max ? { text: `${s.slice(0, max)}…`, cut: true } : { text: s, cut: false }
}

export interface TextCut {
  lines: string[]
  totalLines: number
  /** Lines shown cut at `charsPerLine`. */
  longLines: number
}

/** The first lines of a text, each cut to a length; the total counted without splitting it all. */
export function cutText(text: string, limits: PreviewLimits = PREVIEW_LIMITS): TextCut {
  const lines: string[] = []
  let longLines = 0
  let start = 0
  while (lines.length < limits.lines && start <= text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const line = clip(
      text.slice(start, Math.min(end, start + limits.charsPerLine + 1)),
      limits.charsPerLine,
    )
    if (line.cut) longLines++
    lines.push(line.text)
    start = end + 1
  }
  return { lines, totalLines: lineCount(text), longLines }
}

export interface TableCut {
  header: string[]
  rows: string[][]
  /** Rows after the header in the text read (all of them are counted, few are kept). */
  totalRows: number
  /** The widest row's number of fields. */
  totalColumns: number
  shownColumns: number
  longCells: number
}

/** A CSV/TSV read with papaparse, keeping at most `rows` rows and `columns` columns of each. */
export function cutTable(
  text: string,
  delimiter: ',' | '\t',
  limits: PreviewLimits = PREVIEW_LIMITS,
): TableCut {
  const kept: string[][] = []
  let seen = 0
  let totalColumns = 0
  let longCells = 0
  // Files mix line endings (CRLF rows after an LF header); papaparse takes one, so make it one.
  Papa.parse<string[]>(text.replace(/\r\n?/g, '\n'), {
    delimiter,
    newline: '\n',
    skipEmptyLines: 'greedy',
    step: (result) => {
      const row = result.data
      seen++
      totalColumns = Math.max(totalColumns, row.length)
      if (kept.length > limits.rows) return
      kept.push(
        row.slice(0, limits.columns).map((cell) => {
          const c = clip(cell, limits.charsPerCell)
          if (c.cut) longCells++
          return c.text
        }),
      )
    },
  })
  const [header = [], ...rows] = kept
  return {
    header,
    rows,
    totalRows: Math.max(0, seen - 1),
    totalColumns,
    shownColumns: Math.min(totalColumns, limits.columns),
    longCells,
  }
}

/** What was cut, in words ("Showing 2,000 of 1,048,577 lines · first 1.0 MiB of 6.7 MiB"); null if nothing. */
export function describeCut(parts: {
  shown?: number
  total?: number
  unit?: string
  columns?: { shown: number; total: number }
  long?: { count: number; unit: string; max: number }
  bytes?: { read: number; size: number }
}): string | null {
  const out: string[] = []
  if (parts.shown !== undefined && parts.total !== undefined && parts.total > parts.shown)
    out.push(`Showing ${formatCount(parts.shown)} of ${formatCount(parts.total)} ${parts.unit}`)
  if (parts.columns && parts.columns.total > parts.columns.shown)
    out.push(`${formatCount(parts.columns.shown)} of ${formatCount(parts.columns.total)} columns`)
  if (parts.long && parts.long.count > 0)
    out.push(
      `${formatCount(parts.long.count)} ${parts.long.count === 1 ? parts.long.unit.replace(/s$/, '') : parts.long.unit} cut at ${formatCount(parts.long.max)} characters`,
    )
  if (parts.bytes && parts.bytes.size > parts.bytes.read)
    out.push(`first ${formatBytes(parts.bytes.read)} of ${formatBytes(parts.bytes.size)} read`)
  return out.length ? out.join(' · ') : null
}
