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
