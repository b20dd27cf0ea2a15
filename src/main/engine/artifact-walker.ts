import { createHash } from 'node:crypto'
import fs from 'node:fs'
import type { ArtifactInfo, RunWarning } from '../../shared/run'
import { contentTypeFor } from './content-type'

export interface WalkLimits {
  artifactCount: number
  artifactBytes: number
  artifactTotalBytes: number
  artifactDepth: number
}

export interface WalkResult {
  artifacts: ArtifactInfo[]
  warnings: RunWarning[]
  totalBytes: number
}

const O_SAFE_READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK
const O_DIR = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | (fs.constants.O_DIRECTORY ?? 0)
/**
 * Longest artifact path kept, in bytes. Within the depth limit a script can still nest names of 255
 * bytes past the host's PATH_MAX (4096), where lstat/open/unlink fail with ENAMETOOLONG: such an
 * entry could be neither collected nor removed, and the run's folder could not be deleted. Anything
 * longer is removed (folders flatly, as for the depth limit) and reported.
 */
export const MAX_ARTIFACT_PATH_BYTES = 1024
const HASH_CHUNK = 1024 * 1024
const SLASH = Buffer.from('/')
const utf8 = new TextDecoder('utf-8', { fatal: true })

function decodeName(name: Buffer): string | null {
  try {
    const s = utf8.decode(name)
    return s.includes('\\') ? null : s
  } catch {
    return null
  }
}

function entryKind(d: fs.Dirent<Buffer>): string {
  if (d.isSymbolicLink()) return 'symlink'
  if (d.isFIFO()) return 'fifo'
  if (d.isSocket()) return 'socket'
  if (d.isBlockDevice() || d.isCharacterDevice()) return 'device'
  if (d.isDirectory()) return 'directory'
  if (d.isFile()) return 'file'
  return 'unknown'
}

function lstatKind(path: Buffer): string {
  const st = fs.lstatSync(path)
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device'
  if (st.isDirectory()) return 'directory'
  if (st.isFile()) return 'file'
  return 'unknown'
}

function removeEntry(path: Buffer): void {
  let st: fs.Stats
  try {
    st = fs.lstatSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  // Never follows links: a link is unlinked, a directory's links are unlinked, not their targets.
  if (st.isDirectory()) removeTree(path)
  else fs.rmSync(path, { force: true })
}

/**
 * Deletes a folder tree of any depth. `fs.rmSync({ recursive })` recurses on the call stack and on
 * ever longer paths, so a script nesting a few thousand folders makes it throw (stack overflow or
 * ENAMETOOLONG) and leaves the tree behind. Here every subfolder is first moved into a fresh trash
 * folder beside the tree (rename never follows links), so the loop is flat and paths stay short.
 */
function removeTree(dir: Buffer): void {
  const parent = dir.subarray(0, dir.lastIndexOf(SLASH))
  const trash = Buffer.from(fs.mkdtempSync(`${parent.toString()}/.tako-rm-`))
  let moved = 0
  const moveToTrash = (from: Buffer): Buffer => {
    const to = Buffer.concat([trash, SLASH, Buffer.from(String(moved++))])
    fs.renameSync(from, to)
    return to
  }
  const pending = [moveToTrash(dir)]
  while (pending.length > 0) {
    const d = pending[pending.length - 1]
    const entries = readDirEntries(d)
    if (entries.length === 0) {
      fs.rmdirSync(d)
      pending.pop()
      continue
    }
    for (const entry of entries) {
      const p = Buffer.concat([d, SLASH, entry.name])
      if (entry.isDirectory()) pending.push(moveToTrash(p))
      else fs.unlinkSync(p)
    }
  }
  fs.rmdirSync(trash)
}

function readDirEntries(dir: Buffer): fs.Dirent<Buffer>[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err
    // A directory the script made unreadable (mode 000). lstat proved it a real directory and the
    // container has stopped, so making it readable cannot be redirected elsewhere.
    fs.chmodSync(dir, 0o700)
    return fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })
  }
}

function openRegular(path: Buffer): number {
  try {
    return fs.openSync(path, O_SAFE_READ)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') throw err
    fs.chmodSync(path, 0o600)
    return fs.openSync(path, O_SAFE_READ)
  }
}

function hashFd(fd: number, size: number): string {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(Math.min(HASH_CHUNK, Math.max(size, 1)))
  let pos = 0
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos)
    if (n === 0) break
    hash.update(buf.subarray(0, n))
    pos += n
  }
  return hash.digest('hex')
}

/**
 * Modes a script may not leave on the host: set-uid/set-gid/sticky bits, and write access for group
 * or others. In the sandbox they mean nothing (no-new-privileges), but on the host the files belong
 * to the sandbox user — the desktop user on Linux — so a kept `chmod 4755` copy of python3 in a
 * folder others can reach would run as that user for anyone, and a 0777 folder would let any local
 * user swap artifacts. Kept files and folders are reduced to at most 0755 (the artifacts root to
 * 0700, as created), through a descriptor opened without following links.
 */
const UNSAFE_MODE_BITS = 0o7022

function restrictMode(fd: number, st: fs.Stats, mode?: number): void {
  const want = mode ?? st.mode & 0o777 & ~0o022
  if ((st.mode & 0o7777) === want) return
  try {
    fs.fchmodSync(fd, want)
  } catch {
    // Not ours to change (e.g. a foreign uid mapping): the file is still only read, never run.
  }
}

