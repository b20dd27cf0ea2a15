import fs from 'node:fs'
import { MiB } from '../../shared/units'
import { formatMiB } from './outcome'

export interface OutputGuardBreach {
  reason: 'disk_floor' | 'output_quota'
  message: string
}

/** Keeps what runs write to /output (a bind mount on the host's disk) within bounds. */
export interface OutputGuard {
  /** A message when no run may start (the disk is already below the floor), else null. */
  checkBeforeStart(outputDir: string): string | null
  /** Watches one live run's /output; calls onBreach at most once; returns a disposer. */
  watch(runId: string, outputDir: string, onBreach: (b: OutputGuardBreach) => void): () => void
}

export const DEFAULT_MIN_FREE_BYTES = 512 * MiB
const DISK_CHECK_MS = 50

/** Free bytes for an unprivileged writer on the filesystem holding `dir` (null if unknown). */
function freeBytes(dir: string): number | null {
  try {
    const st = fs.statfsSync(dir)
    return st.bavail * st.bsize
  } catch {
    return null
  }
}

/**
 * The host-wide free-space floor: no run starts below it, and a live run is stopped when the disk
 * holding its /output falls below it (checked every 50 ms).
 */
export class FloorOutputGuard implements OutputGuard {
  constructor(readonly minFreeBytes: number = DEFAULT_MIN_FREE_BYTES) {}

  checkBeforeStart(outputDir: string): string | null {
    const free = freeBytes(outputDir)
    if (free === null || free >= this.minFreeBytes) return null
    return `Not enough free disk space for a run: ${formatMiB(free)} free where the app's data is kept, at least ${formatMiB(this.minFreeBytes)} needed`
  }

  watch(_runId: string, outputDir: string, onBreach: (b: OutputGuardBreach) => void): () => void {
    const timer = setInterval(() => {
      const free = freeBytes(outputDir)
      if (free === null || free >= this.minFreeBytes) return
      clearInterval(timer)
      onBreach({
        reason: 'disk_floor',
        message: `Stopped: the files written to /output left less than ${formatMiB(this.minFreeBytes)} free on the host's disk`,
      })
    }, DISK_CHECK_MS)
    return () => clearInterval(timer)
  }
}
