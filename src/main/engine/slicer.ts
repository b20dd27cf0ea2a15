import { performance } from 'node:perf_hooks'

/** Longest stretch of synchronous file-system work before the event loop gets a turn. */
export const SLICE_MS = 5

/**
 * Cuts long synchronous work (walking or deleting a tree of 100,000 files) into slices, so timers,
 * Docker streams and HTTP requests keep being served. Synchronous calls in slices cost far less
 * than one promise per file system call; the check is one clock read:
 * `if (slicer.due()) await slicer.pause()`.
 */
export class Slicer {
  private until: number

  constructor(private readonly sliceMs = SLICE_MS) {
    this.until = performance.now() + sliceMs
  }

  due(): boolean {
    return performance.now() >= this.until
  }

  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.until = performance.now() + this.sliceMs
  }
}

const RUN = 2048

/**
 * Sorts `items` by `key` (compared as strings) like `Array.prototype.sort`, in slices: runs of
 * 2,048 are sorted natively, then merged pairwise with a pause whenever the slice is used up, so a
 * folder of 100,000 names never holds the event loop for the whole sort.
 */
export async function sortSliced<T>(
  items: T[],
  key: (item: T) => string,
  slicer: Slicer,
): Promise<T[]> {
  let cur = items.map((item) => ({ item, k: key(item) }))
  const byKey = (a: { k: string }, b: { k: string }): number => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)
  for (let i = 0; i < cur.length; i += RUN) {
    const sorted = cur.slice(i, i + RUN).sort(byKey)
    for (let j = 0; j < sorted.length; j++) cur[i + j] = sorted[j]
    if (slicer.due()) await slicer.pause()
  }
  for (let width = RUN; width < cur.length; width *= 2) {
    const next = new Array<(typeof cur)[number]>(cur.length)
    for (let lo = 0; lo < cur.length; lo += 2 * width) {
      const mid = Math.min(lo + width, cur.length)
      const hi = Math.min(lo + 2 * width, cur.length)
      let a = lo
      let b = mid
      for (let k = lo; k < hi; k++) {
        next[k] = a < mid && (b >= hi || cur[b].k >= cur[a].k) ? cur[a++] : cur[b++]
        if ((k & 1023) === 0 && slicer.due()) await slicer.pause()
      }
    }
    cur = next
  }
  return cur.map((x) => x.item)
}
