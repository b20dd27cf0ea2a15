import fs from 'node:fs'
import { measureTree, type DiskUsage, type LockedEntry } from './disk-usage'
import { DEFAULT_LIMITS } from './limits'
import { formatMiB } from './outcome'
import { DEFAULT_MIN_FREE_BYTES, type OutputGuard, type OutputGuardBreach } from './output-guard'
import { MiB } from '../../shared/units'

export interface PerRunGuardOptions {
  /** Free bytes the disk holding /output must keep (the host-wide floor). */
  minFreeBytes?: number
  /** Free inodes (files) that disk must keep: a flood of empty files uses no blocks. */
  minFreeInodes?: number
  /** One run's /output on disk, past which that run alone is stopped. */
  maxBytes?: number
  /** One run's files and folders in /output, past which that run alone is stopped. */
  maxEntries?: number
  /** How often the floor is checked (statfs, cheap). */
  floorCheckMs?: number
  /** Pause between two measurements of every live run's /output. */
  sampleMs?: number
  /**
   * At the floor, only a run that wrote at least this much is stopped: a run that wrote a
   * result.json is never blamed for a disk another run (or another program) filled.
   */
  minGrowthBytes?: number
  minGrowthEntries?: number
}

export const DEFAULT_MIN_FREE_INODES = 100_000
/** Kept artifacts and result.json, plus room for what the walker removes after the run. */
export const DEFAULT_MAX_RUN_BYTES =
  DEFAULT_LIMITS.artifactTotalBytes + DEFAULT_LIMITS.resultBytes + 128 * MiB
/** Far above the 10,000 artifacts kept: the rest is removed after the run, a flood is not. */
export const DEFAULT_MAX_RUN_ENTRIES = 250_000

interface Watched {
  runId: string
  dir: string
  dev: number
  onBreach: (b: OutputGuardBreach) => void
  usage: DiskUsage | null
  done: boolean
  unlock: ((locked: LockedEntry) => Promise<void>) | null
  /** Hand-backs asked for while the run was live, and whether one is under way. */
  unlocks: number
  unlocking: boolean
}

/**
 * A live run that locks the app out of a folder again after this many hand-backs is stopped: what
 * the folder holds cannot be counted, so it counts as over the quota.
 */
export const MAX_LIVE_HAND_BACKS = 3

interface Free {
  bytes: number
  inodes: number
}

function freeOn(dir: string): Free | null {
  try {
    const st = fs.statfsSync(dir)
    return { bytes: st.bavail * st.bsize, inodes: st.ffree }
  } catch {
    return null
  }
}

const fmtCount = (n: number): string => n.toLocaleString('en-US')

/**
 * Keeps runs from harming each other through the disk (see docs/security.md, 'One run must not
 * harm another'). Each live run's /output is measured — bytes on disk and entries, with the
 * descriptor-based walk, in slices, stopping at the quota — and a run past its own quota is stopped
 * alone. When the disk's free bytes or free inodes fall below the floor, the live run whose /output
 * grew the most (in that resource) is stopped, never one that wrote (next to) nothing; no run
 * starts below the floor.
 */
export class PerRunOutputGuard implements OutputGuard {
  readonly minFreeBytes: number
  readonly minFreeInodes: number
  readonly maxBytes: number
  readonly maxEntries: number
  private readonly floorCheckMs: number
  private readonly sampleMs: number
  private readonly minGrowthBytes: number
  private readonly minGrowthEntries: number
  private readonly runs = new Map<string, Watched>()
  private floorTimer: NodeJS.Timeout | undefined
  private sampling = false
  private floorMeasuring = false
  private floorMeasuredAt = -Infinity

  constructor(options: PerRunGuardOptions = {}) {
    this.minFreeBytes = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES
    this.minFreeInodes = options.minFreeInodes ?? DEFAULT_MIN_FREE_INODES
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_RUN_BYTES
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_RUN_ENTRIES
    this.floorCheckMs = options.floorCheckMs ?? 50
    this.sampleMs = options.sampleMs ?? 200
    this.minGrowthBytes = options.minGrowthBytes ?? 8 * MiB
    this.minGrowthEntries = options.minGrowthEntries ?? 1_000
  }

  checkBeforeStart(outputDir: string): string | null {
    const free = freeOn(outputDir)
    if (free === null) return null
    if (free.bytes < this.minFreeBytes)
      return `Not enough free disk space for a run: ${formatMiB(free.bytes)} free where the app's data is kept, at least ${formatMiB(this.minFreeBytes)} needed`
    if (free.inodes < this.minFreeInodes)
      return `Not enough free files (inodes) on the disk for a run: ${fmtCount(free.inodes)} free where the app's data is kept, at least ${fmtCount(this.minFreeInodes)} needed`
    return null
  }

  watch(
    runId: string,
    outputDir: string,
    onBreach: (b: OutputGuardBreach) => void,
    unlock?: (locked: LockedEntry) => Promise<void>,
  ): () => void {
    let dev = -1
    try {
      dev = fs.statSync(outputDir).dev
    } catch {
      // measured as empty until it exists
    }
    const w: Watched = {
      runId,
      dir: outputDir,
      dev,
      onBreach,
      usage: null,
      done: false,
      unlock: unlock ?? null,
      unlocks: 0,
      unlocking: false,
    }
    this.runs.set(runId, w)
    this.floorTimer ??= setInterval(() => this.checkFloor(), this.floorCheckMs)
    if (!this.sampling) void this.sampleLoop()
    return () => this.unwatch(w)
  }

