// A strict reader of the zip files a run bundle or an exercise pack is (see docs/bundles.md,
// 'Checks', and docs/exercise-pack.md): it reads the central directory itself, refuses what neither
// holds (links, encryption, multi-disk and zip64 archives, overlapping or out-of-range entries), and
// inflates an entry in bounded chunks, stopping as soon as it passes the size its header declared —
// header sizes are never trusted to allocate anything. Every refusal is thrown as the caller's own
// error class (`Refusal`), so a bundle says "Bundle refused: …" and a pack "Pack refused: …".
import { createHash } from 'node:crypto'
import { crc32, createInflateRaw } from 'node:zlib'
import { InvalidArgument } from './errors'

/** A bundle that fails verification; the message is the exact reason (HTTP 422). */
export class BundleRefused extends InvalidArgument {
  constructor(reason: string) {
    super(`Bundle refused: ${reason}`)
  }
}

/** The error a caller's refusals are thrown as: built from the exact reason. */
export type Refusal = new (reason: string) => InvalidArgument

export interface ReadOptions {
  /** Thrown for every refusal (default BundleRefused). */
  refused?: Refusal
  /** Directory entries (zip tools add them) are skipped instead of refused. */
  skipDirectories?: boolean
}

export interface ZipEntry {
  name: string
  method: 0 | 8
  crc: number
  compressedSize: number
  size: number
  /** Where the entry's compressed bytes start and end in the archive. */
  dataStart: number
  dataEnd: number
}

const EOCD_SIG = 0x06054b50
const CDH_SIG = 0x02014b50
const LFH_SIG = 0x04034b50
const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const UNIX = 3
const CHUNK = 1024 * 1024

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** What the archive is, for refusals: a run bundle unless the caller's refusals are its own. */
function archiveKind(Refused: Refusal): 'bundle' | 'pack' {
  return Refused === BundleRefused ? 'bundle' : 'pack'
}

function findEnd(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65,535.
  const stop = Math.max(0, buf.length - 22 - 0xffff)
  for (let i = buf.length - 22; i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG && i + 22 + buf.readUInt16LE(i + 20) === buf.length) {
      return i
    }
  }
  return -1
}

/** Lists the archive's entries from its central directory, checking every field it relies on. */
export function readEntries(
  buf: Buffer,
  maxEntries: number,
  options: ReadOptions = {},
): ZipEntry[] {
  const Refused = options.refused ?? BundleRefused
  const what = archiveKind(Refused)
  if (buf.length < 22) throw new Refused('not a zip archive (too short)')
  const end = findEnd(buf)
  if (end < 0) {
    throw new Refused('not a complete zip archive (no end-of-archive record; truncated?)')
  }
  const disk = buf.readUInt16LE(end + 4)
  const cdDisk = buf.readUInt16LE(end + 6)
  const countHere = buf.readUInt16LE(end + 8)
  const count = buf.readUInt16LE(end + 10)
  const cdSize = buf.readUInt32LE(end + 12)
  const cdOffset = buf.readUInt32LE(end + 16)
  if (disk !== 0 || cdDisk !== 0 || countHere !== count) {
    throw new Refused(`multi-part zip archives are not ${what}s`)
  }
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new Refused(`zip64 archives are not ${what}s`)
  }
  if (count > maxEntries) {
    throw new Refused(`${count} entries, more than the ${maxEntries} a ${what} may have`)
  }
  if (cdOffset + cdSize !== end) {
    throw new Refused('corrupt zip archive (central directory out of place)')
  }
  const entries: ZipEntry[] = []
  const taken: [number, number][] = []
  let p = cdOffset
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CDH_SIG) {
      throw new Refused('corrupt zip archive (bad central directory entry)')
    }
    const madeBy = buf.readUInt16LE(p + 4) >> 8
    const flags = buf.readUInt16LE(p + 8)
    const method = buf.readUInt16LE(p + 10)
    const crc = buf.readUInt32LE(p + 16)
    const compressedSize = buf.readUInt32LE(p + 20)
    const size = buf.readUInt32LE(p + 24)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const diskStart = buf.readUInt16LE(p + 34)
    const external = buf.readUInt32LE(p + 38)
    const local = buf.readUInt32LE(p + 42)
    const next = p + 46 + nameLen + extraLen + commentLen
    if (next > end) throw new Refused('corrupt zip archive (central directory overruns)')
    let name: string
    try {
      name = utf8.decode(buf.subarray(p + 46, p + 46 + nameLen))
    } catch {
      throw new Refused('an entry name is not valid UTF-8')
    }
    const shown = JSON.stringify(name)
    if (diskStart !== 0) throw new Refused(`${shown} is on another disk`)
    if (flags & 0x41) throw new Refused(`${shown} is encrypted`)
    if (method !== 0 && method !== 8) {
      throw new Refused(`${shown} uses compression method ${method} (only store and deflate)`)
    }
    const mode = external >>> 16
    const isDirectory = (external & 0x10) !== 0 || (madeBy === UNIX && (mode & S_IFMT) === S_IFDIR)
    if (isDirectory && options.skipDirectories && name.endsWith('/') && size === 0) {
      p = next
      continue
    }
    if (madeBy === UNIX && mode !== 0 && (mode & S_IFMT) !== S_IFREG) {
      const kind = (mode & S_IFMT) === 0o120000 ? 'a symbolic link' : 'not a regular file'
      throw new Refused(`${shown} is ${kind}`)
    }
    if (external & 0x10) throw new Refused(`${shown} is a directory entry`)
    if (method === 0 && compressedSize !== size) {
      throw new Refused(`${shown} is stored with two different sizes`)
    }
    if (local + 30 > cdOffset || buf.readUInt32LE(local) !== LFH_SIG) {
      throw new Refused(`corrupt zip archive (no local header for ${shown})`)
    }
    const localNameLen = buf.readUInt16LE(local + 26)
    const dataStart = local + 30 + localNameLen + buf.readUInt16LE(local + 28)
    const dataEnd = dataStart + compressedSize
    if (dataEnd > cdOffset) throw new Refused(`${shown} runs past the end of the archive`)
    if (
      !buf
        .subarray(local + 30, local + 30 + localNameLen)
        .equals(buf.subarray(p + 46, p + 46 + nameLen))
    ) {
      throw new Refused(`${shown} has a different name in its local header`)
    }
    if (taken.some(([s, e]) => local < e && dataEnd > s)) {
      throw new Refused(`${shown} overlaps another entry`)
    }
    taken.push([local, dataEnd])
    entries.push({
      name,
      method,
      crc,
      compressedSize,
      size,
      dataStart,
      dataEnd,
    })
    p = next
  }
  if (p !== end) throw new Refused('corrupt zip archive (central directory size mismatch)')
  return entries
}

