import type { JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import { formatBytes } from '../format'
import type { HistoryState } from '../hooks/useHistory'
import { HistoryList } from './HistoryList'

interface Props {
  history: HistoryState
  environments: string[]
  selectedId: string | null
  detail: RunDetail | null
  onOpen: (id: string) => void
  onRerun: (id: string) => void
  onFork: (id: string) => void
  onDelete: (id: string) => void
  onReveal: (id: string) => void
  onCompare?: (a: string, b: string) => void
}

/** History, and where the shown run's files are. */
export function Sidebar(props: Props): JSX.Element {
  const { history, detail } = props
  return (
    <aside className="sidebar">
      <HistoryList
        runs={history.items}
        total={history.total}
        hasMore={history.hasMore}
        hiddenCount={history.hiddenCount}
        selectedId={props.selectedId}
        environments={props.environments}
        filter={history.filter}
        onFilter={history.setFilter}
        onClearFilter={history.clearFilter}
        onLoadMore={history.loadMore}
        onOpen={props.onOpen}
        onRerun={props.onRerun}
        onFork={props.onFork}
        onDelete={props.onDelete}
        onCompare={props.onCompare}
      />
      {detail && (
        <p className="muted folder-hint">
          Run <code>{detail.id.slice(0, 13)}</code> · {detail.artifacts.length} files ·{' '}
          {formatBytes(detail.artifacts.reduce((a, b) => a + b.sizeBytes, 0))} ·{' '}
          <button type="button" className="link" onClick={() => props.onReveal(detail.id)}>
            Show folder
          </button>
        </p>
      )}
    </aside>
  )
}