  /** Live runs being watched (for tests and diagnostics). */
  get watched(): number {
    return this.runs.size
  }

  private unwatch(w: Watched): void {
    w.done = true
    if (this.runs.get(w.runId) === w) this.runs.delete(w.runId)
    if (this.runs.size === 0 && this.floorTimer) {
      clearInterval(this.floorTimer)
      this.floorTimer = undefined
    }
  }

  private breach(w: Watched, b: OutputGuardBreach): void {
    if (w.done) return
    this.unwatch(w)
    w.onBreach(b)
  }

  private async sampleLoop(): Promise<void> {
    this.sampling = true
    try {
      while (this.runs.size > 0) {
        const t0 = performance.now()
        await this.measureAll()
        // Measuring a flood of files takes a while: rest twice as long, so it uses at most a third
        // of the app's time, however large the trees.
        const rest = Math.max(this.sampleMs, 2 * (performance.now() - t0))
        await new Promise((resolve) => setTimeout(resolve, rest))
      }
    } finally {
      this.sampling = false
    }
  }

  /** Measures every live run once and stops those past their own quota. */
  private async measureAll(): Promise<void> {
    for (const w of [...this.runs.values()]) {
      if (w.done) continue
      let usage: DiskUsage
      try {
        usage = await measureTree(w.dir, { bytes: this.maxBytes, entries: this.maxEntries })
      } catch {
        continue // the folder is gone (the run is ending) or unreadable for now
      }
      w.usage = usage
      if (usage.locked) this.locked(w, usage.locked)
      if (usage.bytes > this.maxBytes)
        this.breach(w, {
          reason: 'output_quota',
          message: `Stopped: the files written to /output took ${usage.capped ? 'at least ' : ''}${formatMiB(usage.bytes)} on disk, over this run's quota of ${formatMiB(this.maxBytes)}`,
        })
      else if (usage.entries > this.maxEntries)
        this.breach(w, {
          reason: 'output_quota',
          message: `Stopped: /output held ${usage.capped ? 'at least ' : ''}${fmtCount(usage.entries)} files and folders, over this run's quota of ${fmtCount(this.maxEntries)}`,
        })
    }
  }

  /**
   * A folder the app cannot measure (a non-root app's run made it unreadable): handed back to the
   * app while the run goes on, at most MAX_LIVE_HAND_BACKS times; past that, or with no way to hand
   * it back, the run is stopped as over its quota (see docs/security.md, 'One uid per run').
   */
  private locked(w: Watched, locked: LockedEntry): void {
    if (w.unlocking) return
    if (w.unlock && w.unlocks < MAX_LIVE_HAND_BACKS) {
      w.unlocks++
      w.unlocking = true
      void w.unlock(locked).finally(() => (w.unlocking = false))
      return
    }
    this.breach(w, {
      reason: 'output_quota',
      message: `Stopped: /output holds ${JSON.stringify(locked.path)}, which the app cannot measure (${locked.why}${w.unlocks ? `, again after ${w.unlocks} hand-backs` : ''}): what it holds would escape this run's quota`,
    })
  }

  private checkFloor(): void {
    for (const w of this.runs.values()) {
      const free = freeOn(w.dir)
      if (free === null) continue
      const low: 'bytes' | 'inodes' | null =
        free.bytes < this.minFreeBytes
          ? 'bytes'
          : free.inodes < this.minFreeInodes
            ? 'inodes'
            : null
      if (low === null) continue
      this.stopLargest(w.dev, low)
      return
    }
  }

  /** Growth that counts at the floor; a run past the measurable depth is the prime suspect. */
  private growth(w: Watched, low: 'bytes' | 'inodes'): number {
    const u = w.usage
    if (!u) return 0
    if (u.tooDeep) return Infinity
    return low === 'bytes'
      ? u.bytes >= this.minGrowthBytes
        ? u.bytes
        : 0
      : u.entries >= this.minGrowthEntries
        ? u.entries
        : 0
  }

  private pickLargest(dev: number, low: 'bytes' | 'inodes'): Watched | null {
    let best: Watched | null = null
    for (const w of this.runs.values()) {
      if (w.done || w.dev !== dev || this.growth(w, low) === 0) continue
      if (!best || this.growth(w, low) > this.growth(best, low)) best = w
    }
    return best
  }

  /**
   * Stops the run on that disk that grew the most by the last measurement. When none stands out
   * (a run may have begun writing fast since), every run is measured at once, at most once per
   * sampleMs, and the next check (floorCheckMs later) decides with those figures.
   */
  private stopLargest(dev: number, low: 'bytes' | 'inodes'): void {
    const victim = this.pickLargest(dev, low)
    if (!victim?.usage) {
      if (this.floorMeasuring || performance.now() - this.floorMeasuredAt < this.sampleMs) return
      this.floorMeasuring = true
      void this.measureAll().finally(() => {
        this.floorMeasuring = false
        this.floorMeasuredAt = performance.now()
      })
      return
    }
    const u = victim.usage
    this.breach(victim, {
      reason: 'disk_floor',
      message:
        low === 'bytes'
          ? `Stopped: the host's disk had less than ${formatMiB(this.minFreeBytes)} free, and this run's /output grew the most (${formatMiB(u.bytes)} on disk)`
          : `Stopped: the host's disk had less than ${fmtCount(this.minFreeInodes)} free files (inodes), and this run's /output grew the most (${u.capped ? 'at least ' : ''}${fmtCount(u.entries)} files and folders)`,
    })
  }
}
