import type { JSX } from 'react'
import type { ArtifactInfo } from '../../../../shared/run'
import { fileUrl, type FileOrigin } from '../../file-url'
import { visibleName } from '../../format'

/** A PDF in the browser's own viewer, inside a frame served under the artifact sandbox policy. */
export function PdfView({
  runId,
  artifact,
  origin = 'artifact',
}: {
  runId: string
  artifact: ArtifactInfo
  origin?: FileOrigin
}): JSX.Element {
  const name = visibleName(artifact.name)
  return (
    <iframe
      className="preview-pdf"
      title={`PDF ${name}`}
      src={fileUrl(runId, artifact.name, origin, true)}
    />
  )
}
