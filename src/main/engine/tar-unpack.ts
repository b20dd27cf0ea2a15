import fs from 'node:fs'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import tar from 'tar-stream'
import type { RunWarning } from '../../shared/run'
import type { WalkLimits } from './artifact-walker'
import { decodeName, judgeEntry, type EntryKind } from './collect-rules'

export interface UnpackLimits extends Pick<WalkLimits, 'artifactDepth' | 'artifactBytes'> {
  /** Bytes written to the host before the rest of the stream is cut (the per-run /output quota). */
  maxBytes: number
  /** Entries read before the rest of the stream is cut (the per-run /output quota). */
  maxEntries: number
}

export interface UnpackResult {
  /** Entries never written to the host, with the walker's own codes (collect.ts orders them). */
  warnings: RunWarning[]
  /** result.json's kind when it was a link or a special file (not written, never read). */
  resultKind: 'symlink' | 'special' | null
  /** Data bytes written to the host (files over the size limit are written as holes, 0 here). */
  bytesWritten: number
  entries: number
}

/** Bytes a header (with its pax or GNU long-name records) may take before an entry starts. */
const MAX_HEADER_BYTES = 4 * 1024 * 1024

type Seen = 'dir' | 'file' | 'refused'

function tarKind(type: string | null | undefined): EntryKind | 'hardlink' {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file'
    case 'directory':
      return 'directory'
    case 'symlink':
      return 'symlink'
    case 'link':
      return 'hardlink'
    case 'fifo':
      return 'fifo'
    case 'character-device':
    case 'block-device':
      return 'device'
    default:
      return 'unknown'
  }
}

/**
 * The raw bytes of a header's name (or link target): ustar and GNU names are raw bytes (read as
 * latin1, one char per byte); pax records are text, and a name that was not UTF-8 arrives with
 * U+FFFD in place of each bad byte, which becomes the byte 0xFF again (never valid UTF-8), so the
 * name is refused as the walker refuses it.
 */
function nameBytes(header: tar.Header, field: 'name' | 'linkname'): Buffer | null {
  const value = header[field] as string | null | undefined
  if (value == null) return null
  const pax = header.pax as Record<string, string> | null | undefined
  const fromPax = pax?.[field === 'name' ? 'path' : 'linkpath']
  if (fromPax === undefined) return Buffer.from(value, 'latin1')
  const parts = fromPax.split('\uFFFD').map((p) => Buffer.from(p))
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.of(0xff), p])))
}

/**
 * The path inside /output of a name in the daemon's tar (`output/a/b`), as raw components; null
 * when it leaves /output: absolute, `..` or `.` components, empty components, another top folder.
 */
function componentsOf(raw: Buffer, top: string): Buffer[] | null {
  let end = raw.length
  while (end > 0 && raw[end - 1] === 0x2f) end--
  const parts: Buffer[] = []
  let start = 0
  for (let i = 0; i <= end; i++) {
    if (i === end || raw[i] === 0x2f) {
      parts.push(raw.subarray(start, i))
      start = i + 1
    }
  }
  if (parts.length === 0 || parts[0].toString('latin1') !== top) return null
  for (const p of parts.slice(1)) {
    const s = p.toString('latin1')
    if (s === '' || s === '.' || s === '..' || p.includes(0)) return null
  }
  return parts.slice(1)
}

/**
 * Unpacks the tar of /output the daemon sends (archive transfer) into `outputDir` on the host,
 * streamed, entry by entry, never holding a file in memory. It writes only folders and regular
 * files, each refused entry judged by the walker's own rules (collect-rules.ts): links, FIFOs and
 * devices are never created; names that leave /output are refused; folders past the depth limit and
 * paths past the length limit are refused with everything under them. A file over the per-file
 * size limit is written as a hole of its size (no data), so the walker then refuses it exactly as it
 * would the script's own file; a hard link to a file of this tar becomes a hard link here, as it
 * was in /output. The walker (collect.ts) then applies the order-dependent rules — count, total,
 * hashes, modes — to the folder, exactly as for a bind-mounted /output. Past `maxBytes` written or
 * `maxEntries` read, the rest of the stream is cut and reported.
 */
