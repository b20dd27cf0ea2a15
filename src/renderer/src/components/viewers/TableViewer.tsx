import { useVirtualizer } from '@tanstack/react-virtual'
import { useDeferredValue, useEffect, useMemo, useRef, useState, type JSX } from 'react'
import { errorMessage, formatBytes, formatCount } from '../../format'
import {
  parseTable,
  TABLE_LIMITS,
  viewIndex,
  type TableData,
  type TableView,
} from '../../table-data'
import { readHead } from '../../read-head'

const ROW_HEIGHT = 26

/** One width per column for every row (rows are separate grids): from the header and a sample. */
function columnTemplate(data: TableData, columns: number): string {
  const widths: number[] = []
  for (let c = 0; c < columns; c++) {
    let w = (data.header[c] ?? '').length + 3
    for (let r = 0; r < Math.min(data.rows.length, 500); r++)
      w = Math.max(w, (data.rows[r]?.[c] ?? '').length)
    widths.push(Math.min(40, Math.max(6, w + 3)))
  }
  const numberWidth = String(data.rows.length).length + 1
  return [numberWidth, ...widths].map((w) => `calc(${w}ch + 18px)`).join(' ')
}

/**
 * A whole CSV/TSV file: every row counted, sortable by any column (click its header), filtered by
 * text in one column or all, and virtualised so 100,000 rows scroll as smoothly as 10.
 */
export function TableViewer(props: {
  url: string
  name: string
  sizeBytes: number
  delimiter: ',' | '\t'
}): JSX.Element {
  const { url, name, sizeBytes, delimiter } = props
  const [data, setData] = useState<TableData | null>(null)
  const [progress, setProgress] = useState(0)
  const [error, setError] = useState<string | null>(null)
  const [sort, setSort] = useState<TableView['sort']>(null)
  const [filterText, setFilterText] = useState('')
  const [filterColumn, setFilterColumn] = useState<number | null>(null)
  const deferredFilter = useDeferredValue(filterText)
  const scroller = useRef<HTMLDivElement | null>(null)

  useEffect(() => {
    let live = true
    readHead(url, TABLE_LIMITS.bytes)
      .then((text) =>
        parseTable(text, delimiter, {
          onProgress: (n) => live && setProgress(n),
          isCancelled: () => !live,
        }),
      )
      .then(
        (t) => live && setData(t),
        (err: unknown) => live && setError(errorMessage(err)),
      )
    return () => {
      live = false
    }
  }, [url, delimiter])

  const index = useMemo(
    () =>
      data
        ? viewIndex(data, { sort, filter: { text: deferredFilter, column: filterColumn } })
        : new Uint32Array(),
    [data, sort, deferredFilter, filterColumn],
  )
  const virtual = useVirtualizer({
    count: index.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })

  if (error)
    return (
      <p role="alert">
        Could not load {name}: {error}
      </p>
    )
  if (!data)
    return (
      <p role="status">
        Reading {name}… {formatCount(progress)} rows
      </p>
    )
  const cut: string[] = []
  if (sizeBytes > TABLE_LIMITS.bytes)
    cut.push(`first ${formatBytes(TABLE_LIMITS.bytes)} of ${formatBytes(sizeBytes)} read`)
  if (data.totalColumns > data.header.length)
    cut.push(`${formatCount(data.header.length)} of ${formatCount(data.totalColumns)} columns`)
  if (data.longCells > 0)
    cut.push(
      `${formatCount(data.longCells)} long cells cut at ${formatCount(TABLE_LIMITS.charsPerCell)} characters`,
    )
  const columns = Math.max(data.header.length, 1)
  const template = columnTemplate(data, columns)
  const toggleSort = (column: number): void =>
    setSort((s) =>
      s?.column !== column
        ? { column, descending: false }
        : s.descending
          ? null
          : { column, descending: true },
    )
  return (
    <div className="table-viewer">
      <div className="viewer-tools">
        <p className="table-count" role="status">
          {index.length === data.rows.length
            ? `${formatCount(data.rows.length)} rows`
            : `${formatCount(index.length)} of ${formatCount(data.rows.length)} rows`}{' '}
          · {formatCount(data.totalColumns)} columns
        </p>
        <label>
          Filter{' '}
          <input
            type="search"
            value={filterText}
            onChange={(e) => setFilterText(e.target.value)}
            placeholder="text in a cell…"
          />
        </label>
        <label>
          in{' '}
          <select
            value={filterColumn ?? ''}
            onChange={(e) => setFilterColumn(e.target.value === '' ? null : Number(e.target.value))}
          >
            <option value="">every column</option>
            {data.header.map((h, i) => (
              <option key={i} value={i}>
                {h || `column ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {cut.length > 0 && (
        <p className="muted cut-notice" role="note">
          {cut.join(' · ')}
        </p>
      )}
      <div
        ref={scroller}
        className="table-viewer-grid"
        role="grid"
        aria-label={`Table ${name}`}
        aria-rowcount={index.length + 1}
        aria-colcount={columns + 1}
        tabIndex={0}
      >
        <div
          className="tv-row tv-head"
          role="row"
          aria-rowindex={1}
          style={{ gridTemplateColumns: template }}
        >
          <span role="columnheader" className="tv-num">
            #
          </span>
          {data.header.map((h, i) => {
            const state =
              sort?.column === i ? (sort.descending ? 'descending' : 'ascending') : 'none'
            return (
              <span key={i} role="columnheader" aria-sort={state}>
                <button type="button" onClick={() => toggleSort(i)} title={`Sort by ${h}`}>
                  {h || `column ${i + 1}`}
                  {state === 'ascending' ? ' ▲' : state === 'descending' ? ' ▼' : ''}
                </button>
              </span>
            )
          })}
        </div>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((v) => {
            const rowNumber = index[v.index] ?? 0
            const row = data.rows[rowNumber] ?? []
            return (
              <div
                key={v.key}
                role="row"
                aria-rowindex={v.index + 2}
                className="tv-row"
                style={{
                  gridTemplateColumns: template,
                  transform: `translateY(${v.start}px)`,
                  height: ROW_HEIGHT,
                }}
              >
                <span role="rowheader" className="tv-num">
                  {rowNumber + 1}
                </span>
                {Array.from({ length: columns }, (_, c) => (
                  <span key={c} role="gridcell">
                    {row[c] ?? ''}
                  </span>
                ))}
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}
