import type { LockedEntry } from './disk-usage'
import { MiB } from '../../shared/units'

export interface OutputGuardBreach {
  reason: 'disk_floor' | 'output_quota'
  message: string
}

/** Keeps what runs write to /output (a bind mount on the host's disk) within bounds. */
export interface OutputGuard {
  /** A message when no run may start (the disk is already below the floor), else null. */
  checkBeforeStart(outputDir: string): string | null
  /**
   * Watches one live run's /output; calls onBreach at most once; returns a disposer. `unlock`: how
   * to open up a folder the run locked the app out of (a non-root app's hand-back, hand-back.ts);
   * without it, such a folder is a breach at once, since what it holds cannot be counted.
   */
  watch(
    runId: string,
    outputDir: string,
    onBreach: (b: OutputGuardBreach) => void,
    unlock?: (locked: LockedEntry) => Promise<void>,
  ): () => void
}

/** The free-space floor of the disk holding the app's data (the default guard is output-quota.ts). */
export const DEFAULT_MIN_FREE_BYTES = 512 * MiB