export async function unpackOutput(
  source: NodeJS.ReadableStream,
  outputDir: string,
  limits: UnpackLimits,
  top = 'output',
): Promise<UnpackResult> {
  const seen = new Map<string, Seen>()
  const refusals = new Map<string, RunWarning>()
  const result: UnpackResult = { warnings: [], resultKind: null, bytesWritten: 0, entries: 0 }
  const refuse = (rel: string, code: string, message: string): void => {
    seen.set(rel, 'refused')
    refusals.set(rel, { code, path: rel, message })
  }
  let cut = null as string | null
  let sinceEntry = 0
  let allowance = MAX_HEADER_BYTES
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sinceEntry += chunk.length
      if (sinceEntry > allowance)
        done(new Error('a tar header (or its long name) is larger than the collection allows'))
      else done(null, chunk)
    },
  })
  async function handleEntry(header: tar.Header, stream: AsyncIterable<Buffer>): Promise<void> {
    result.entries++
    if (cut) return drain(stream)
    if (result.entries > limits.maxEntries) {
      cut = `more than ${limits.maxEntries.toLocaleString('en-US')} entries`
      throw new CutError()
    }
    const raw = nameBytes(header, 'name')
    const comps = raw === null ? null : componentsOf(raw, top)
    if (comps === null) {
      const shown = raw === null ? header.name : raw.toString('utf8')
      refusals.set(`\u0000${shown}`, {
        code: 'artifact_rejected:name',
        path: shown,
        message: 'path outside /output skipped',
      })
      return drain(stream)
    }
    if (comps.length === 0) return drain(stream) // /output itself
    const names = comps.map(decodeName)
    const rel = comps.map((c, i) => names[i] ?? c.toString('utf8')).join('/')
    if (!ensureParents(comps, names)) return drain(stream)
    const depth = comps.length - 1
    const kind = tarKind(header.type)
    // Only entries whose every name is UTF-8 are ever written, so the host path is that text.
    const fsPath = path.join(outputDir, rel)
    if (kind === 'hardlink') return hardLink(header, rel, fsPath, names[depth], depth, stream)
    const v = judgeEntry({ name: names[depth], relPath: rel, kind, depth }, limits)
    if (rel === 'result.json' && kind !== 'file' && kind !== 'directory')
      result.resultKind = kind === 'symlink' ? 'symlink' : 'special'
    else if (rel === 'result.json') result.resultKind = null
    if (v === 'dir') {
      replace(rel, fsPath, 'dir')
      fs.mkdirSync(fsPath, { recursive: true, mode: 0o755 })
      seen.set(rel, 'dir')
      refusals.delete(rel)
      return drain(stream)
    }
    if (v !== 'file') {
      replace(rel, fsPath, null)
      refuse(rel, v.remove[0], v.remove[1])
      return drain(stream)
    }
    replace(rel, fsPath, 'file')
    refusals.delete(rel)
    const size = Math.max(0, header.size ?? 0)
    if (size <= limits.artifactBytes && result.bytesWritten + size > limits.maxBytes) {
      cut = `more than ${limits.maxBytes.toLocaleString('en-US')} bytes`
      throw new CutError()
    }
    const fd = fs.openSync(
      fsPath,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      0o600,
    )
    seen.set(rel, 'file')
    try {
      if (size > limits.artifactBytes) {
        // A hole of the file's size: the walker refuses it by its size, as the script's own.
        fs.ftruncateSync(fd, size)
        await drain(stream)
      } else {
        for await (const chunk of stream) {
          let off = 0
          while (off < chunk.length) off += fs.writeSync(fd, chunk, off)
        }
        result.bytesWritten += size
      }
      fs.fchmodSync(fd, ((header.mode ?? 0o644) & 0o755) | 0o600)
    } finally {
      fs.closeSync(fd)
    }
  }

  /** Folders above an entry: judged as the walker would when it meets them, created when kept. */
  function ensureParents(comps: Buffer[], names: (string | null)[]): boolean {
    let rel = ''
    for (let i = 0; i < comps.length - 1; i++) {
      rel = rel
        ? `${rel}/${names[i] ?? comps[i].toString('utf8')}`
        : (names[i] ?? comps[i].toString('utf8'))
      const state = seen.get(rel)
      if (state === 'dir') continue
      if (state === 'refused') return false
      if (state === 'file') {
        refusals.set(`${rel}/`, {
          code: 'artifact_error',
          path: rel,
          message: 'entries under a file skipped',
        })
        return false
      }
      const v = judgeEntry({ name: names[i], relPath: rel, kind: 'directory', depth: i }, limits)
      if (v !== 'dir') {
        if (v !== 'file') refuse(rel, v.remove[0], v.remove[1])
        return false
      }
      fs.mkdirSync(path.join(outputDir, rel), { mode: 0o755 })
      seen.set(rel, 'dir')
    }
    return true
  }

  /** A later entry of the same path replaces an earlier one, as extracting a tar does. */
  function replace(rel: string, fsPath: string, next: 'dir' | 'file' | null): void {
    const before = seen.get(rel)
    if (before === undefined || before === 'refused' || (before === 'dir' && next === 'dir')) return
    fs.rmSync(fsPath, { recursive: true, force: true })
    for (const key of [...seen.keys()]) if (key.startsWith(`${rel}/`)) seen.delete(key)
    seen.delete(rel)
  }

  /** A hard link to a file of this tar stays a hard link; to anything else it is refused. */
  async function hardLink(
    header: tar.Header,
    rel: string,
    fsPath: string,
    name: string | null,
    depth: number,
    stream: AsyncIterable<Buffer>,
  ): Promise<void> {
    await drain(stream)
    const v = judgeEntry({ name, relPath: rel, kind: 'file', depth }, limits)
    if (v !== 'file') {
      if (v !== 'dir') refuse(rel, v.remove[0], v.remove[1])
      return
    }
    const linkRaw = nameBytes(header, 'linkname')
    const linkComps = linkRaw === null ? null : componentsOf(linkRaw, top)
    const linkRel = linkComps?.map((c) => decodeName(c) ?? '\u0000').join('/')
    if (!linkRel || seen.get(linkRel) !== 'file') {
      replace(rel, fsPath, null)
      refuse(rel, 'artifact_rejected:hardlink', 'hard link to a file outside /output skipped')
      return
    }
    replace(rel, fsPath, 'file')
    refusals.delete(rel)
    fs.linkSync(path.join(outputDir, linkRel), fsPath)
    seen.set(rel, 'file')
  }

  // Any async-iterable byte stream (the daemon's HTTP response; tar-stream's own in tests).
  const src = Readable.from(source as AsyncIterable<Buffer>, { objectMode: false })
  // ustar and GNU names as raw bytes (see nameBytes); the option is tar-stream's own.
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0])
  src.on('error', (err) => meter.destroy(err))
  meter.on('error', (err) => extract.destroy(err))
  src.pipe(meter).pipe(extract)
  try {
    for await (const entry of extract) {
      sinceEntry = 0
      allowance = MAX_HEADER_BYTES + Math.max(0, entry.header.size) + 512
      await handleEntry(entry.header, entry as AsyncIterable<Buffer>)
    }
  } catch (err) {
    if (!(err instanceof CutError)) {
      refusals.set('\uffff', {
        code: 'artifact_error',
        message: `the daemon's tar stream of /output could not be read to its end: ${(err as Error).message}`,
      })
    }
  } finally {
    src.destroy()
    meter.destroy()
  }
  if (cut) {
    refusals.set('\uffff\uffff', {
      code: 'output_quota',
      message: `/output held ${cut}: the rest was not collected`,
    })
  }
  result.warnings = [...refusals.values()]
  return result
}

class CutError extends Error {}

async function drain(stream: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of stream) void chunk
}
