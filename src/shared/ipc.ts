// The names the main process and the preload agree on: IPC channels and the artifact scheme.

/** The one call channel: `invoke(CALL_CHANNEL, method, args)` answers an Envelope. */
export const CALL_CHANNEL = 'tako:call'
/** Main → renderer pushes of AppEvent. */
export const EVENT_CHANNEL = 'tako:event'

/**
 * The desktop app's artifact protocol: `tako-artifact://run/<id>/<path>` for an artifact,
 * `tako-artifact://input/<id>/<name>` for one of the run's input files.
 */
export const ARTIFACT_SCHEME = 'tako-artifact'

/** The `tako-artifact:` URL of one artifact of a run, each path segment encoded. */
export function artifactSchemeUrl(runId: string, path: string, inline = false): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/')
  return `${ARTIFACT_SCHEME}://run/${encodeURIComponent(runId)}/${encoded}${inline ? '?inline=1' : ''}`
}

/** The `tako-artifact:` URL of one input file of a run (`/input/<name>`). */
export function inputFileSchemeUrl(runId: string, name: string, inline = false): string {
  return `${ARTIFACT_SCHEME}://input/${encodeURIComponent(runId)}/${encodeURIComponent(name)}${inline ? '?inline=1' : ''}`
}
