import { useMemo, type JSX } from 'react'
import type { ArtifactInfo } from '../../../../shared/run'
import { client } from '../../api/client'
import { fileUrl, type FileOrigin } from '../../file-url'
import { formatBytes } from '../../format'
import { useArtifactText } from '../../hooks/useArtifactText'
import { renderMarkdown } from '../../markdown'
import { PREVIEW_LIMITS } from '../../preview-limits'

/** A Markdown artifact rendered without HTML (see markdown.ts), images of the same run only. */
export function MarkdownView(props: {
  runId: string
  artifact: ArtifactInfo
  artifacts: readonly ArtifactInfo[]
  /** An input file shows no other file: its images are left out. */
  origin?: FileOrigin
}): JSX.Element {
  const { runId, artifact, artifacts, origin = 'artifact' } = props
  const state = useArtifactText(fileUrl(runId, artifact.name, origin), true)
  const html = useMemo(() => {
    if (state.text === null) return null
    const names = new Set(origin === 'artifact' ? artifacts.map((a) => a.name) : [])
    return renderMarkdown(state.text, {
      fileName: artifact.name,
      artifactUrl: (name) => (names.has(name) ? client.artifactUrl(runId, name) : null),
    })
  }, [state.text, artifacts, artifact.name, runId, origin])
  if (state.error) return <p role="alert">Could not load: {state.error}</p>
  if (html === null) return <p>Loading…</p>
  return (
    <>
      {artifact.sizeBytes > PREVIEW_LIMITS.bytes && (
        <p className="muted cut-notice" role="note">
          first {formatBytes(PREVIEW_LIMITS.bytes)} of {formatBytes(artifact.sizeBytes)} read
        </p>
      )}
      {/* markdown-it with HTML off: everything from the file is escaped text or our own tags. */}
      <div className="markdown-body" dangerouslySetInnerHTML={{ __html: html }} />
    </>
  )
}
