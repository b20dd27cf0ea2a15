// Run bundles from the app (see docs/bundles.md): over IPC the main process shows a save dialog
// and takes the zip's bytes; over HTTP the browser downloads `GET /executions/{id}/bundle` and
// POSTs a file to `/executions/import`.
import { client } from './api/client'

/** True for a file the app offers to import as a run bundle. */
export function looksLikeBundle(file: { name: string; type: string }): boolean {
  return /\.zip$/i.test(file.name) || /^application\/(x-)?zip/.test(file.type)
}

/** Exports run `id`; what to tell the person, or null when they cancelled. */
export async function exportRun(id: string): Promise<string | null> {
  if (client.bundleUrl) {
    const a = document.createElement('a')
    a.href = client.bundleUrl(id)
    a.download = `tako-run-${id}.zip`
    document.body.append(a)
    a.click()
    a.remove()
    return `Downloading the bundle of run ${id.slice(0, 8)}`
  }
  const r = await client.call('runs:exportBundle', { id })
  return 'path' in r ? `Saved the bundle to ${r.path}` : null
}

/** Imports a bundle file as a new run; its id and the id it had where it was exported. */
export async function importFile(file: File): Promise<{ id: string; originalId: string }> {
  if (!looksLikeBundle(file)) {
    throw new Error(`${file.name} is not a run bundle: drop or pick a .zip exported by Tako VM`)
  }
  if (client.importBundle) return client.importBundle(file)
  const s = await client.call('runs:importBundle', {
    data: new Uint8Array(await file.arrayBuffer()),
  })
  return { id: s.id, originalId: s.imported?.originalId ?? '' }
}
