import type { WalkLimits } from './artifact-walker'

/**
 * The rules of collecting /output, one implementation for both file transfers (see
 * docs/run-contract.md, 'Artifacts'): the walker applies them to the run folder (bind mounts), the
 * tar unpacker to the stream the daemon sends (archive transfer, tar-unpack.ts).
 */

/**
 * Longest artifact path kept, in bytes. Within the depth limit a script can still nest names of 255
 * bytes past the host's PATH_MAX (4096), where path-based calls fail with ENAMETOOLONG: such an
 * entry could not be shown or downloaded. Anything longer is removed (folders flatly, as for the
 * depth limit) and reported.
 */
export const MAX_ARTIFACT_PATH_BYTES = 1024

/** What an entry of /output is; only `file` and `directory` are ever kept. */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'unknown'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** An entry's name as text, or null when it is not UTF-8 or holds a backslash (refused). */
export function decodeName(name: Buffer): string | null {
  try {
    const s = utf8.decode(name)
    return s.includes('\\') ? null : s
  } catch {
    return null
  }
}

/** A refusal: the warning's code and message. */
export type Refusal = [code: string, message: string]

/**
 * One entry judged on what is known before its content is read: its name, path, kind and the
 * depth of the folder holding it (0 for /output itself). `dir`: a folder to descend into; `file`: a
 * regular file, still subject to the size, count and total limits; otherwise it is removed.
 */
export function judgeEntry(
  e: { name: string | null; relPath: string; kind: EntryKind; depth: number },
  limits: Pick<WalkLimits, 'artifactDepth'>,
): 'dir' | 'file' | { remove: Refusal } {
  if (e.name === null)
    return {
      remove: ['artifact_rejected:name', 'file name is not valid UTF-8 or contains a backslash'],
    }
  if (Buffer.byteLength(e.relPath) > MAX_ARTIFACT_PATH_BYTES)
    return {
      remove: ['artifact_limit:path', `path longer than ${MAX_ARTIFACT_PATH_BYTES} bytes skipped`],
    }
  if (e.kind === 'directory') {
    if (e.depth + 1 <= limits.artifactDepth) return 'dir'
    return {
      remove: ['artifact_limit:depth', `folder deeper than ${limits.artifactDepth} levels skipped`],
    }
  }
  if (e.kind !== 'file')
    return {
      remove: [`artifact_rejected:${e.kind}`, `${e.kind} skipped: only regular files are kept`],
    }
  return 'file'
}

/** A regular file's size against the per-file and total limits; null when it is kept. */
export function judgeSize(
  size: number,
  totalSoFar: number,
  limits: Pick<WalkLimits, 'artifactBytes' | 'artifactTotalBytes'>,
): Refusal | null {
  if (size > limits.artifactBytes)
    return [
      'artifact_limit:size',
      `${size} bytes is over the ${limits.artifactBytes}-byte limit per file`,
    ]
  if (totalSoFar + size > limits.artifactTotalBytes)
    return [
      'artifact_limit:total',
      `skipped: artifacts would exceed ${limits.artifactTotalBytes} bytes in total`,
    ]
  return null
}

/**
 * The walk's order as a sort key: in each folder its files (and every entry refused while listing
 * it) in byte order, then its subfolders in byte order. Warnings of both transfers come out in this
 * order, so they match whatever order the daemon's tar had.
 */
export function walkOrderKey(relPath: string): string {
  const parts = relPath.split('/')
  return parts
    .map((p, i) => (i < parts.length - 1 ? '\u0001' : '\u0000') + Buffer.from(p).toString('latin1'))
    .join('\u0000')
}
