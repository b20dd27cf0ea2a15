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
): Promise<DiskUsage> {
  const usage: DiskUsage = { bytes: 0, entries: 0, capped: false, tooDeep: false }
  const over = (): boolean => usage.bytes > stopAt.bytes || usage.entries > stopAt.entries
  const top = openRootDir(root)
  const stack: { dir: DirHandle; subdirs: Buffer[] }[] = []
  const enter = async (dir: DirHandle): Promise<void> => {
    usage.bytes += blocksOf(statDir(dir))
    const subdirs: Buffer[] = []
    stack.push({ dir, subdirs })
    let entries: fs.Dirent<Buffer>[]
    try {
      // Entries first, from the listing alone: a flood is seen without a stat per file.
      entries = await listDir(dir, slicer, stopAt.entries - usage.entries + 1)
    } catch {
      return // vanished or unreadable: nothing to count
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
          usage.bytes += blocksOf(lstatChild(dir, entry.name))
        } catch {
          // removed meanwhile
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
      } catch {
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
