// Imported by the app's renderer: no zod here (the contract's schemas are in api.ts).

/** The orders of the history list: by creation time, or largest duration / peak memory first. */
export const HISTORY_SORTS = ['newest', 'oldest', 'duration', 'memory'] as const
export type HistorySort = (typeof HISTORY_SORTS)[number]

/** What the history orders runs by (a record in the store, a summary in the app). */
export interface Ordered {
  id: string
  createdAt: string
  durationMs: number | null
}

/**
 * The history's order for `sort`: newest or oldest first (ties by id, so pages never overlap), or
 * largest duration / peak memory first with runs that have no value last, then newest first. The
 * store and the app's list both use it, so a row the app places from an event lands where the next
 * page would have it.
 */
export function historyOrder<T extends Ordered>(
  sort: HistorySort,
  memoryOf: (run: T) => number | null | undefined,
): (a: T, b: T) => number {
  const newest = (a: T, b: T): number =>
    a.createdAt < b.createdAt
      ? 1
      : a.createdAt > b.createdAt
        ? -1
        : a.id < b.id
          ? 1
          : a.id > b.id
            ? -1
            : 0
  const largest =
    (value: (r: T) => number | null | undefined) =>
    (a: T, b: T): number => {
      const x = value(a) ?? -1
      const y = value(b) ?? -1
      return x !== y ? y - x : newest(a, b)
    }
  switch (sort) {
    case 'newest':
      return newest
    case 'oldest':
      return (a, b) => newest(b, a)
    case 'duration':
      return largest((r) => r.durationMs)
    case 'memory':
      return largest(memoryOf)
  }
}
