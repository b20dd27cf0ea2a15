import { useEffect, useMemo, useRef, useState, type JSX } from 'react'
import type { ArtifactInfo } from '../../../shared/run'
import { client } from '../api/client'
import { formatBytes, parseDelimited } from '../format'
import { JsonTree } from './JsonTree'

const MAX_TEXT_PREVIEW = 1024 * 1024

type Kind = 'image' | 'table' | 'json' | 'text' | 'html' | 'none'

export function previewKind(a: ArtifactInfo): Kind {
  const t = a.contentType
  if (/^image\/(png|jpeg|gif|svg\+xml|webp|bmp)$/.test(t)) return 'image'
  if (t === 'text/csv' || t === 'text/tab-separated-values') return 'table'
  if (t === 'application/json' || t === 'application/geo+json') return 'json'
  if (t === 'text/html') return 'html'
  if (t.startsWith('text/') || t === 'application/xml' || t === 'application/yaml') return 'text'
  return 'none'
}

function useText(
  runId: string,
  a: ArtifactInfo,
  enabled: boolean,
): { text: string | null; error: string | null } {
  const [state, setState] = useState<{ text: string | null; error: string | null }>({
    text: null,
    error: null,
  })
  useEffect(() => {
    if (!enabled) return
    let live = true
    setState({ text: null, error: null })
    fetch(client.artifactUrl(runId, a.name))
      .then(async (r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`)
        const buf = await r.arrayBuffer()
        const text = new TextDecoder().decode(buf.slice(0, MAX_TEXT_PREVIEW))
        if (live) setState({ text, error: null })
      })
      .catch((err: unknown) => live && setState({ text: null, error: (err as Error).message }))
    return () => {
      live = false
    }
  }, [runId, a.name, enabled])
  return state
}

function Preview({ runId, artifact }: { runId: string; artifact: ArtifactInfo }): JSX.Element {
  const kind = previewKind(artifact)
  const { text, error } = useText(
    runId,
    artifact,
    kind === 'table' || kind === 'json' || kind === 'text',
  )
  const truncated = artifact.sizeBytes > MAX_TEXT_PREVIEW
  const table = useMemo(() => {
    if (kind !== 'table' || text === null) return null
    return parseDelimited(text, artifact.contentType === 'text/csv' ? ',' : '\t')
  }, [kind, text, artifact.contentType])
  const parsedJson = useMemo(() => {
    if (kind !== 'json' || text === null) return { ok: false as const }
    try {
      return { ok: true as const, value: JSON.parse(text) as unknown }
    } catch {
      return { ok: false as const }
    }
  }, [kind, text])

  if (error)
    return (
      <p role="alert">
        Could not load {artifact.name}: {error}
      </p>
    )
  switch (kind) {
    case 'image':
      // <img> never runs scripts, SVG included.
      return (
        <div className="preview-image">
          <img src={client.artifactUrl(runId, artifact.name)} alt={artifact.name} />
        </div>
      )
    case 'html':
      return (
        <iframe
          className="preview-html"
          title={`HTML preview of ${artifact.name}`}
          sandbox=""
          src={client.artifactUrl(runId, artifact.name, true)}
        />
      )
    case 'table':
      if (!table) return <p>Loading…</p>
      return (
        <div
          className="preview-table"
          tabIndex={0}
          role="region"
          aria-label={`Table ${artifact.name}`}
        >
          <table>
            <thead>
              <tr>
                {(table.rows[0] ?? []).map((h, i) => (
                  <th key={i} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.slice(1).map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>{c}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {(table.more || truncated) && <p className="muted">Showing the first rows only.</p>}
        </div>
      )
    case 'json':
      if (text === null) return <p>Loading…</p>
      return parsedJson.ok ? (
        <div className="preview-json">
          <JsonTree value={parsedJson.value} label={`JSON ${artifact.name}`} />
        </div>
      ) : (
        <TextView text={text} truncated={truncated} />
      )
    case 'text':
      if (text === null) return <p>Loading…</p>
      return <TextView text={text} truncated={truncated} />
    case 'none':
      return (
        <p className="muted">
          No preview for {artifact.contentType}. Use Save to open it with another program.
        </p>
      )
  }
}

function TextView({ text, truncated }: { text: string; truncated: boolean }): JSX.Element {
  const lines = text.split('\n')
  return (
    <div className="preview-text" tabIndex={0} role="region" aria-label="Text preview">
      <ol>
        {lines.map((l, i) => (
          <li key={i}>
            <code>{l}</code>
          </li>
        ))}
      </ol>
      {truncated && <p className="muted">Showing the first {formatBytes(MAX_TEXT_PREVIEW)}.</p>}
    </div>
  )
}

const ARTIFACT_ROW = 44
const ARTIFACT_OVERSCAN = 10

/** The artifact list, virtualised: a run with 10,000 files keeps only the visible rows in the DOM. */
function ArtifactList(props: {
  artifacts: ArtifactInfo[]
  selected: string | null
  onSelect: (name: string) => void
}): JSX.Element {
  const { artifacts, selected } = props
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(600)
  const viewport = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = viewport.current
    if (!el) return
    const ro = new ResizeObserver(() => setHeight(el.clientHeight))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])
  const first = Math.max(0, Math.floor(scrollTop / ARTIFACT_ROW) - ARTIFACT_OVERSCAN)
  const last = Math.min(
    artifacts.length,
    Math.ceil((scrollTop + height) / ARTIFACT_ROW) + ARTIFACT_OVERSCAN,
  )
  return (
    <div
      className="artifact-list"
      ref={viewport}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <ul aria-label="Artifacts" style={{ height: artifacts.length * ARTIFACT_ROW }}>
        {artifacts.slice(first, last).map((a, i) => {
          const depth = a.name.split('/').length - 1
          return (
            <li
              key={a.name}
              aria-setsize={artifacts.length}
              aria-posinset={first + i + 1}
              style={{ top: (first + i) * ARTIFACT_ROW, height: ARTIFACT_ROW }}
            >
              <button
                type="button"
                className={a.name === selected ? 'selected' : ''}
                aria-pressed={a.name === selected}
                style={{ paddingLeft: `${0.5 + Math.min(depth, 8) * 0.75}rem` }}
                onClick={() => props.onSelect(a.name)}
                title={a.name}
              >
                <span className="artifact-name">{a.name}</span>
                <span className="artifact-meta">
                  {formatBytes(a.sizeBytes)} · {a.contentType}
                </span>
              </button>
            </li>
          )
        })}
      </ul>
    </div>
  )
}

/** The files a run left in /output: a tree with sizes and types, and a preview of the selected one. */
export function ArtifactBrowser({
  runId,
  artifacts,
}: {
  runId: string
  artifacts: ArtifactInfo[]
}): JSX.Element {
  const [selected, setSelected] = useState<string | null>(null)
  useEffect(() => {
    const firstVisual = artifacts.find((a) => previewKind(a) === 'image') ?? artifacts[0]
    setSelected(firstVisual?.name ?? null)
  }, [runId, artifacts])
  if (artifacts.length === 0) return <p className="muted">This run wrote no files to /output.</p>
  const current = artifacts.find((a) => a.name === selected) ?? null
  return (
    <div className="artifacts">
      <ArtifactList artifacts={artifacts} selected={selected} onSelect={setSelected} />
      {current && (
        <section className="artifact-preview" aria-label={`Preview of ${current.name}`}>
          <header>
            <strong>{current.name}</strong>
            <span className="muted">
              {formatBytes(current.sizeBytes)} · sha256 {current.sha256.slice(0, 12)}…
            </span>
            <a
              className="button"
              href={client.artifactUrl(runId, current.name)}
              download={current.name.split('/').pop()}
            >
              Save…
            </a>
          </header>
          <Preview key={`${runId}/${current.name}`} runId={runId} artifact={current} />
        </section>
      )}
    </div>
  )
}
