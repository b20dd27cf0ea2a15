import { useCallback, useEffect, useRef, useState } from 'react'
import type { Args, RunSummary } from '../../../shared/api'
import type { RunStatus } from '../../../shared/run'
import { client } from '../api/client'
import {
  arrivedFirstPage,
  HISTORY_PAGE,
  OPENING_FILTER,
  takeFirstPage,
  type HistoryPage,
} from '../history-first-page'
import {
  appendPage,
  drop,
  EMPTY_ROWS,
  isFiltered,
  latestWins,
  matchesLocally,
  NO_FILTER,
  throttle,
  upsert,
  type HistoryFilter,
  type Rows,
} from '../history-rows'

export type { HistoryFilter } from '../history-rows'

export interface HistoryState {
  items: RunSummary[]
  total: number
  hasMore: boolean
  /** New runs the filter hides (seen in events since the filter was set). */
  hiddenCount: number
  filter: HistoryFilter
  setFilter: (f: HistoryFilter) => void
  /** Clears search and filters (keeps the order). */
  clearFilter: () => void
  /** Loads the next page (the list calls it when its end comes into view). */
  loadMore: () => void
  refresh: () => Promise<void>
}

const PAGE = HISTORY_PAGE
/** The most often anything is fetched again because of events (a throttle, not a debounce). */
const EVENT_FETCH_MS = 500

function listArgs(filter: HistoryFilter): Omit<Args<'history:list'>, 'limit' | 'offset'> {
  return {
    sort: filter.sort,
    ...(filter.q ? { q: filter.q } : {}),
    ...(filter.status ? { status: filter.status as RunStatus } : {}),
    ...(filter.environment ? { environment: filter.environment } : {}),
  }
}

function rowsOf(page: HistoryPage | null): Rows {
  return page ? appendPage(EMPTY_ROWS, page.items, page.total, page.hasMore) : EMPTY_ROWS
}

/**
 * The run list: its first page at once, the next ones on demand; rows placed, updated and removed
 * in place from the run summaries events carry. Only a text search asks the server (throttled)
 * which new runs it matches.
 */
export function useHistory(report: (err: unknown) => void): HistoryState {
  // The first page asked for as the app started (see history-first-page.ts), when it is already here.
  const [rows, setRows] = useState<Rows>(() => rowsOf(arrivedFirstPage()))
  const [filter, setFilterState] = useState<HistoryFilter>(OPENING_FILTER)
  const filterRef = useRef(filter)
  const seqRef = useRef(0)
  const loadingRef = useRef(false)
  const rowsRef = useRef(rows)
  rowsRef.current = rows
  // The first page of a filter: one request out at a time, the newest filter's answer shown.
  const [firstPage] = useState(() =>
    latestWins((f: HistoryFilter) =>
      client.call('history:list', { ...listArgs(f), limit: PAGE, offset: 0 }),
    ),
  )

  const load = useCallback(
    async (f: HistoryFilter, early: Promise<HistoryPage> | null = null) => {
      const seq = ++seqRef.current
      loadingRef.current = true
      try {
        const page = await (early ?? firstPage(f))
        if (page === null || seq !== seqRef.current) return
        setRows(rowsOf(page))
      } finally {
        if (seq === seqRef.current) loadingRef.current = false
      }
    },
    [firstPage],
  )
  const refresh = useCallback(() => load(filterRef.current), [load])
  // The request goes out with the keystroke, not after the next render and paint.
  const setFilter = useCallback(
    (f: HistoryFilter) => {
      filterRef.current = f
      setFilterState(f)
      load(f).catch(report)
    },
    [load, report],
  )

  const loadMore = useCallback(() => {
    const current = rowsRef.current
    if (loadingRef.current || !current.hasMore) return
    const seq = seqRef.current
    loadingRef.current = true
    client
      .call('history:list', { ...listArgs(filter), limit: PAGE, offset: current.items.length })
      .then((page) => {
        if (seq !== seqRef.current) return
        setRows((r) => appendPage(r, page.items, page.total, page.hasMore))
      })
      .catch(report)
      .finally(() => {
        if (seq === seqRef.current) loadingRef.current = false
      })
  }, [filter, report])

  useEffect(() => {
    // The opening list's first page is the request sent as the app started, when nothing changed since.
    const early = filterRef.current === OPENING_FILTER ? takeFirstPage() : null
    load(filterRef.current, early).catch(report)
  }, [load, report])

  useEffect(() => {
    // Runs that changed while a text search is on: which of them it matches is the server's answer.
    const pending = new Map<string, RunSummary>()
    const check = throttle(() => {
      const runs = [...pending.values()]
      pending.clear()
      client
        .call('history:list', {
          ...listArgs(filter),
          ids: runs.map((r) => r.id),
          limit: runs.length,
          offset: 0,
        })
        .then((page) => {
          const matching = new Map(page.items.map((r) => [r.id, r]))
          setRows((rows) =>
            runs.reduce((acc, r) => {
              const hit = matching.get(r.id)
              return hit ? upsert(acc, hit, filter.sort) : drop(acc, r.id, true)
            }, rows),
          )
        })
        .catch(report)
    }, EVENT_FETCH_MS)
    const reload = throttle(() => void refresh().catch(report), EVENT_FETCH_MS)

    const off = client.subscribe((e) => {
      if (e.type === 'run.status') {
        setRows((h) =>
          h.items.some((r) => r.id === e.runId)
            ? {
                ...h,
                items: h.items.map((r) => (r.id === e.runId ? { ...r, status: e.status } : r)),
              }
            : h,
        )
      } else if (e.type === 'history.changed') {
        const run = e.summary
        if (run === undefined) reload()
        else if (run === null) setRows((h) => drop(h, e.runId, false))
        else if (!matchesLocally(run, filter)) setRows((h) => drop(h, run.id, true))
        else if (filter.q !== '' && pending.size < 200) {
          pending.set(run.id, run)
          check()
        } else if (filter.q !== '') reload()
        else setRows((h) => upsert(h, run, filter.sort))
      }
    })
    return () => {
      off()
      check.cancel()
      reload.cancel()
    }
  }, [filter, refresh, report])

  return {
    items: rows.items,
    total: rows.total,
    hasMore: rows.hasMore,
    hiddenCount: isFiltered(filter) ? rows.hidden.length : 0,
    filter,
    setFilter,
    clearFilter: () => setFilter({ ...NO_FILTER, sort: filter.sort }),
    loadMore,
    refresh,
  }
}
