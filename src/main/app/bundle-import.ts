// Imports a verified run bundle as a new run (see docs/bundles.md, 'Import'). The whole bundle is
// checked first (bundle-verify.ts); only then are its files inflated, a second time and in bounded
// chunks, into a staging folder the store renames into place. The bytes are hashed again on the
// way to disk, so what is written is exactly what was verified.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { RunRecord } from '../../shared/record'
import type { RunStore } from '../store/run-store'
import { ARTIFACTS_DIR } from '../engine/run-folder'
import { ARTIFACT_PREFIX, FIXED_ENTRIES, MAX_BUNDLE_BYTES } from './bundle-format'
import { BundleRefused, inflateEntry } from './bundle-zip'
import { verifyBundle } from './bundle-verify'
import { inputFileTarget, isInputFileEntry } from './bundle-inputs'

export { BundleRefused }

/** Where an entry lands in the new run's folder. */
function targetOf(dir: string, name: string): string {
  const fixed = FIXED_ENTRIES.find((f) => f.entry === name)
  if (fixed) return path.join(dir, fixed.file)
  if (isInputFileEntry(name)) return inputFileTarget(dir, name)
  // The name was checked to be plain relative segments under artifacts/.
  return path.join(dir, ARTIFACTS_DIR, ...name.slice(ARTIFACT_PREFIX.length).split('/'))
}

/** Verifies `bytes` as a run bundle and adds it to the store as a new run; BundleRefused when it is not one. */
export async function importBundle(
  store: RunStore,
  bytes: Uint8Array,
  now = new Date(),
): Promise<RunRecord> {
  if (bytes.length > MAX_BUNDLE_BYTES) {
    throw new BundleRefused(`${bytes.length} bytes, over the cap of ${MAX_BUNDLE_BYTES}`)
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const { manifest, record, files } = await verifyBundle(buf)
  const hashes = new Map(manifest.files.map((f) => [f.path, f.sha256]))
  const imported: RunRecord = {
    ...record,
    id: randomUUID(),
    // Another store's idempotency key must not answer this store's requests.
    idempotencyKey: null,
    fingerprint: null,
    imported: {
      originalId: record.id,
      originalCreatedAt: record.createdAt,
      importedAt: now.toISOString(),
    },
  }
  delete imported.owner
  return store.insertFinished(imported, async (dir) => {
    fs.mkdirSync(path.join(dir, ARTIFACTS_DIR), { mode: 0o755 })
    for (const [name, entry] of files) {
      const file = targetOf(dir, name)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      const fd = fs.openSync(file, 'wx', 0o644)
      try {
        const digest = await inflateEntry(buf, entry, (chunk) => {
          for (let at = 0; at < chunk.length;) at += fs.writeSync(fd, chunk, at)
        })
        if (digest.sha256 !== hashes.get(name)) {
          throw new BundleRefused(`${JSON.stringify(name)} changed while it was imported`)
        }
      } finally {
        fs.closeSync(fd)
      }
      // Input files are read-only in a run's folder, as a run's own are written.
      if (isInputFileEntry(name)) fs.chmodSync(file, 0o444)
    }
  })
}
