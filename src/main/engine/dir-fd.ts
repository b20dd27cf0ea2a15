import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Slicer } from './slicer'

/**
 * Directory handles that reach a run's files without ever re-resolving a path a script can change
 * (see docs/security.md, 'Host files and live runs').
 *
 * Node has no `openat`, but on Linux `/proc/self/fd/<fd>/<name>` has the same meaning: the kernel
 * starts the lookup at the directory the descriptor holds, whatever has since been renamed or
 * swapped for a link along its old path, and resolves `<name>` as one component. Every folder is
 * opened relative to its parent's descriptor with `O_NOFOLLOW|O_DIRECTORY` (and `O_PATH`, so a
 * folder the script made mode 000 can still be held, inspected and made readable); files are opened
 * with `O_NOFOLLOW|O_NONBLOCK`; entries are removed with `unlink`/`rmdir` of
 * `/proc/self/fd/<parent>/<name>`, which never follows the last component. A script that swaps a
 * folder for a symlink to a host folder after it was listed therefore leads nothing outside /output.
 *
 * Elsewhere (macOS, Windows) there is no such path, and the fallback below is path based: every
 * folder is opened with `O_NOFOLLOW` and then checked, by its real path, to lie inside the root.
 * That narrows a swap race to the moment between the check and the use, but cannot close it; it is
 * acceptable there because the app's own user, not root, owns the files on those systems.
 */

/** Linux's O_PATH (not in `fs.constants`): a handle for lookups and fstat that needs no read access. */
const O_PATH = 0o10000000
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0
const O_DIRECTORY = fs.constants.O_DIRECTORY ?? 0
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0
const O_FILE = fs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK
const SLASH = Buffer.from('/')

const hasProcFd = process.platform === 'linux' && fs.existsSync('/proc/self/fd')

export interface DirHandle {
  readonly fd: number
  /** Path of the folder as listed (fallback mode, error messages); never used for access on Linux. */
  readonly path: Buffer
  /** Real path of the walk's root, for the fallback's containment check. */
  readonly root: Buffer
  readonly proc: boolean
  /** `/proc/self/fd/<fd>/` on Linux, computed once. */
  readonly prefix: Buffer
}

function procPath(fd: number): Buffer {
  return Buffer.from(`/proc/self/fd/${fd}`)
}

function prefixOf(fd: number): Buffer {
  return Buffer.from(`/proc/self/fd/${fd}/`)
}

/** The path through which `name` inside `dir` is reached: one component past the held folder. */
export function childPath(dir: DirHandle, name: Buffer): Buffer {
  if (dir.proc) return Buffer.concat([dir.prefix, name])
  assertContained(dir) // fallback: the folder must still be where it was opened, inside the root
  return Buffer.concat([dir.path, SLASH, name])
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code
}

/** Opens the root of a walk. `useProcFd: false` forces the path-based fallback (tests). */
export function openRootDir(root: string, useProcFd = hasProcFd): DirHandle {
  const proc = useProcFd && hasProcFd
  const fd = fs.openSync(root, (proc ? O_PATH : fs.constants.O_RDONLY) | O_NOFOLLOW | O_DIRECTORY)
  try {
    if (!fs.fstatSync(fd).isDirectory()) throw new Error(`${root} is not a directory`)
    const real = Buffer.from(fs.realpathSync(root))
    return { fd, path: Buffer.from(root), root: real, proc, prefix: prefixOf(fd) }
  } catch (err) {
    fs.closeSync(fd)
    throw err
  }
}

/**
 * Opens the folder `name` inside `dir`. Throws (ENOTDIR, ELOOP, ENOENT…) when it is not a real
 * folder any more, e.g. a link swapped in after the parent was listed.
 */
export function openChildDir(dir: DirHandle, name: Buffer): DirHandle {
  const p = childPath(dir, name)
  const fd = fs.openSync(p, (dir.proc ? O_PATH : fs.constants.O_RDONLY) | O_NOFOLLOW | O_DIRECTORY)
  const handle: DirHandle = {
    fd,
    path: Buffer.concat([dir.path, SLASH, name]),
    root: dir.root,
    proc: dir.proc,
    prefix: prefixOf(fd),
  }
  if (dir.proc) return handle
  try {
    assertContained(handle)
  } catch (err) {
    fs.closeSync(fd)
    throw err
  }
  return handle
}

/**
 * Fallback only: the held folder must be the one at its path, and that path must resolve inside the
 * root. Checked before every use of the path, which narrows a swap to the gap between check and use.
 */
