// The history list's rows as plain data: where a run from an event goes, and which filter hides it.
import type { HistorySort, RunSummary } from '../../shared/api'
import { historyOrder } from '../../shared/history-order'

export interface HistoryFilter {
  q: string
  status: string
  environment: string
  sort: HistorySort
}

export const NO_FILTER: Omit<HistoryFilter, 'sort'> = { q: '', status: '', environment: '' }

export interface Rows {
  items: RunSummary[]
  /** Runs matching the filter on the server (loaded or not). */
  total: number
  hasMore: boolean
  /** New runs (seen in events) that the filter hides. */
  hidden: string[]
}

export const EMPTY_ROWS: Rows = { items: [], total: 0, hasMore: false, hidden: [] }

/** Peak memory of a run when its summary has it. */
export function peakMemoryOf(run: RunSummary): number | null {
  return run.peakMemoryBytes
}

/** "3 files, 1 input file": what the run wrote to /output and was given in /input; null for none. */
export function fileCountText(run: RunSummary): string | null {
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`
  const parts = [
    run.artifactCount ? count(run.artifactCount, 'file') : null,
    run.inputFileCount ? count(run.inputFileCount, 'input file') : null,
  ].filter((p) => p !== null)
  return parts.length > 0 ? parts.join(', ') : null
}

export function isFiltered(filter: HistoryFilter): boolean {
  return filter.q !== '' || filter.status !== '' || filter.environment !== ''
}

/** The filter's status and environment parts (a text query needs the server's index). */
export function matchesLocally(run: RunSummary, filter: HistoryFilter): boolean {
  return (
    (filter.status === '' || run.status === filter.status) &&
    (filter.environment === '' || run.environment === filter.environment)
  )
}

/**
 * Puts a run the filter shows where the order has it: replaces its row, or inserts it (counted in
 * the total). A new run that sorts after the loaded rows while more are to come is only counted:
 * its page brings it.
 */
export function upsert(rows: Rows, run: RunSummary, sort: HistorySort): Rows {
  const hidden = rows.hidden.filter((id) => id !== run.id)
  const known = rows.items.some((r) => r.id === run.id)
  const others = known ? rows.items.filter((r) => r.id !== run.id) : rows.items
  const order = historyOrder<RunSummary>(sort, peakMemoryOf)
  let at = others.findIndex((r) => order(run, r) < 0)
  if (at < 0) at = rows.hasMore ? -1 : others.length
  const items = at < 0 ? others : [...others.slice(0, at), run, ...others.slice(at)]
  return { ...rows, items, hidden, total: rows.total + (known ? 0 : 1) }
}

/**
 * Takes a run out of the rows (deleted, or no longer matching). With `hide`, a run that was not
 * shown counts as hidden by the filter (a shown run that stops matching just leaves).
 */
export function drop(rows: Rows, id: string, hide: boolean): Rows {
  const known = rows.items.some((r) => r.id === id)
  const hidden = rows.hidden.filter((h) => h !== id)
  if (hide && (!known || rows.hidden.includes(id))) hidden.push(id)
  return {
    ...rows,
    items: known ? rows.items.filter((r) => r.id !== id) : rows.items,
    total: rows.total - (known ? 1 : 0),
    hidden,
  }
}

/** Appends a page, leaving out rows already shown (events may have placed them). */
export function appendPage(rows: Rows, page: RunSummary[], total: number, hasMore: boolean): Rows {
  const seen = new Set(rows.items.map((r) => r.id))
  return { ...rows, items: [...rows.items, ...page.filter((r) => !seen.has(r.id))], total, hasMore }
}

/**
 * Calls `fn` at most once per `ms`: at once when idle, else once at the end of the interval (a
 * burst of calls never postpones it, unlike a debounce).
 */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  let last = -Infinity
  const call = (): void => {
    if (timer !== undefined) return
    const wait = last + ms - Date.now()
    if (wait <= 0) {
      last = Date.now()
      fn()
      return
    }
    timer = setTimeout(() => {
      timer = undefined
      last = Date.now()
      fn()
    }, wait)
  }
  call.cancel = (): void => {
    clearTimeout(timer)
    timer = undefined
  }
  return call
}

/**
 * One request at a time, the latest ask wins: asking while a request is out queues the ask (and
 * replaces any ask queued before it, which resolves `null`). A request that a newer ask superseded
 * while it was out also resolves `null`. So fast typing sends the first and the last query, never
 * a backlog, and no answer to an older query is ever shown over a newer one.
 */
export function latestWins<A, R>(fetch: (arg: A) => Promise<R>): (arg: A) => Promise<R | null> {
  interface Ask {
    arg: A
    resolve: (value: R | null) => void
    reject: (err: unknown) => void
  }
  let busy = false
  let next: Ask | null = null
  const settle = (done: () => void): void => {
    busy = false
    done()
    const queued = next
    next = null
    if (queued) start(queued)
  }
  const start = (ask: Ask): void => {
    busy = true
    fetch(ask.arg).then(
      (value) => settle(() => ask.resolve(next ? null : value)),
      (err: unknown) => settle(() => (next ? ask.resolve(null) : ask.reject(err))),
    )
  }
  return (arg) =>
    new Promise<R | null>((resolve, reject) => {
      const ask = { arg, resolve, reject }
      if (!busy) return start(ask)
      next?.resolve(null)
      next = ask
    })
}
