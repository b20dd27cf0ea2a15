// Exports a finished run as one zip (see docs/bundles.md, 'Format'), streamed: each file is read in
// chunks of 1 MiB, hashed and handed to fflate's streaming Zip, whose output goes straight to `out`
// with its backpressure respected — a 100 MiB run never sits in memory. Artifacts are opened with
// the same safe open as the artifact routes; `manifest.json`, written last, lists every file.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { constants, crc32, deflateRawSync } from 'node:zlib'
import { Zip, type AsyncFlateStreamHandler, type ZipInputFile } from 'fflate'
import type { RunRecord } from '../../shared/record'
import { isTerminal } from '../../shared/run'
import { isValidRunId, type RunStore } from '../store/run-store'
import { O_SAFE_READ, openArtifact } from './artifact-access'
import {
  appVersion,
  ARTIFACT_PREFIX,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  FIXED_ENTRIES,
  MANIFEST_ENTRY,
  RECORD_ENTRY,
  recipeHashOf,
  STDIN_FILE,
  type BundleManifest,
  type ManifestFile,
} from './bundle-format'
import { Conflict, NotFound } from './errors'
import { INPUT_PREFIX, openInputFile } from './bundle-inputs'

const CHUNK = 1024 * 1024
/** Deflate a file only when its first megabyte shrinks by at least this much (else store it). */
const WORTH_DEFLATING = 0.9

/** The run to export, or NotFound / Conflict: only a finished run is a bundle. */
export function exportableRun(store: RunStore, id: string): RunRecord {
  const record = isValidRunId(id) ? store.get(id) : undefined
  if (!record) throw new NotFound('Run not found')
  if (!isTerminal(record.status)) throw new Conflict('Only a finished run can be exported')
  return record
}

/** The bundle's file name for a run. */
export function bundleFileName(id: string): string {
  return `tako-run-${id}.zip`
}

/**
 * One zip entry for fflate's Zip, with Node's native CRC and zlib (several times faster than the
 * JavaScript ones). Deflated entries compress each chunk on its own and sync-flush it, the last
 * one finishing the stream: the blocks joined are one valid raw deflate stream. `level` null
 * stores the bytes as they are.
 */
class NativeZipFile implements ZipInputFile {
  size = 0
  crc = 0
  readonly compression: number
  ondata: AsyncFlateStreamHandler = () => undefined

  constructor(
    readonly filename: string,
    private readonly level: number | null,
  ) {
    this.compression = level === null ? 0 : 8
  }

  push(chunk: Uint8Array, final = false): void {
    this.crc = crc32(chunk, this.crc)
    this.size += chunk.length
    const out =
      this.level === null
        ? chunk
        : deflateRawSync(chunk, {
            level: this.level,
            finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
          })
    // Node's buffers here are never backed by a SharedArrayBuffer.
    this.ondata(null, out as Uint8Array<ArrayBuffer>, final)
  }
}

/** Resolves when `out` can take more, rejects when it closed or failed first. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      out.off('drain', onDrain)
      out.off('close', onClose)
      out.off('error', done)
      if (err) reject(err)
      else resolve()
    }
    const onDrain = (): void => done()
    const onClose = (): void => done(new Error('the bundle destination closed'))
    out.on('drain', onDrain)
    out.on('close', onClose)
    out.on('error', done)
  })
}

function* chunksOfFd(fd: number): Generator<Buffer> {
  const buf = Buffer.allocUnsafe(CHUNK)
  for (;;) {
    const n = fs.readSync(fd, buf, 0, CHUNK, null)
    if (n === 0) return
    yield Buffer.from(buf.subarray(0, n))
  }
}

/** Streams run `id` of `store` as a bundle into `out` (which it does not end on failure). */
export async function exportBundle(
  store: RunStore,
  id: string,
  out: Writable,
  now = new Date(),
): Promise<void> {
  const record = exportableRun(store, id)
  const files: ManifestFile[] = []
  // Set by the zip's callback, which runs synchronously inside push() and end().
  const state: { failure: Error | null; waiting: Promise<void> | null; finished: boolean } = {
    failure: null,
    waiting: null,
    finished: false,
  }
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      state.failure = err
      return
    }
    if (!out.write(chunk)) state.waiting ??= drained(out)
    if (final) state.finished = true
  })

  /** Throws what the zip reported; waits while `out` is full. */
  async function settle(): Promise<void> {
    if (state.failure) throw state.failure
    if (state.waiting) {
      await state.waiting
      state.waiting = null
    }
  }

  async function add(name: string, chunks: Iterable<Buffer>): Promise<void> {
    const hash = createHash('sha256')
    let size = 0
    let file: NativeZipFile | null = null
    for (const chunk of chunks) {
      if (file === null) {
        // Text compresses well; images, archives and random bytes are stored as they are.
        const small = chunk.length < 64 * 1024
        const deflate =
          small || deflateRawSync(chunk, { level: 1 }).length < chunk.length * WORTH_DEFLATING
        file = new NativeZipFile(name, deflate ? (small ? 6 : 1) : null)
        zip.add(file)
      }
      hash.update(chunk)
      size += chunk.length
      file.push(chunk)
      await settle()
    }
    if (file === null) {
      file = new NativeZipFile(name, null)
      zip.add(file)
    }
    file.push(new Uint8Array(0), true)
    await settle()
    files.push({ path: name, size, sha256: hash.digest('hex') })
  }

  const dir = store.runDir(record.id)
  for (const f of FIXED_ENTRIES) {
    if (f.file === STDIN_FILE && !record.hasStdin) continue
    if (f.entry === 'output/result.json') {
      const output = store.readOutput(record.id)
      if (output !== null) await add(f.entry, [Buffer.from(output)])
      continue
    }
    let fd: number
    try {
      fd = fs.openSync(path.join(dir, f.file), O_SAFE_READ)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      // A run that printed nothing may have no stdout.txt: the bundle holds it empty.
      await add(f.entry, [])
      continue
    }
    try {
      if (!fs.fstatSync(fd).isFile()) throw new Conflict(`${f.file} of the run is not a file`)
      await add(f.entry, chunksOfFd(fd))
    } finally {
      fs.closeSync(fd)
    }
  }
  for (const a of record.artifacts) {
    const open = openArtifact(store, record.id, a.name)
    try {
      await add(`${ARTIFACT_PREFIX}${a.name}`, chunksOfFd(open.fd))
    } finally {
      fs.closeSync(open.fd)
    }
  }
  for (const f of record.inputFiles ?? []) {
    const fd = openInputFile(dir, f.name)
    try {
      await add(`${INPUT_PREFIX}${f.name}`, chunksOfFd(fd))
    } finally {
      fs.closeSync(fd)
    }
  }
  // The record as stored, without the local process that wrote it.
  const portable: Partial<RunRecord> = { ...record }
  delete portable.owner
  await add(RECORD_ENTRY, [Buffer.from(JSON.stringify(portable, null, 2))])
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    appVersion: appVersion(),
    exportedAt: now.toISOString(),
    runId: record.id,
    environment: {
      name: record.environment,
      image: record.image,
      recipeHash: recipeHashOf(record.image, record.environment),
    },
    files,
  }
  const manifestFile = new NativeZipFile(MANIFEST_ENTRY, 6)
  zip.add(manifestFile)
  manifestFile.push(Buffer.from(JSON.stringify(manifest, null, 2)), true)
  zip.end()
  await settle()
  if (!state.finished) throw new Error('the zip did not finish')
}
