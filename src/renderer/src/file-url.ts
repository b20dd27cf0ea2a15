// A run's files come from two places: its artifacts (/output) and its own input files (/input).
// The viewers load either through the same client, by the same rules (see docs/security.md).
import { client } from './api/client'

/** Where a run's file is: an artifact it wrote, or one of the input files it was given. */
export type FileOrigin = 'artifact' | 'input'

/** The URL the renderer loads file `name` of run `runId` from. */
export function fileUrl(
  runId: string,
  name: string,
  origin: FileOrigin = 'artifact',
  inline = false,
): string {
  return origin === 'input'
    ? client.inputFileUrl(runId, name, inline)
    : client.artifactUrl(runId, name, inline)
}
