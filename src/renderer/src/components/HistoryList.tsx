import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useCallback, useEffect, useRef, useState, type JSX } from 'react'
import type { RunSummary } from '../../../shared/api'
import { HISTORY_SORTS, type HistorySort } from '../../../shared/history-order'
import { RUN_STATUSES } from '../../../shared/run'
import { formatBytes, formatDuration, formatTime } from '../format'
import { fileCountText, peakMemoryOf, type HistoryFilter } from '../history-rows'

const ROW_HEIGHT = 52
const OVERSCAN = 8
/** The next page is asked for when this many rows or fewer are left below the view. */
const PREFETCH_ROWS = 10

const SORT_LABELS: Record<HistorySort, string> = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  duration: 'Longest first',
  memory: 'Most memory first',
}

interface Props {
  runs: RunSummary[]
  total: number
  hasMore: boolean
  hiddenCount: number
  selectedId: string | null
  environments: string[]
  filter: HistoryFilter
  onFilter: (f: HistoryFilter) => void
  onClearFilter: () => void
  onLoadMore: () => void
  onOpen: (id: string) => void
  onRerun: (id: string) => void
  onFork: (id: string) => void
  onDelete: (id: string) => void
  /** Ctrl/Cmd-click of a second run: compare the selected run (a) with it (b). */
  onCompare?: (a: string, b: string) => void
}

/**
 * Run history: a virtualised list (only the rows in view are in the DOM) that loads its next page
 * when its end comes into view; search, filters, order, and a note when the filter hides new runs.
 */
