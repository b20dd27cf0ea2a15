import type { JSX } from 'react'
import type { ArtifactInfo } from '../../../../shared/run'
import { client } from '../../api/client'
import { visibleName } from '../../format'

/** A PDF in the browser's own viewer, inside a frame served under the artifact sandbox policy. */
export function PdfView({
  runId,
  artifact,
}: {
  runId: string
  artifact: ArtifactInfo
}): JSX.Element {
  const name = visibleName(artifact.name)
  return (
    <iframe
      className="preview-pdf"
      title={`PDF ${name}`}
      src={client.artifactUrl(runId, artifact.name, true)}
    />
  )
}