function restrictDirMode(dir: Buffer, mode?: number): void {
  let fd: number
  try {
    fd = fs.openSync(dir, O_DIR)
  } catch {
    return // unreadable (mode 000): listing it makes it 0700, which is safe
  }
  try {
    const st = fs.fstatSync(fd)
    if (st.isDirectory() && (mode !== undefined || st.mode & UNSAFE_MODE_BITS))
      restrictMode(fd, st, mode)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Walks a run's /output folder on the host after the container has stopped, in place.
 * Regular files within the limits become artifacts (sha256 streamed from an fd opened with
 * O_NOFOLLOW|O_NONBLOCK and checked with fstat). Everything else — links, FIFOs, sockets,
 * devices, files past a limit, names that are not UTF-8 — is removed from the folder without
 * ever being followed or opened, and reported as a warning. Iterative, so depth cannot overflow
 * the stack; sorted, so the manifest is deterministic.
 */
export function collectArtifacts(root: string, limits: WalkLimits): WalkResult {
  const artifacts: ArtifactInfo[] = []
  const warnings: RunWarning[] = []
  let totalBytes = 0
  let skippedForCount = 0
  const stack: { dir: Buffer; rel: string; depth: number }[] = [
    { dir: Buffer.from(root), rel: '', depth: 0 },
  ]
  const reject = (code: string, path: string, message: string): void => {
    warnings.push({ code, path, message })
  }

  while (stack.length > 0) {
    const { dir, rel, depth } = stack.pop()!
    restrictDirMode(dir, depth === 0 ? 0o700 : undefined)
    let entries: fs.Dirent<Buffer>[]
    try {
      entries = readDirEntries(dir)
    } catch (err) {
      reject('artifact_error', rel || '.', `cannot list folder: ${(err as Error).message}`)
      continue
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name))
    const subdirs: { dir: Buffer; rel: string; depth: number }[] = []
    for (const entry of entries) {
      const abs = Buffer.concat([dir, SLASH, entry.name])
      const name = decodeName(entry.name)
      const relPath = name === null ? `${rel}${entry.name.toString('utf8')}` : `${rel}${name}`
      try {
        if (name === null) {
          removeEntry(abs)
          reject(
            'artifact_rejected:name',
            relPath,
            'file name is not valid UTF-8 or contains a backslash',
          )
          continue
        }
        if (Buffer.byteLength(relPath) > MAX_ARTIFACT_PATH_BYTES) {
          removeEntry(abs)
          reject(
            'artifact_limit:path',
            relPath,
            `path longer than ${MAX_ARTIFACT_PATH_BYTES} bytes skipped`,
          )
          continue
        }
        let kind = entryKind(entry)
        if (kind === 'unknown') kind = lstatKind(abs)
        if (kind === 'directory') {
          if (depth + 1 > limits.artifactDepth) {
            removeEntry(abs)
            reject(
              'artifact_limit:depth',
              relPath,
              `folder deeper than ${limits.artifactDepth} levels skipped`,
            )
          } else {
            subdirs.push({ dir: abs, rel: `${relPath}/`, depth: depth + 1 })
          }
          continue
        }
        if (kind !== 'file') {
          removeEntry(abs)
          reject(
            `artifact_rejected:${kind}`,
            relPath,
            `${kind} skipped: only regular files are kept`,
          )
          continue
        }
        if (artifacts.length >= limits.artifactCount) {
          removeEntry(abs)
          skippedForCount++
          continue
        }
        const fd = openRegular(abs)
        try {
          const st = fs.fstatSync(fd)
          if (!st.isFile()) {
            removeEntry(abs)
            reject('artifact_rejected:special', relPath, 'not a regular file')
            continue
          }
          if (st.size > limits.artifactBytes) {
            removeEntry(abs)
            reject(
              'artifact_limit:size',
              relPath,
              `${st.size} bytes is over the ${limits.artifactBytes}-byte limit per file`,
            )
            continue
          }
          if (totalBytes + st.size > limits.artifactTotalBytes) {
            removeEntry(abs)
            reject(
              'artifact_limit:total',
              relPath,
              `skipped: artifacts would exceed ${limits.artifactTotalBytes} bytes in total`,
            )
            continue
          }
          if (st.mode & UNSAFE_MODE_BITS) restrictMode(fd, st)
          const sha256 = hashFd(fd, st.size)
          totalBytes += st.size
          artifacts.push({
            name: relPath,
            sizeBytes: st.size,
            sha256,
            contentType: contentTypeFor(relPath),
          })
        } finally {
          fs.closeSync(fd)
        }
      } catch (err) {
        try {
          removeEntry(abs)
        } catch {
          // reported below; nothing more can be done for this entry
        }
        reject('artifact_error', relPath, `could not be collected: ${(err as Error).message}`)
      }
    }
    // Reverse so that popping visits subfolders in sorted order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i])
  }
  if (skippedForCount > 0) {
    warnings.push({
      code: 'artifact_limit',
      message: `${skippedForCount} more files skipped: at most ${limits.artifactCount} artifacts are kept`,
    })
  }
  artifacts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { artifacts, warnings, totalBytes }
}
