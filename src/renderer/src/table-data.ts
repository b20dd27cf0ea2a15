/**
 * A whole CSV/TSV file for the full-size table viewer: parsed with papaparse in slices that give the
 * page back between them, then sorted and filtered through an index of row numbers (the rows never
 * move). Caps keep a hostile file bounded: bytes read, columns kept, characters per cell. Pure except
 * for the timer used to yield; driven by unit tests.
 */
import Papa from 'papaparse'

export const TABLE_LIMITS = {
  /** Bytes of the file parsed; the rest is left out and said. */
  bytes: 64 * 1024 * 1024,
  columns: 200,
  charsPerCell: 1_000,
  /** Bytes parsed between two yields to the page. */
  sliceBytes: 256 * 1024,
} as const

export interface TableData {
  header: string[]
  rows: string[][]
  /** The widest row's number of fields (before the column cap). */
  totalColumns: number
  /** Cells cut at `charsPerCell`. */
  longCells: number
}

/**
 * Parses `text` with papaparse's chunked reader (quoted newlines across chunks are its business),
 * pausing after each chunk so the page can paint; `onProgress` gets the rows parsed so far, and
 * `isCancelled` stops it early (the viewer was closed).
 */
export function parseTable(
  text: string,
  delimiter: ',' | '\t',
  options: {
    limits?: typeof TABLE_LIMITS
    onProgress?: (rows: number) => void
    isCancelled?: () => boolean
  } = {},
): Promise<TableData> {
  const limits = options.limits ?? TABLE_LIMITS
  const all: string[][] = []
  let totalColumns = 0
  let longCells = 0
  const done = (): TableData => {
    const [header = [], ...rows] = all
    return { header, rows, totalColumns, longCells }
  }
  return new Promise((resolve) => {
    Papa.parse<string[]>(text.replace(/\r\n?/g, '\n'), {
      delimiter,
      newline: '\n',
      skipEmptyLines: 'greedy',
      chunkSize: limits.sliceBytes,
      chunk: (results: Papa.ParseResult<string[]>, parser: Papa.Parser) => {
        for (const row of results.data) {
          totalColumns = Math.max(totalColumns, row.length)
          all.push(
            row.slice(0, limits.columns).map((cell: string) => {
              if (cell.length <= limits.charsPerCell) return cell
              longCells++
              return `${cell.slice(0, limits.charsPerCell)}…`
            }),
          )
        }
        options.onProgress?.(Math.max(0, all.length - 1))
        if (options.isCancelled?.()) {
          parser.abort()
          return
        }
        parser.pause()
        setTimeout(() => parser.resume(), 0)
      },
      complete: () => resolve(done()),
    })
  })
}

export interface TableView {
  sort: { column: number; descending: boolean } | null
  filter: { text: string; column: number | null }
}

/** A cell as a number when the whole cell is one (so "10" sorts after "9"), else null. */
function asNumber(cell: string): number | null {
  const t = cell.trim()
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null
  return Number(t)
}

/**
 * Row numbers in the order to show: filtered (case-insensitive substring, in one column or any),
 * then sorted (numbers before text, numbers by value, text by code point; stable).
 */
export function viewIndex(data: TableData, view: TableView): Uint32Array {
  const needle = view.filter.text.trim().toLowerCase()
  const { column } = view.filter
  const keep: number[] = []
  for (let i = 0; i < data.rows.length; i++) {
    if (needle === '') keep.push(i)
    else {
      const row = data.rows[i] ?? []
      const cells = column === null ? row : [row[column] ?? '']
      if (cells.some((c) => c.toLowerCase().includes(needle))) keep.push(i)
    }
  }
  if (view.sort) {
    const col = view.sort.column
    const sign = view.sort.descending ? -1 : 1
    const nums = new Map<number, number | null>()
    for (const i of keep) nums.set(i, asNumber(data.rows[i]?.[col] ?? ''))
    keep.sort((a, b) => {
      const na = nums.get(a) ?? null
      const nb = nums.get(b) ?? null
      let d: number
      if (na !== null && nb !== null) d = na - nb
      else if (na !== null) d = -1
      else if (nb !== null) d = 1
      else {
        const sa = data.rows[a]?.[col] ?? ''
        const sb = data.rows[b]?.[col] ?? ''
        d = sa < sb ? -1 : sa > sb ? 1 : 0
      }
      return d === 0 ? a - b : d * sign
    })
  }
  return Uint32Array.from(keep)
}
