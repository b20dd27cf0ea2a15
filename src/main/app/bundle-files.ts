// Run bundles to and from the desktop app's files (see docs/bundles.md): the export writes to a
// path the person chose, through a temporary file renamed into place only once it is complete.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import type { RunStore } from '../store/run-store'
import { bundleFileName, exportableRun, exportBundle } from './bundle-export'
import { FailedPrecondition, InvalidArgument } from './errors'

/** Exports run `id` to a file the person picks; `{ cancelled: true }` when they cancel the dialog. */
export async function exportBundleToFile(
  store: RunStore,
  id: string,
  chooseSavePath: ((suggestedName: string) => Promise<string | null>) | undefined,
): Promise<{ path: string } | { cancelled: true }> {
  exportableRun(store, id)
  if (!chooseSavePath) {
    throw new FailedPrecondition(
      `This transport cannot save files: download GET /executions/${id}/bundle instead`,
    )
  }
  const target = await chooseSavePath(bundleFileName(id))
  if (target === null) return { cancelled: true }
  await writeBundleFile(store, id, target)
  return { path: target }
}

/** Writes run `id`'s bundle to `target` (a complete file or none). */
export async function writeBundleFile(store: RunStore, id: string, target: string): Promise<void> {
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`,
  )
  const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 })
  try {
    await exportBundle(store, id, out)
    out.end()
    await finished(out)
    fs.renameSync(tmp, target)
  } catch (err) {
    out.destroy()
    fs.rmSync(tmp, { force: true })
    throw err
  }
}

/** A bundle's bytes as the contract carries them (raw over IPC, base64 over JSON). */
export function bundleBytes(data: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof data !== 'string') return data instanceof ArrayBuffer ? new Uint8Array(data) : data
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new InvalidArgument('data: not base64')
  return Buffer.from(data, 'base64')
}
