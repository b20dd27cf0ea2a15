import { createHash } from 'node:crypto'
import fs from 'node:fs'
import type { ArtifactInfo, RunWarning } from '../../shared/run'
import {
  decodeName,
  judgeEntry,
  judgeSize,
  MAX_ARTIFACT_PATH_BYTES,
  type EntryKind,
} from './collect-rules'
import { contentTypeFor } from './content-type'
import {
  closeDir,
  listDir,
  lstatChild,
  openChildDir,
  openChildFile,
  openRootDir,
  setDirMode,
  statDir,
  type DirHandle,
} from './dir-fd'
import { removeEntry } from './remove-tree'
import { Slicer, sortSliced } from './slicer'

export { MAX_ARTIFACT_PATH_BYTES }

export interface WalkLimits {
  artifactCount: number
  artifactBytes: number
  artifactTotalBytes: number
  artifactDepth: number
}

export interface WalkOptions {
  /**
   * Tests only: called just before the walk descends into the folder `relPath`, after its parent
   * was listed — the moment a live script could swap that folder (or its parent) for a link.
   */
  onBeforeDescend?: (relPath: string) => void
  /** Tests only: `false` forces the path-based fallback used where /proc/self/fd does not exist. */
  useProcFd?: boolean
}

export interface WalkResult {
  artifacts: ArtifactInfo[]
  warnings: RunWarning[]
  totalBytes: number
}

const HASH_CHUNK = 1024 * 1024

function statKind(st: fs.Stats | fs.Dirent<Buffer>): EntryKind {
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device'
  if (st.isDirectory()) return 'directory'
  if (st.isFile()) return 'file'
  return 'unknown'
}

function hashSmall(fd: number, size: number): string {
  const buf = Buffer.allocUnsafe(Math.max(size, 1))
  let n = 0
  while (n < buf.length) {
    const got = fs.readSync(fd, buf, n, buf.length - n, n)
    if (got === 0) break
    n += got
  }
  return createHash('sha256').update(buf.subarray(0, n)).digest('hex')
}

async function hashFd(fd: number, size: number, slicer: Slicer): Promise<string> {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(Math.min(HASH_CHUNK, Math.max(size, 1)))
  let pos = 0
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos)
    if (n === 0) break
    hash.update(buf.subarray(0, n))
    pos += n
    if (slicer.due()) await slicer.pause()
  }
  return hash.digest('hex')
}

/**
 * Modes a script may not leave on the host: set-uid/set-gid/sticky bits, and write access for group
 * or others. In the sandbox they mean nothing (no-new-privileges), but on the host the files belong
 * to the sandbox user — the desktop user on Linux — so a kept `chmod 4755` copy of python3 in a
 * folder others can reach would run as that user for anyone, and a 0777 folder would let any local
 * user swap artifacts. Kept files and folders are reduced to at most 0755 (the artifacts root to
 * 0700, as created), through a descriptor of that very file or folder.
 */
const UNSAFE_MODE_BITS = 0o7022

function safeMode(st: fs.Stats): number {
  return st.mode & 0o777 & ~0o022
}

function restrictFileMode(fd: number, st: fs.Stats): void {
  try {
    fs.fchmodSync(fd, safeMode(st))
  } catch {
    // Not ours to change (e.g. a foreign uid mapping): the file is still only read, never run.
  }
}

function restrictDirMode(dir: DirHandle, mode?: number): void {
  try {
    const st = statDir(dir)
    const want = mode ?? safeMode(st)
    if ((st.mode & 0o7777) !== want && (mode !== undefined || st.mode & UNSAFE_MODE_BITS))
      setDirMode(dir, want)
  } catch {
    // as for files
  }
}

type Verdict =
  | 'dir'
  | 'kept'
  | { hash: { fd: number; size: number } }
  /** null: over the artifact count, counted in one warning */
  | { remove: [code: string, message: string] | null }

interface Frame {
  dir: DirHandle
  rel: string
  depth: number
  /** Subfolders still to visit, in sorted order, after this folder's files. */
  subdirs: { name: Buffer; rel: string }[]
}

/**
 * Walks a run's /output folder on the host, in place, holding a descriptor for each folder on the
 * current path and reaching every entry one component past it (see dir-fd.ts): a folder swapped for
 * a link after it was listed is never followed. Regular files within the limits become artifacts
 * (sha256 streamed from a descriptor opened with O_NOFOLLOW|O_NONBLOCK and checked with fstat).
 * Everything else — links, FIFOs, sockets, devices, files past a limit, names that are not UTF-8 —
 * is removed without ever being followed or opened, and reported as a warning. Depth-first, files
 * of a folder before its subfolders, each in sorted order, so the manifest and the limits are
 * deterministic; iterative, so depth cannot overflow the stack; in slices, so a large tree never
 * blocks the event loop (see docs/run-contract.md, 'Artifacts').
 */
