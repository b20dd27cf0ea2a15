import { useEffect, useState, type JSX } from 'react'
import type { RunSummary } from '../../../shared/api'
import { RUN_STATUSES } from '../../../shared/run'
import { useViewport } from '../hooks/useViewport'
import { formatDuration, formatTime } from '../format'

const ROW_HEIGHT = 52
const OVERSCAN = 8

interface Props {
  runs: RunSummary[]
  total: number
  selectedId: string | null
  environments: string[]
  filter: { q: string; status: string; environment: string }
  onFilter: (f: { q: string; status: string; environment: string }) => void
  onOpen: (id: string) => void
  onRerun: (id: string) => void
  onFork: (id: string) => void
  onDelete: (id: string) => void
  /** Ctrl/Cmd-click of a second run: compare the selected run (a) with it (b). */
  onCompare?: (a: string, b: string) => void
}

/** Run history: a virtualised list (only visible rows are in the DOM), search and filters. */
export function HistoryList(props: Props): JSX.Element {
  const { runs, selectedId } = props
  const viewport = useViewport(400)
  const [q, setQ] = useState(props.filter.q)

  // Debounced search over code.
  useEffect(() => {
    const t = setTimeout(() => {
      if (q !== props.filter.q) props.onFilter({ ...props.filter, q })
    }, 40)
    return () => clearTimeout(t)
  }, [q, props])

  const { first, last } = viewport.rows(runs.length, ROW_HEIGHT, OVERSCAN)
  const selectedIndex = runs.findIndex((r) => r.id === selectedId)

  function onKeyDown(e: React.KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    e.preventDefault()
    const next = Math.min(
      runs.length - 1,
      Math.max(0, selectedIndex + (e.key === 'ArrowDown' ? 1 : -1)),
    )
    const run = runs[next]
    if (!run) return
    props.onOpen(run.id)
    const el = viewport.ref.current
    if (el) {
      const top = next * ROW_HEIGHT
      if (top < el.scrollTop) el.scrollTop = top
      else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
        el.scrollTop = top + ROW_HEIGHT - el.clientHeight
    }
  }

  return (
    <section className="history" aria-label="Run history">
      <div className="history-filters">
        <input
          type="search"
          aria-label="Search code in history"
          placeholder="Search code…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
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
      </div>
      <p className="muted history-count" aria-live="polite">
        {props.total} run{props.total === 1 ? '' : 's'}
      </p>
      <div
        className="history-viewport"
        ref={viewport.ref}
        role="listbox"
        aria-label="Runs"
        aria-activedescendant={selectedId ? `run-${selectedId}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={viewport.onScroll}
      >
        <div style={{ height: runs.length * ROW_HEIGHT, position: 'relative' }}>
          {runs.slice(first, last).map((r, i) => {
            const index = first + i
            const selected = r.id === selectedId
            return (
              <div
                key={r.id}
                id={`run-${r.id}`}
                role="option"
                aria-selected={selected}
                className={`history-row${selected ? ' selected' : ''}`}
                style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT }}
                onClick={(e) => {
                  if (
                    (e.ctrlKey || e.metaKey) &&
                    selectedId &&
                    selectedId !== r.id &&
                    props.onCompare
                  )
                    props.onCompare(selectedId, r.id)
                  else props.onOpen(r.id)
                }}
              >
                <span className={`dot status-${r.status}`} aria-hidden="true" />
                <div className="history-main">
                  <code className="history-code">
                    {r.codePreview.split('\n').find((l) => l.trim()) ?? ''}
                  </code>
                  <span className="history-meta">
                    <span className={`status-text status-${r.status}`}>{r.status}</span>
                    {r.errorType && r.status === 'failed' ? ` (${r.errorType})` : ''} ·{' '}
                    {r.environment} · {formatTime(r.createdAt)}
                    {r.durationMs != null ? ` · ${formatDuration(r.durationMs)}` : ''}
                    {r.source === 'api' ? ' · API' : ''}
                    {r.relationship ? ` · ${r.relationship}` : ''}
                    {r.imported ? ' · imported' : ''}
                  </span>
                </div>
              </div>
            )
          })}
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
