// The Content-Security-Policies of the app and of artifacts, from one table (see docs/security.md,
// 'Renderer'). The renderer's page carries META in its <meta> tag in both modes; each transport then
// sends the narrower header of its mode, and a browser enforces both.
import { ARTIFACT_SCHEME } from './ipc'

type Directives = Record<string, string[]>

const ARTIFACT_SOURCE = `${ARTIFACT_SCHEME}:`

const BASE: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'frame-src': [],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
}

/** What each mode adds: Electron loads artifacts over its protocol, the browser from its own origin. */
const ELECTRON_EXTRA: Directives = {
  'img-src': [ARTIFACT_SOURCE],
  'frame-src': [ARTIFACT_SOURCE],
  'connect-src': [ARTIFACT_SOURCE],
}
const WEB_EXTRA: Directives = { 'frame-src': ["'self'"] }

function merge(...parts: Directives[]): Directives {
  const out: Directives = {}
  for (const part of parts) {
    for (const [name, sources] of Object.entries(part)) {
      out[name] = [...new Set([...(out[name] ?? []), ...sources])]
    }
  }
  return out
}

/** Directives without sources are left out, except `sandbox`, which takes none. */
function serialize(d: Directives): string {
  return Object.entries(d)
    .filter(([name, sources]) => sources.length > 0 || name === 'sandbox')
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ')
}

/** The header of the Electron window's responses. */
export const ELECTRON_CSP = serialize(merge(BASE, ELECTRON_EXTRA))
/** The header of the renderer served over HTTP (never framed by another page). */
export const WEB_CSP = serialize(merge(BASE, WEB_EXTRA, { 'frame-ancestors': ["'none'"] }))
/** The <meta> of `src/renderer/index.html`: what either mode may need; the header narrows it. */
export const META_CSP = serialize(merge(BASE, WEB_EXTRA, ELECTRON_EXTRA))

const ARTIFACT_BASE: Directives = {
  sandbox: [],
  'default-src': ["'none'"],
  'img-src': ['data:'],
  'style-src': ["'unsafe-inline'"],
}

/** An artifact is the script's content: a sandbox where nothing loads and no script runs. */
export const ARTIFACT_CSP = serialize(ARTIFACT_BASE)
/** Over HTTP the app previews HTML artifacts in a frame of its own origin, and nothing else may. */
export const ARTIFACT_CSP_WEB = serialize(merge(ARTIFACT_BASE, { 'frame-ancestors': ["'self'"] }))

/**
 * The policy of one run's artifact: as above, and an HTML report may also show the images, styles,
 * fonts and media of the same run (`<img src="chart.png">` beside `report.html`) — a source with a
 * path ending in `/` matches only what is under it, so another run's files and every other address
 * stay blocked. `runFolderUrl` is the absolute URL of the run's artifact folder, ending in `/`.
 */
export function runArtifactCsp(runFolderUrl: string, web: boolean): string {
  if (!runFolderUrl.endsWith('/') || /[\s;,']/.test(runFolderUrl))
    throw new Error(`not a folder URL for a CSP source: ${runFolderUrl}`)
  const own = [runFolderUrl]
  return serialize(
    merge(
      ARTIFACT_BASE,
      { 'img-src': own, 'style-src': own, 'font-src': own, 'media-src': own },
      web ? { 'frame-ancestors': ["'self'"] } : {},
    ),
  )
}
