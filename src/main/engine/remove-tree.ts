import fs from 'node:fs'
import path from 'node:path'
import {
  closeDir,
  listDir,
  mkdtempChild,
  openChildDir,
  openRootDir,
  renameChild,
  rmdirChild,
  unlinkChild,
  type DirHandle,
} from './dir-fd'
import { Slicer } from './slicer'

/** Names of the trash folders `removeSubtree` works in; `sweepTrash` finishes them after a crash. */
export const TRASH_PREFIX = '.tako-rm-'

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code
}

/**
 * Removes the entry `name` inside `dir` whatever it is, never following a link: a link is
 * unlinked, a folder's links are unlinked, not their targets.
 */
export async function removeEntry(dir: DirHandle, name: Buffer, slicer: Slicer): Promise<void> {
  try {
    unlinkChild(dir, name)
    return
  } catch (err) {
    const code = errno(err)
    if (code === 'ENOENT') return
    // Linux says EISDIR for a folder, macOS EPERM
    if (code !== 'EISDIR' && code !== 'EPERM') throw err
  }
  await removeSubtree(dir, name, slicer)
}

/**
 * Deletes the folder `name` inside `dir`, of any depth and width, in slices that let the event loop
 * run. A recursive delete recurses on the call stack and on ever longer paths, so a script nesting
 * thousands of folders makes it throw and leaves the tree behind. Here every folder is first moved
 * into a fresh trash folder beside it (rename never follows links), so the loop is flat, at most
 * two folders are held open, and every call is one component past a held folder.
 */
export async function removeSubtree(dir: DirHandle, name: Buffer, slicer: Slicer): Promise<void> {
  const trashName = mkdtempChild(dir, TRASH_PREFIX)
  const trash = openChildDir(dir, trashName)
  try {
    let moved = 0
    const moveToTrash = (from: DirHandle, entry: Buffer): Buffer => {
      const to = Buffer.from(String(moved++))
      renameChild(from, entry, trash, to)
      return to
    }
    const pending = [moveToTrash(dir, name)]
    while (pending.length > 0) {
      const current = pending[pending.length - 1]
      let d: DirHandle
      try {
        d = openChildDir(trash, current)
      } catch (err) {
        // No longer a folder (cannot happen once in our trash, but never loop on it)
        if (errno(err) !== 'ENOTDIR' && errno(err) !== 'ELOOP') throw err
        unlinkChild(trash, current)
        pending.pop()
        continue
      }
      let emptied = false
      try {
        const entries = await listDir(d, slicer)
        for (const entry of entries) {
          if (entry.isDirectory()) pending.push(moveToTrash(d, entry.name))
          else {
            try {
              unlinkChild(d, entry.name)
            } catch (err) {
              if (errno(err) === 'EISDIR' || errno(err) === 'EPERM')
                pending.push(moveToTrash(d, entry.name))
              else if (errno(err) !== 'ENOENT') throw err
            }
          }
          if (slicer.due()) await slicer.pause()
        }
        emptied = entries.length === 0
      } finally {
        closeDir(d)
      }
      if (emptied) {
        // off the event loop: removing a folder that held 100,000 names can take a third of a second
        await rmdirChild(trash, current)
        pending.pop()
      }
      if (slicer.due()) await slicer.pause()
    }
  } finally {
    closeDir(trash)
    await rmdirChild(dir, trashName)
  }
}

/**
 * Deletes the folder at `dir` (a run's folder) with all it holds, without blocking the event loop
 * and without following any link inside it. A missing folder is not an error.
 */
export async function removeTree(dir: string): Promise<void> {
  const abs = path.resolve(dir)
  let parent: DirHandle
  try {
    parent = openRootDir(path.dirname(abs))
  } catch (err) {
    if (errno(err) === 'ENOENT') return
    throw err
  }
  try {
    await removeEntry(parent, Buffer.from(path.basename(abs)), new Slicer())
  } finally {
    closeDir(parent)
  }
}

/**
 * Finishes deletions a previous process left half done: a crash (or kill -9) during `removeSubtree`
 * leaves its `.tako-rm-*` trash folder beside what it was deleting. Called at start-up, when this
 * process holds the data folder's lock, for each folder deletions happen in (the runs folder).
 * `mend` first opens up what a run's uid locked away (a non-root app's hand-back, hand-back.ts).
 * Returns how many were removed.
 */
export async function sweepTrash(
  dir: string,
  mend?: (trash: string) => Promise<void>,
): Promise<number> {
  let names: string[]
  try {
    names = (await fs.promises.readdir(dir)).filter((n) => n.startsWith(TRASH_PREFIX))
  } catch (err) {
    if (errno(err) === 'ENOENT') return 0
    throw err
  }
  for (const name of names) {
    await mend?.(path.join(dir, name))
    await removeTree(path.join(dir, name))
  }
  return names.length
}