function assertContained(dir: DirHandle): void {
  const real = fs.realpathSync(dir.path)
  const inside = real === dir.root.toString() || real.startsWith(dir.root.toString() + path.sep)
  const st = fs.fstatSync(dir.fd)
  const atPath = fs.lstatSync(real)
  if (!inside || st.ino !== atPath.ino || st.dev !== atPath.dev) {
    const err = new Error(
      `${dir.path.toString()} left the folder being walked`,
    ) as NodeJS.ErrnoException
    err.code = 'EXDEV'
    throw err
  }
}

export function closeDir(dir: DirHandle): void {
  fs.closeSync(dir.fd)
}

export function statDir(dir: DirHandle): fs.Stats {
  return fs.fstatSync(dir.fd)
}

/** Changes the held folder's mode (an O_PATH descriptor cannot be fchmod'ed; its /proc path can). */
export function setDirMode(dir: DirHandle, mode: number): void {
  if (dir.proc) fs.chmodSync(procPath(dir.fd), mode)
  else fs.fchmodSync(dir.fd, mode)
}

/**
 * Lists the held folder (at most `max` entries) a few hundred entries at a time, pausing when the slice is used up (a
 * single `readdir` of 100,000 names holds the event loop for a second). A folder the script made
 * unreadable (mode 000) is made 0700 first: the descriptor proves it is a real folder inside the
 * walk, so the change cannot land elsewhere.
 */
export async function listDir(
  dir: DirHandle,
  slicer: Slicer,
  max = Infinity,
): Promise<fs.Dirent<Buffer>[]> {
  const where = dir.proc ? procPath(dir.fd) : dir.path
  const open = (): fs.Dir =>
    fs.opendirSync(where, {
      encoding: 'buffer' as BufferEncoding,
      bufferSize: 256,
    })
  let handle: fs.Dir
  try {
    handle = open()
  } catch (err) {
    if (errno(err) !== 'EACCES') throw err
    setDirMode(dir, 0o700)
    handle = open()
  }
  const entries: fs.Dirent<Buffer>[] = []
  try {
    while (entries.length < max) {
      const entry = handle.readSync() as unknown as fs.Dirent<Buffer> | null
      if (entry === null) break
      entries.push(entry)
      if (slicer.due()) await slicer.pause()
    }
  } finally {
    handle.closeSync()
  }
  return entries
}

/** Lstat of `name` inside `dir` (never follows it). */
export function lstatChild(dir: DirHandle, name: Buffer): fs.Stats {
  return fs.lstatSync(childPath(dir, name))
}

/**
 * Opens the file `name` inside `dir` for reading without following a link and without blocking on
 * a FIFO. A file the script made unreadable is made 0600 through a handle to that very file.
 */
export function openChildFile(dir: DirHandle, name: Buffer): number {
  const p = childPath(dir, name)
  try {
    return fs.openSync(p, O_FILE)
  } catch (err) {
    if (errno(err) !== 'EACCES') throw err
  }
  if (!dir.proc) {
    fs.chmodSync(p, 0o600) // fallback: the owner's own file, see the module comment
    return fs.openSync(p, O_FILE)
  }
  const held = fs.openSync(p, O_PATH | O_NOFOLLOW)
  try {
    if (!fs.fstatSync(held).isFile()) return fs.openSync(p, O_FILE) // fails as before
    fs.chmodSync(procPath(held), 0o600)
    return fs.openSync(procPath(held), O_FILE)
  } finally {
    fs.closeSync(held)
  }
}

export function unlinkChild(dir: DirHandle, name: Buffer): void {
  fs.unlinkSync(childPath(dir, name))
}

/** Asynchronous (the thread pool), as removing a once-large folder can take long. */
export async function rmdirChild(dir: DirHandle, name: Buffer): Promise<void> {
  await fs.promises.rmdir(childPath(dir, name))
}

export function renameChild(from: DirHandle, name: Buffer, to: DirHandle, toName: Buffer): void {
  fs.renameSync(childPath(from, name), childPath(to, toName))
}

/** Makes a fresh, uniquely named folder (mode 0700) inside `dir` and returns its name. */
export function mkdtempChild(dir: DirHandle, prefix: string): Buffer {
  for (;;) {
    const name = Buffer.from(`${prefix}${randomBytes(6).toString('hex')}`)
    try {
      fs.mkdirSync(childPath(dir, name), { mode: 0o700 })
      return name
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err
    }
  }
}
