import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunSummary } from '../../../shared/api'
import type { RunStatus } from '../../../shared/run'
import { client } from '../api/client'

export interface HistoryFilter {
  q: string
  status: string
  environment: string
}

export interface HistoryState {
  items: RunSummary[]
  total: number
  filter: HistoryFilter
  setFilter: (f: HistoryFilter) => void
  refresh: () => Promise<void>
}

const PAGE = 1000
/** History events come in bursts (API floods): one reload after the burst. */
const REFRESH_DELAY_MS = 150

/** The run list: loaded page by page, refreshed after history events, statuses updated in place. */
export function useHistory(report: (err: unknown) => void): HistoryState {
  const [list, setList] = useState<{ items: RunSummary[]; total: number }>({
    items: [],
    total: 0,
  })
  const [filter, setFilter] = useState<HistoryFilter>({ q: '', status: '', environment: '' })
  const seqRef = useRef(0)

  const refresh = useCallback(async () => {
    // The first page is shown at once; the rest follows. A newer refresh supersedes an older one.
    const seq = ++seqRef.current
    const items: RunSummary[] = []
    for (let offset = 0; offset < 100_000; offset += PAGE) {
      const page = await client.call('history:list', {
        limit: PAGE,
        offset,
        ...(filter.q ? { q: filter.q } : {}),
        ...(filter.status ? { status: filter.status as RunStatus } : {}),
        ...(filter.environment ? { environment: filter.environment } : {}),
      })
      if (seq !== seqRef.current) return
      items.push(...page.items)
      setList({ items: [...items], total: page.total })
      if (!page.hasMore) break
    }
  }, [filter])

  useEffect(() => {
    refresh().catch(report)
  }, [refresh, report])

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const off = client.subscribe((e) => {
      if (e.type === 'history.changed') {
        clearTimeout(timer)
        timer = setTimeout(() => void refresh().catch(report), REFRESH_DELAY_MS)
      } else if (e.type === 'run.status') {
        // The row follows at once; the refresh after the burst brings the rest.
        setList((h) =>
          h.items.some((r) => r.id === e.runId)
            ? {
                ...h,
                items: h.items.map((r) => (r.id === e.runId ? { ...r, status: e.status } : r)),
              }
            : h,
        )
      }
    })
    return () => {
      clearTimeout(timer)
      off()
    }
  }, [refresh, report])

  return { items: list.items, total: list.total, filter, setFilter, refresh }
}
