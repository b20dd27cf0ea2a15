import { useEffect, useMemo, useState, type JSX } from 'react'
import type { ArtifactInfo } from '../../../shared/run'
import { client } from '../api/client'
import { fileUrl, type FileOrigin } from '../file-url'
import { errorMessage, visibleName } from '../format'
import { PREVIEW_LIMITS, cutTable, cutText, describeCut } from '../preview-limits'
import { useArtifactText } from '../hooks/useArtifactText'
import { MarkdownView } from './viewers/MarkdownView'
import { PdfView } from './viewers/PdfView'
import { JsonTree } from './JsonTree'

type Kind = 'image' | 'table' | 'json' | 'text' | 'html' | 'markdown' | 'pdf' | 'none'

export function previewKind(a: ArtifactInfo): Kind {
  const t = a.contentType
  if (/^image\/(png|jpeg|gif|svg\+xml|webp|bmp)$/.test(t)) return 'image'
  if (t === 'text/csv' || t === 'text/tab-separated-values') return 'table'
  if (t === 'application/json' || t === 'application/geo+json') return 'json'
  if (t === 'text/html') return 'html'
  if (t === 'text/markdown') return 'markdown'
  if (t === 'application/pdf') return 'pdf'
  if (t.startsWith('text/') || t === 'application/xml' || t === 'application/yaml') return 'text'
  return 'none'
}

/** What was left out, above the preview (outside its scroll box), seen before the content. */
export function CutNotice({ text }: { text: string | null }): JSX.Element | null {
  return text ? (
    <p className="muted cut-notice" role="note">
      {text}
    </p>
  ) : null
}

function bytesRead(size: number): { read: number; size: number } {
  return { read: Math.min(size, PREVIEW_LIMITS.bytes), size }
}

function TextView({ text, sizeBytes }: { text: string; sizeBytes: number }): JSX.Element {
  const cut = useMemo(() => cutText(text), [text])
  const notice = describeCut({
    shown: cut.lines.length,
    total: cut.totalLines,
    unit: 'lines',
    long: { count: cut.longLines, unit: 'long lines', max: PREVIEW_LIMITS.charsPerLine },
    bytes: bytesRead(sizeBytes),
  })
  return (
    <>
      <CutNotice text={notice} />
      <div className="preview-text" tabIndex={0} role="region" aria-label="Text preview">
        <ol>
          {cut.lines.map((l, i) => (
            <li key={i}>
              <code>{l}</code>
            </li>
          ))}
        </ol>
      </div>
    </>
  )
}

function TableView(props: { text: string; artifact: ArtifactInfo; name: string }): JSX.Element {
  const { text, artifact } = props
  const table = useMemo(
    () => cutTable(text, artifact.contentType === 'text/csv' ? ',' : '\t'),
    [text, artifact.contentType],
  )
  const notice = describeCut({
    shown: table.rows.length,
    total: table.totalRows,
    unit: 'rows',
    columns: { shown: table.shownColumns, total: table.totalColumns },
    long: { count: table.longCells, unit: 'long cells', max: PREVIEW_LIMITS.charsPerCell },
    bytes: bytesRead(artifact.sizeBytes),
  })
  return (
    <>
      <CutNotice text={notice} />
      <div className="preview-table" tabIndex={0} role="region" aria-label={`Table ${props.name}`}>
        <table>
          <thead>
            <tr>
              {table.header.map((h, i) => (
                <th key={i} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => (
              <tr key={i}>
                {r.map((c, j) => (
                  <td key={j}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

/**
 * An HTML report in a frame where no script runs and nothing loads but its own run's images,
 * styles, fonts and media (the frame is sandboxed; the served policy names the run's folder).
 */
function HtmlView(props: { runId: string; artifact: ArtifactInfo; name: string }): JSX.Element {
  const { runId, artifact, name } = props
  const [src, setSrc] = useState<{ url: string | null; error: string | null }>({
    url: null,
    error: null,
  })
  useEffect(() => {
    let live = true
    client.previewUrl(runId, artifact.name).then(
      (url) => live && setSrc({ url, error: null }),
      (err: unknown) => live && setSrc({ url: null, error: errorMessage(err) }),
    )
    return () => {
      live = false
    }
  }, [runId, artifact.name])
  if (src.error)
    return (
      <p role="alert">
        Could not open {name}: {src.error}
      </p>
    )
  if (src.url === null) return <p>Loading…</p>
  return (
    <iframe className="preview-html" title={`HTML preview of ${name}`} sandbox="" src={src.url} />
  )
}

/** The preview of one artifact, capped so that no file can freeze the page. */
export function Preview({
  runId,
  artifact,
  artifacts,
  origin = 'artifact',
}: {
  runId: string
  artifact: ArtifactInfo
  /** The run's files, for what a Markdown file may show. */
  artifacts: readonly ArtifactInfo[]
  /** An input file's HTML is shown as its text: only artifacts have a preview folder. */
  origin?: FileOrigin
}): JSX.Element {
  const artifactKind = previewKind(artifact)
  const kind = origin === 'input' && artifactKind === 'html' ? 'text' : artifactKind
  const name = visibleName(artifact.name)
  const url = fileUrl(runId, artifact.name, origin)
  const { text, error } = useArtifactText(
    url,
    kind === 'table' || kind === 'json' || kind === 'text',
  )
  const parsedJson = useMemo(() => {
    if (kind !== 'json' || text === null) return { ok: false as const }
    try {
      return { ok: true as const, value: JSON.parse(text) as unknown }
    } catch {
      // Not JSON (or cut mid-way): shown as text instead.
      return { ok: false as const }
    }
  }, [kind, text])

  if (error)
    return (
      <p role="alert">
        Could not load {name}: {error}
      </p>
    )
  switch (kind) {
    case 'image':
      // <img> never runs scripts, SVG included.
      return (
        <div className="preview-image">
          <img src={url} alt={name} />
        </div>
      )
    case 'html':
      return <HtmlView runId={runId} artifact={artifact} name={name} />
    case 'markdown':
      return (
        <MarkdownView runId={runId} artifact={artifact} artifacts={artifacts} origin={origin} />
      )
    case 'pdf':
      return <PdfView runId={runId} artifact={artifact} origin={origin} />
    case 'table':
      if (text === null) return <p>Loading…</p>
      return <TableView text={text} artifact={artifact} name={name} />
    case 'json':
      if (text === null) return <p>Loading…</p>
      return parsedJson.ok ? (
        <div className="preview-json">
          <JsonTree value={parsedJson.value} label={`JSON ${name}`} />
        </div>
      ) : (
        <TextView text={text} sizeBytes={artifact.sizeBytes} />
      )
    case 'text':
      if (text === null) return <p>Loading…</p>
      return <TextView text={text} sizeBytes={artifact.sizeBytes} />
    case 'none':
      return (
        <p className="muted">
          No preview for {artifact.contentType}. Use Save to open it with another program.
        </p>
      )
  }
}
