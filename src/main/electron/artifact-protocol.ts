import fs from 'node:fs'
import path from 'node:path'
import type { RunStore } from '../store/run-store'
import { isValidRunId } from '../store/run-store'

export const ARTIFACT_SCHEME = 'tako-artifact'

export type ArtifactResolution =
  | { ok: true; file: string; contentType: string; sha256: string }
  | { ok: false; status: 400 | 404; message: string }

/**
 * Resolves `tako-artifact://run/<id>/<path>` to a file, re-checking on every request: the run exists,
 * the path is a plain relative path in its manifest (`..`, `%2e%2e`, absolute paths, backslashes
 * refused), and the real path — links resolved now, not when the run was indexed — lies inside the
 * run's artifacts folder and is a regular file.
 */
export function resolveArtifactUrl(store: RunStore, url: string): ArtifactResolution {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { ok: false, status: 400, message: 'bad URL' }
  }
  if (u.protocol !== `${ARTIFACT_SCHEME}:` || u.host !== 'run')
    return { ok: false, status: 400, message: 'bad URL' }
  const raw = u.pathname.replace(/^\//, '')
  const slash = raw.indexOf('/')
  if (slash <= 0) return { ok: false, status: 400, message: 'bad URL' }
  let id: string
  let name: string
  try {
    id = decodeURIComponent(raw.slice(0, slash))
    name = decodeURIComponent(raw.slice(slash + 1))
  } catch {
    return { ok: false, status: 400, message: 'bad encoding' }
  }
  const segments = name.split('/')
  if (
    !isValidRunId(id) ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    return { ok: false, status: 400, message: 'invalid artifact path' }
  }
  const rec = store.get(id)
  const artifact = rec?.artifacts.find((a) => a.name === name)
  if (!rec || !artifact) return { ok: false, status: 404, message: 'artifact not found' }
  const root = store.artifactsDir(id)
  let real: string
  let realRoot: string
  try {
    realRoot = fs.realpathSync(root)
    real = fs.realpathSync(path.join(root, name))
  } catch {
    return { ok: false, status: 404, message: 'artifact file not found' }
  }
  if (!real.startsWith(realRoot + path.sep))
    return { ok: false, status: 400, message: 'outside the run folder' }
  const st = fs.lstatSync(real)
  if (!st.isFile()) return { ok: false, status: 404, message: 'not a regular file' }
  return { ok: true, file: real, contentType: artifact.contentType, sha256: artifact.sha256 }
}
