// The history's first page, asked for as soon as the app's code runs: before React's first render
// and the editors' set-up, which took ≈250 ms before the request used to go out (bench/ui-history).
import type { TakoApi, TakoClient } from '../../shared/api'
import type { HistoryFilter } from './history-rows'
import { NO_FILTER } from './history-rows'

export type HistoryPage = TakoApi['history:list']

/** Rows per page of the history (the first one and every next one). */
export const HISTORY_PAGE = 100

/** The list as the app opens: no search, no filter, newest first. */
export const OPENING_FILTER: HistoryFilter = { ...NO_FILTER, sort: 'newest' }

interface Early {
  promise: Promise<HistoryPage>
  /** The answer, once it has arrived. */
  page: HistoryPage | null
  taken: boolean
  /** A run changed after the request went out: the answer may be out of date. */
  stale: boolean
  off: () => void
}

let early: Early | null = null

/**
 * Sends the request for the opening list's first page (once; later calls do nothing), and listens
 * for runs that change before the history takes it.
 */
export function startFirstPage(client: TakoClient): void {
  if (early) return
  const promise = client.call('history:list', { sort: 'newest', limit: HISTORY_PAGE, offset: 0 })
  const started: Early = { promise, page: null, taken: false, stale: false, off: () => undefined }
  started.off = client.subscribe((e) => {
    if (e.type === 'history.changed' || e.type === 'run.status') started.stale = true
  })
  promise.then(
    (page) => {
      started.page = page
    },
    () => undefined, // whoever takes the promise sees the error
  )
  early = started
}

/**
 * Resolves when the early first page has arrived (or failed), or after `ms` at the latest: the
 * first render can then show the list at once without ever waiting long for a slow answer.
 */
export function firstPageArrival(ms: number): Promise<void> {
  const started = early
  if (!started || started.page) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    const done = (): void => {
      clearTimeout(timer)
      resolve()
    }
    started.promise.then(done, done)
  })
}

/** The early first page if it has arrived and is still to be taken (does not take it). */
export function arrivedFirstPage(): HistoryPage | null {
  return early && !early.taken ? early.page : null
}

/**
 * Takes the early request (once): its answer stands for the first load of the opening list, unless
 * a run changed since it was sent (null: ask again). Call it where the history subscribes to events:
 * the early listener stays until the end of this task, so the event stream is never closed between.
 */
export function takeFirstPage(): Promise<HistoryPage> | null {
  if (!early || early.taken) return null
  const taken = early
  taken.taken = true
  setTimeout(taken.off)
  return taken.stale ? null : taken.promise
}

/** Forgets the early request (tests). */
export function resetFirstPage(): void {
  early?.off()
  early = null
}
