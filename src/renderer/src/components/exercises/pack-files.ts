// Exercise packs to and from the app's files: a picked or dropped zip goes to exercises:import
// (raw bytes over IPC, base64 over the HTTP transport); a teacher's pack is saved by the main
// process's save dialog (Electron) or built there and downloaded by the browser (HTTP).
import type { PackDraft } from '../../../../shared/exercise'
import { client } from '../../api/client'
import { looksLikeBundle } from '../../bundle'

/** The HTTP transport (the browser build) cannot show a save dialog: it downloads instead. */
const overHttp = (): boolean => client.bundleUrl !== undefined

function toBase64(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(text)
}

/** A file's bytes as exercises:import takes them on this transport; refuses what is not a zip. */
export async function packData(file: File): Promise<string | Uint8Array<ArrayBuffer>> {
  if (!looksLikeBundle(file)) {
    throw new Error(`${file.name} is not an exercise pack: pick or drop a .zip`)
  }
  const bytes = new Uint8Array(await file.arrayBuffer())
  return overHttp() ? toBase64(bytes) : bytes
}

/** Saves the pack made from `draft`; what to tell the person, or null when they cancelled. */
export async function exportPack(draft: PackDraft): Promise<string | null> {
  if (overHttp()) {
    const { data } = await client.call('exercises:buildPack', { draft })
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }))
    const a = document.createElement('a')
    a.href = url
    a.download = `${draft.id}.zip`
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
    return `Downloading the exercise pack ${draft.id}.zip`
  }
  const r = await client.call('exercises:exportPack', { draft })
  return 'path' in r ? `Saved the exercise pack to ${r.path}` : null
}