/** Deflate cannot shrink data more than ≈1032:1; a header claiming more is lying. */
export const MAX_DEFLATE_RATIO = 1032

/** A path inside an archive: plain relative segments; no absolute path, drive, backslash, `..` or NUL. */
export function checkPlainName(name: string, Refused: Refusal = BundleRefused): void {
  const shown = JSON.stringify(name)
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new Refused(`${shown} is an absolute path`)
  }
  if (name.includes('\\')) throw new Refused(`${shown} contains a backslash`)
  if (name.split('/').some((s) => s === '..')) {
    throw new Refused(`${shown} leads out of the ${archiveKind(Refused)} (..)`)
  }
  if (name.includes('\0')) throw new Refused(`${shown} contains a NUL character`)
}

/**
 * Notes `name` in `seen` (names case-folded and NFC-normalised), refusing one that would be the same
 * file as an earlier entry somewhere.
 */
export function checkNameUnique(
  seen: Map<string, string>,
  name: string,
  Refused: Refusal = BundleRefused,
): void {
  const folded = name.normalize('NFC').toLowerCase()
  const earlier = seen.get(folded)
  if (earlier !== undefined) {
    throw new Refused(
      earlier === name
        ? `${JSON.stringify(name)} appears twice`
        : `${JSON.stringify(name)} and ${JSON.stringify(earlier)} name the same file on a case-insensitive or normalising file system`,
    )
  }
  seen.set(folded, name)
}

/** Refuses an entry whose header claims a ratio deflate cannot reach. */
export function checkRatio(e: ZipEntry, Refused: Refusal = BundleRefused): void {
  if (e.method === 8 && e.size > 1024 && e.size > e.compressedSize * MAX_DEFLATE_RATIO) {
    throw new Refused(
      `${JSON.stringify(e.name)} claims a compression ratio deflate cannot reach (${e.size} bytes from ${e.compressedSize}): a zip bomb`,
    )
  }
}

export interface EntryDigest {
  size: number
  sha256: string
}

/**
 * Inflates one entry (zlib, in chunks of at most 1 MiB), handing each chunk to `sink` (if given),
 * and checks it against its header: it may not produce a byte past the declared size (the
 * inflater is destroyed there), must produce exactly that many, and must match its CRC. Returns
 * its size and sha256.
 */
export async function inflateEntry(
  buf: Buffer,
  entry: ZipEntry,
  sink?: (chunk: Uint8Array) => void,
  Refused: Refusal = BundleRefused,
): Promise<EntryDigest> {
  const shown = JSON.stringify(entry.name)
  const hash = createHash('sha256')
  let size = 0
  let crc = 0
  const take = (chunk: Uint8Array): void => {
    size += chunk.length
    if (size > entry.size) {
      throw new Refused(`${shown} inflates past its declared size of ${entry.size} bytes`)
    }
    hash.update(chunk)
    crc = crc32(chunk, crc)
    sink?.(chunk)
  }
  const data = buf.subarray(entry.dataStart, entry.dataEnd)
  if (entry.method === 0) {
    for (let at = 0; at < data.length; at += CHUNK) take(data.subarray(at, at + CHUNK))
  } else {
    const inflater = createInflateRaw({ chunkSize: CHUNK })
    inflater.end(data)
    try {
      for await (const chunk of inflater as AsyncIterable<Buffer>) take(chunk)
    } catch (err) {
      if (err instanceof Refused) throw err
      throw new Refused(`${shown} is corrupt (${(err as Error).message})`)
    } finally {
      inflater.destroy()
    }
  }
  if (size !== entry.size) {
    throw new Refused(`${shown} holds ${size} bytes, its header says ${entry.size}`)
  }
  if (crc >>> 0 !== entry.crc) throw new Refused(`${shown} is corrupt (CRC mismatch)`)
  return { size, sha256: hash.digest('hex') }
}