export async function collectArtifacts(
  root: string,
  limits: WalkLimits,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const slicer = new Slicer()
  const artifacts: ArtifactInfo[] = []
  const warnings: RunWarning[] = []
  const state = { totalBytes: 0, skippedForCount: 0 }
  const reject = (code: string, path: string, message: string): void => {
    warnings.push({ code, path, message })
  }

  const top = openRootDir(root, options.useProcFd)
  const stack: Frame[] = []
  try {
    restrictDirMode(top, 0o700)
    await enterFolder(top, '', 0)
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]
      const next = frame.subdirs.shift()
      if (!next) {
        stack.pop()
        if (frame.dir !== top) closeDir(frame.dir)
        continue
      }
      options.onBeforeDescend?.(next.rel.slice(0, -1))
      let child: DirHandle
      try {
        child = openChildDir(frame.dir, next.name)
      } catch (err) {
        await removeQuietly(frame.dir, next.name)
        reject(
          'artifact_error',
          next.rel.slice(0, -1),
          `could not be collected: ${(err as Error).message}`,
        )
        continue
      }
      restrictDirMode(child)
      await enterFolder(child, next.rel, frame.depth + 1)
    }
  } finally {
    for (const frame of stack) if (frame.dir !== top) closeDir(frame.dir)
    closeDir(top)
  }
  if (state.skippedForCount > 0) {
    warnings.push({
      code: 'artifact_limit',
      message: `${state.skippedForCount} more files skipped: at most ${limits.artifactCount} artifacts are kept`,
    })
  }
  artifacts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { artifacts, warnings, totalBytes: state.totalBytes }

  async function removeQuietly(dir: DirHandle, name: Buffer): Promise<void> {
    try {
      await removeEntry(dir, name, slicer)
    } catch {
      // reported by the caller; nothing more can be done for this entry
    }
  }

  /** Lists a folder, handles its files, and pushes a frame for its subfolders. */
  async function enterFolder(dir: DirHandle, rel: string, depth: number): Promise<void> {
    let entries: fs.Dirent<Buffer>[]
    try {
      entries = await listDir(dir, slicer)
    } catch (err) {
      if (dir !== top) closeDir(dir)
      reject('artifact_error', rel || '.', `cannot list folder: ${(err as Error).message}`)
      return
    }
    // latin1 maps each byte to one char code, so string order is byte order
    entries = await sortSliced(entries, (e) => e.name.toString('latin1'), slicer)
    const frame: Frame = { dir, rel, depth, subdirs: [] }
    stack.push(frame)
    for (const entry of entries) {
      const name = decodeName(entry.name)
      const relPath = name === null ? `${rel}${entry.name.toString('utf8')}` : `${rel}${name}`
      try {
        const v = judge(frame, entry, name, relPath)
        if (v === 'dir') frame.subdirs.push({ name: entry.name, rel: `${relPath}/` })
        else if (v !== 'kept') await settle(dir, entry, relPath, v)
      } catch (err) {
        await removeQuietly(dir, entry.name)
        reject('artifact_error', relPath, `could not be collected: ${(err as Error).message}`)
      }
      if (slicer.due()) await slicer.pause()
    }
  }

  /**
   * Judges one entry synchronously (the common case costs no promise): a folder to visit later, a
   * file kept (hashed here when it fits one read), a file to hash in slices, or an entry to remove.
   */
  function judge(
    frame: Frame,
    entry: fs.Dirent<Buffer>,
    name: string | null,
    relPath: string,
  ): Verdict {
    const { dir, depth } = frame
    let kind = statKind(entry)
    if (kind === 'unknown' && name !== null) kind = statKind(lstatChild(dir, entry.name))
    const v = judgeEntry({ name, relPath, kind, depth }, limits)
    if (v === 'dir') return 'dir'
    if (v !== 'file') return v
    if (artifacts.length >= limits.artifactCount) return { remove: null }
    const fd = openChildFile(dir, entry.name)
    let handedOver = false
    try {
      const st = fs.fstatSync(fd)
      if (!st.isFile()) return { remove: ['artifact_rejected:special', 'not a regular file'] }
      const refused = judgeSize(st.size, state.totalBytes, limits)
      if (refused) return { remove: refused }
      if (st.mode & UNSAFE_MODE_BITS) restrictFileMode(fd, st)
      if (st.size > HASH_CHUNK) {
        handedOver = true
        return { hash: { fd, size: st.size } }
      }
      keep(relPath, st.size, hashSmall(fd, st.size))
      return 'kept'
    } finally {
      if (!handedOver) fs.closeSync(fd)
    }
  }

  function keep(relPath: string, size: number, sha256: string): void {
    state.totalBytes += size
    artifacts.push({ name: relPath, sizeBytes: size, sha256, contentType: contentTypeFor(relPath) })
  }

  /** Acts on a verdict that needs more than `judge` did: a large file's hash, a removal. */
  async function settle(
    dir: DirHandle,
    entry: fs.Dirent<Buffer>,
    relPath: string,
    v: Verdict,
  ): Promise<void> {
    if (v === 'dir' || v === 'kept') return
    if ('hash' in v) {
      try {
        keep(relPath, v.hash.size, await hashFd(v.hash.fd, v.hash.size, slicer))
      } finally {
        fs.closeSync(v.hash.fd)
      }
      return
    }
    await removeEntry(dir, entry.name, slicer)
    if (v.remove) reject(v.remove[0], relPath, v.remove[1])
    else state.skippedForCount++
  }
}
