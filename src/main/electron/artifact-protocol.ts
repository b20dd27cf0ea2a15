// The desktop app's `tako-artifact://run/<id>/<path>` protocol (and `tako-artifact://input/<id>/<name>`
// for a run's input files), re-checked on every request through the same access as the HTTP routes
// (src/main/app/artifact-access.ts).
import fs from 'node:fs'
import { Readable } from 'node:stream'
import { ARTIFACT_CSP, runArtifactCsp } from '../../shared/csp'
import { ARTIFACT_SCHEME, artifactSchemeUrl } from '../../shared/ipc'
import { openArtifact, openInputFile } from '../app/artifact-access'
import { toAppError } from '../app/errors'
import type { RunStore } from '../store/run-store'

export { ARTIFACT_SCHEME }

export type ArtifactResolution =
  | {
      ok: true
      runId: string
      /** An artifact (`run`) or an input file (`input`). */
      origin: 'run' | 'input'
      file: string
      fd: number
      size: number
      contentType: string
      sha256: string
    }
  | { ok: false; status: 400 | 404; message: string }

/**
 * Resolves and opens `tako-artifact://run/<id>/<path>` (or `input/<id>/<name>`): `..`, `%2e%2e`,
 * absolute paths and backslashes are refused, and the file must pass the artifact access checks
 * (an input file's, the same rules over its run's input files). The caller closes `fd`.
 */
export function resolveArtifactUrl(store: RunStore, url: string): ArtifactResolution {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { ok: false, status: 400, message: 'bad URL' }
  }
  const origin = u.host
  if (u.protocol !== `${ARTIFACT_SCHEME}:` || (origin !== 'run' && origin !== 'input'))
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
  try {
    const opened =
      origin === 'input' ? openInputFile(store, id, name) : openArtifact(store, id, name)
    const { contentType, sha256 } = opened.artifact
    const { file, fd, size } = opened
    return { ok: true, runId: id, origin, file, fd, size, contentType, sha256 }
  } catch (err) {
    const app = toAppError(err)
    if (!app) throw err
    return { ok: false, status: app.code === 'not_found' ? 404 : 400, message: app.message }
  }
}

/** The protocol's answer to one request: the file as a stream under the artifact CSP, or an error. */
export function artifactResponse(store: RunStore, url: string): Response {
  const r = resolveArtifactUrl(store, url)
  if (!r.ok) return new Response(r.message, { status: r.status })
  const stream = Readable.toWeb(fs.createReadStream('', { fd: r.fd }))
  return new Response(stream as ReadableStream, {
    headers: {
      'Content-Type': r.contentType,
      // An HTML report may show its own run's images, nothing else (docs/security.md, 'Previews');
      // an input file loads nothing.
      'Content-Security-Policy':
        r.origin === 'input' ? ARTIFACT_CSP : runArtifactCsp(artifactSchemeUrl(r.runId, ''), false),
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
