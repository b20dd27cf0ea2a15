import type fs from 'node:fs'
import {
  closeDir,
  listDir,
  lstatChild,
  openChildDir,
  openRootDir,
  statDir,
  type DirHandle,
} from './dir-fd'
import { Slicer } from './slicer'

/** Folders held open at once while measuring; deeper folders are counted but not entered. */
export const MAX_MEASURED_DEPTH = 128

export interface DiskUsage {
  /** Bytes on disk (st_blocks × 512) of every entry, folders included. */
  bytes: number
  /** Entries (inodes) below the root. */
  entries: number
  /** Counting stopped at a bound (`stopAt`) with entries left, so the figures are lower bounds. */
  capped: boolean
  /** Folders nested deeper than MAX_MEASURED_DEPTH were counted but not entered. */
  tooDeep: boolean
  /**
   * The first entry the app could not measure (a folder it may not list, an entry it may not stat)
   * or, with `sharedGroup`, whose mode the run's uid must mend before the app can collect and
   * remove it (see `lockOf`); null when none. What lies below it is not counted.
   */
  locked: LockedEntry | null
}

/** An entry of a run's /output that only the run's own uid can open up again (hand-back.ts). */
export interface LockedEntry {
  /** Path below the measured root, for messages. */
  path: string
  uid: number
  gid: number
  why: string
}

export interface MeasureOptions {
  /** The run shares the app's group: apply `lockOf` to every entry below the root. */
  sharedGroup?: boolean
  /** Stop at the first locked entry (a check before collection, not a measurement). */
  stopAtLock?: boolean
}

/**
 * Why an entry a run left in a group-shared /output keeps the app (a member of its group, not its
 * owner) from collecting or removing it, or from keeping it on the host as it is; null when it
 * does not. Folders need the group's rwx and no sticky bit (which restricts removal to owners);
 * files need the group's read and no set-uid/set-gid bit (a set-gid file of the app's group would
 * run as that group for anyone who reaches it). Write access for others is refused on both.
 */
export function lockOf(st: fs.Stats): string | null {
  const mode = st.mode & 0o7777
  if (st.isDirectory()) {
    if ((mode & 0o070) !== 0o070) return `folder mode ${mode.toString(8)} denies the app's group`
    if (mode & 0o1000) return 'folder is sticky'
  } else if (st.isFile()) {
    if (!(mode & 0o040)) return `file mode ${mode.toString(8)} denies the app's group`
    if (mode & 0o7000) return `file mode ${mode.toString(8)} has set-id bits`
  } else return null
  return mode & 0o002 ? `mode ${mode.toString(8)} lets others write` : null
}

function denied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'EACCES' || code === 'EPERM'
}

export interface UsageBounds {
  bytes: number
  entries: number
}

function blocksOf(st: fs.Stats): number {
  return st.blocks * 512
}

/**
 * Measures what a live run has written below `root`: bytes on disk and entries, with the same
 * descriptor-relative access as the artifact walker (nothing is followed, nothing is changed). The
 * tree may change while it is read: vanished entries are skipped. Counting stops as soon as either
 * bound is passed, so a flood of files costs at most one bound's worth of work per sample, and it
 * runs in slices so the event loop is never held for long.
 */
export async function measureTree(
  root: string,
  stopAt: UsageBounds,
  slicer = new Slicer(),
  options: MeasureOptions = {},
): Promise<DiskUsage> {
  const usage: DiskUsage = { bytes: 0, entries: 0, capped: false, tooDeep: false, locked: null }
  const over = (): boolean =>
    usage.bytes > stopAt.bytes ||
    usage.entries > stopAt.entries ||
    (options.stopAtLock === true && usage.locked !== null)
  const top = openRootDir(root)
  const appUid = process.geteuid?.() ?? -1
  const mine = (st: fs.Stats): boolean => st.uid === appUid
  const rootLength = top.path.length + 1
  const lock = (dir: DirHandle, name: Buffer | null, st: fs.Stats, why: string): void => {
    const full = name ? Buffer.concat([dir.path, Buffer.from('/'), name]) : dir.path
    usage.locked ??= {
      path: full.subarray(rootLength).toString() || '.',
      uid: st.uid,
      gid: st.gid,
      why,
    }
  }
  const stack: { dir: DirHandle; subdirs: Buffer[] }[] = []
  const enter = async (dir: DirHandle): Promise<void> => {
    const st = statDir(dir)
    usage.bytes += blocksOf(st)
    const subdirs: Buffer[] = []
    stack.push({ dir, subdirs })
    const why = options.sharedGroup && dir !== top && !mine(st) ? lockOf(st) : null
    if (why) lock(dir, null, st, why)
    let entries: fs.Dirent<Buffer>[]
    try {
      // Entries first, from the listing alone: a flood is seen without a stat per file.
      entries = await listDir(dir, slicer, stopAt.entries - usage.entries + 1)
    } catch (err) {
      // Unreadable is not empty: its contents would escape the quota (see docs/security.md).
      if (denied(err)) lock(dir, null, st, 'folder cannot be listed')
      return // else vanished: nothing to count
    }
    usage.entries += entries.length
    if (over()) {
      usage.capped = true
      return
    }
    for (const [i, entry] of entries.entries()) {
      if (entry.isDirectory()) subdirs.push(entry.name)
      else {
        try {
          const child = lstatChild(dir, entry.name)
          usage.bytes += blocksOf(child)
          const bad = options.sharedGroup && !mine(child) ? lockOf(child) : null
          if (bad) lock(dir, entry.name, child, bad)
        } catch (err) {
          if (denied(err)) lock(dir, null, st, 'folder cannot be searched')
          // else removed meanwhile
        }
      }
      if (over()) {
        usage.capped = i < entries.length - 1
        return
      }
      if (slicer.due()) await slicer.pause()
    }
  }
  try {
    await enter(top)
    while (stack.length > 0 && !over()) {
      const frame = stack[stack.length - 1]
      const name = frame.subdirs.pop()
      if (name === undefined) {
        stack.pop()
        if (frame.dir !== top) closeDir(frame.dir)
        continue
      }
      if (stack.length > MAX_MEASURED_DEPTH) {
        usage.tooDeep = true
        continue
      }
      let child: DirHandle
      try {
        child = openChildDir(frame.dir, name)
      } catch (err) {
        if (denied(err)) lock(frame.dir, null, statDir(frame.dir), 'folder cannot be searched')
        continue // swapped, removed or not a folder any more: its entry was counted
      }
      await enter(child)
    }
    if (stack.some((f) => f.subdirs.length > 0)) usage.capped = true
  } finally {
    for (const frame of stack) if (frame.dir !== top) closeDir(frame.dir)
    closeDir(top)
  }
  return usage
}
