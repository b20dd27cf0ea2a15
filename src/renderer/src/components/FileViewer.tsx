import type { JSX } from 'react'
import type { ArtifactInfo } from '../../../shared/run'
import { fileUrl, type FileOrigin } from '../file-url'
import { formatBytes, visibleName } from '../format'
import { useModal } from '../hooks/useModal'
import { Preview, previewKind } from './ArtifactPreview'
import { MarkdownView } from './viewers/MarkdownView'
import { PdfView } from './viewers/PdfView'
import { ImageViewer } from './viewers/ImageViewer'
import { TableViewer } from './viewers/TableViewer'

/**
 * One file of a run at the size of the main area: images zoom and pan, tables show every row with
 * sorting and a filter, Markdown is rendered, PDFs use the browser's viewer; anything else gets the
 * capped preview. A modal: focus stays inside, Esc closes, focus returns to the opener.
 */
export function FileViewer(props: {
  runId: string
  artifact: ArtifactInfo
  artifacts: readonly ArtifactInfo[]
  onClose: () => void
  /** An artifact (the default) or one of the run's input files, shown at /input/<name>. */
  origin?: FileOrigin
}): JSX.Element {
  const { runId, artifact, artifacts, onClose, origin = 'artifact' } = props
  const ref = useModal(onClose)
  const name = visibleName(artifact.name)
  const kind = previewKind(artifact)
  const url = fileUrl(runId, artifact.name, origin)
  let body: JSX.Element
  switch (kind) {
    case 'image':
      body = <ImageViewer src={url} name={name} />
      break
    case 'table':
      body = (
        <TableViewer
          url={url}
          name={name}
          sizeBytes={artifact.sizeBytes}
          delimiter={artifact.contentType === 'text/csv' ? ',' : '\t'}
        />
      )
      break
    case 'markdown':
      body = (
        <MarkdownView runId={runId} artifact={artifact} artifacts={artifacts} origin={origin} />
      )
      break
    case 'pdf':
      body = <PdfView runId={runId} artifact={artifact} origin={origin} />
      break
    default:
      body = <Preview runId={runId} artifact={artifact} artifacts={artifacts} origin={origin} />
  }
  return (
    <div className="modal-backdrop viewer-backdrop">
      <div
        ref={ref}
        className="file-viewer"
        role="dialog"
        aria-modal="true"
        aria-label={origin === 'input' ? `Input file ${name}` : `File ${name}`}
        tabIndex={-1}
      >
        <header>
          <h2>{origin === 'input' ? `/input/${name}` : name}</h2>
          <span className="muted">
            {formatBytes(artifact.sizeBytes)} · {artifact.contentType}
          </span>
          <a className="button" href={url} download={name.split('/').pop()}>
            Save…
          </a>
          <button type="button" onClick={onClose} data-autofocus>
            Close <kbd>Esc</kbd>
          </button>
        </header>
        <div className="file-viewer-body">{body}</div>
      </div>
    </div>
  )
}