export function HistoryList(props: Props): JSX.Element {
  const { runs, selectedId, hasMore, onLoadMore } = props
  const scrollRef = useRef<HTMLDivElement>(null)
  const [q, setQ] = useState(props.filter.q)
  const virtualizer = useVirtualizer({
    count: runs.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    // Before the list is measured: the window's height, so the first render already has rows (the
    // measurement after mount then trims them) instead of an empty list and a second render.
    initialRect: { width: 0, height: window.innerHeight },
  })
  const rows = virtualizer.getVirtualItems()
  const lastShown = rows.at(-1)?.index ?? -1

  // The query last sent: the box follows the filter only when something else changed it (the
  // hidden-runs note clears it), never undoing what is being typed.
  const sentQ = useRef(props.filter.q)
  useEffect(() => {
    if (props.filter.q === sentQ.current) return
    sentQ.current = props.filter.q
    setQ(props.filter.q)
  }, [props.filter.q])

  // Each keystroke searches at once: the history asks the server one query at a time, the newest
  // one when the previous answer arrives, so fast typing never builds a backlog.
  function search(value: string): void {
    setQ(value)
    sentQ.current = value
    props.onFilter({ ...props.filter, q: value })
  }

  useEffect(() => {
    if (hasMore && lastShown >= runs.length - PREFETCH_ROWS) onLoadMore()
  }, [hasMore, lastShown, runs.length, onLoadMore])

  const selectedIndex = runs.findIndex((r) => r.id === selectedId)

  /** What choosing a row does (click or arrow keys): open that run. */
  /** A click opens the run; with Ctrl/Cmd, it compares the shown run with it. */
  function choose(run: RunSummary, compare = false): void {
    if (compare && selectedId && selectedId !== run.id && props.onCompare)
      props.onCompare(selectedId, run.id)
    else props.onOpen(run.id)
  }

  // One stable handler for every row, so a row re-renders only when its own run changes.
  const chooseRef = useRef(choose)
  chooseRef.current = choose
  const onChoose = useCallback(
    (run: RunSummary, compare: boolean) => chooseRef.current(run, compare),
    [],
  )

  function onKeyDown(e: React.KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    e.preventDefault()
    const next = Math.min(
      runs.length - 1,
      Math.max(0, selectedIndex + (e.key === 'ArrowDown' ? 1 : -1)),
    )
    const run = runs[next]
    if (!run) return
    choose(run)
    virtualizer.scrollToIndex(next)
  }

  return (
    <section className="history" aria-label="Run history">
      <div className="history-filters">
        <input
          type="search"
          aria-label="Search history"
          placeholder="Search code, output, errors, ids…"
          value={q}
          onChange={(e) => search(e.target.value)}
        />
        <select
          aria-label="Filter by status"
          value={props.filter.status}
          onChange={(e) => props.onFilter({ ...props.filter, status: e.target.value })}
        >
          <option value="">All statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by environment"
          value={props.filter.environment}
          onChange={(e) => props.onFilter({ ...props.filter, environment: e.target.value })}
        >
          <option value="">All environments</option>
          {props.environments.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select
          className="history-sort"
          aria-label="Sort runs"
          value={props.filter.sort}
          onChange={(e) => props.onFilter({ ...props.filter, sort: e.target.value as HistorySort })}
        >
          {HISTORY_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      <p className="muted history-count" aria-live="polite">
        {props.total} run{props.total === 1 ? '' : 's'}
      </p>
      {props.hiddenCount > 0 && (
        <p className="history-hidden" role="status" aria-label="Runs hidden by the filter">
          {props.hiddenCount} new run{props.hiddenCount === 1 ? '' : 's'} hidden by the filter{' '}
          <button type="button" className="link" onClick={props.onClearFilter}>
            Clear filter
          </button>
        </p>
      )}
      <div
        className="history-viewport"
        ref={scrollRef}
        role="listbox"
        aria-label="Runs"
        aria-activedescendant={selectedId && selectedIndex >= 0 ? `run-${selectedId}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {rows.map((row) => (
            <HistoryRow
              key={runs[row.index].id}
              run={runs[row.index]}
              selected={runs[row.index].id === selectedId}
              top={row.start}
              onChoose={onChoose}
            />
          ))}
        </div>
      </div>
      {selectedId && runs.some((r) => r.id === selectedId) && (
        <div className="history-actions" role="toolbar" aria-label="Selected run">
          <span className="muted">Selected run</span>
          <button type="button" onClick={() => props.onRerun(selectedId)}>
            Rerun
          </button>
          <button type="button" onClick={() => props.onFork(selectedId)}>
            Fork
          </button>
          <button type="button" className="danger" onClick={() => props.onDelete(selectedId)}>
            Delete
          </button>
        </div>
      )}
    </section>
  )
}

interface RowProps {
  run: RunSummary
  selected: boolean
  top: number
  onChoose: (run: RunSummary, compare: boolean) => void
}

/** One run in the list (memoised: the app re-renders often, a row's run rarely changes). */
const HistoryRow = memo(function HistoryRow({ run: r, selected, top, onChoose }: RowProps) {
  const memory = peakMemoryOf(r)
  // From the run's summary (its record), not a request per row.
  const files = fileCountText(r)
  return (
    <div
      id={`run-${r.id}`}
      role="option"
      aria-selected={selected}
      className={`history-row${selected ? ' selected' : ''}`}
      style={{ top, height: ROW_HEIGHT }}
      onClick={(e) => onChoose(r, e.ctrlKey || e.metaKey)}
    >
      <span className={`dot status-${r.status}`} aria-hidden="true" />
      <div className="history-main">
        <span className="history-top">
          <code className="history-code">
            {r.codePreview.split('\n').find((l) => l.trim()) ?? ''}
          </code>
          {/* Beside the code, where the narrow sidebar never cuts it off. */}
          {files !== null && <span className="history-files">{files}</span>}
        </span>
        <span className="history-meta">
          <span className={`status-text status-${r.status}`}>{r.status}</span>
          {r.errorType && r.status === 'failed' ? ` (${r.errorType})` : ''} · {r.environment} ·{' '}
          {formatTime(r.createdAt)}
          {r.durationMs != null ? ` · ${formatDuration(r.durationMs)}` : ''}
          {memory != null ? ` · ${formatBytes(memory)}` : ''}
          {r.source === 'api' ? ' · API' : ''}
          {r.relationship ? ` · ${r.relationship}` : ''}
          {r.imported ? ' · imported' : ''}
        </span>
      </div>
    </div>
  )
})
