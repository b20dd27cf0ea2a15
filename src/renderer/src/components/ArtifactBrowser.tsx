import { useEffect, useMemo, useState, type JSX } from 'react'
import type { ArtifactInfo } from '../../../shared/run'
import { client } from '../api/client'
import { treeRows } from '../artifact-tree'
import { useViewport } from '../hooks/useViewport'
import { formatBytes, visibleName } from '../format'
import { Preview, previewKind } from './ArtifactPreview'
import { FileViewer } from './FileViewer'

const ARTIFACT_ROW = 44
const ARTIFACT_OVERSCAN = 10

/**
 * The artifact list as a folder tree, virtualised: a run with 10,000 files keeps only the visible
 * rows in the DOM; a folder row collapses and expands what is under it.
 */
function ArtifactList(props: {
  artifacts: ArtifactInfo[]
  selected: string | null
  onSelect: (name: string) => void
  onOpen: (name: string) => void
}): JSX.Element {
  const { artifacts, selected } = props
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set())
  const rows = useMemo(() => treeRows(artifacts, collapsed), [artifacts, collapsed])
  const viewport = useViewport(600)
  const { first, last } = viewport.rows(rows.length, ARTIFACT_ROW, ARTIFACT_OVERSCAN)
  const toggle = (path: string): void =>
    setCollapsed((c) => {
      const next = new Set(c)
      if (!next.delete(path)) next.add(path)
      return next
    })
  return (
    <div className="artifact-list" ref={viewport.ref} onScroll={viewport.onScroll}>
      <ul aria-label="Artifacts" style={{ height: rows.length * ARTIFACT_ROW }}>
        {rows.slice(first, last).map((row, i) => {
          const indent = { paddingLeft: `${0.5 + Math.min(row.depth, 8) * 0.75}rem` }
          const place = {
            'aria-setsize': rows.length,
            'aria-posinset': first + i + 1,
            style: { top: (first + i) * ARTIFACT_ROW, height: ARTIFACT_ROW },
          }
          if (row.kind === 'folder') {
            const open = !collapsed.has(row.path)
            return (
              <li key={`d:${row.path}`} {...place}>
                <button
                  type="button"
                  className="artifact-folder"
                  aria-expanded={open}
                  style={indent}
                  onClick={() => toggle(row.path)}
                  title={visibleName(row.path)}
                >
                  <span className="artifact-name">
                    <span aria-hidden="true">{open ? '▾' : '▸'} </span>
                    {visibleName(row.name)}/
                  </span>
                  <span className="artifact-meta">
                    {row.files} {row.files === 1 ? 'file' : 'files'}
                  </span>
                </button>
              </li>
            )
          }
          const a = row.artifact
          return (
            <li key={a.name} {...place}>
              <button
                type="button"
                className={a.name === selected ? 'selected' : ''}
                aria-pressed={a.name === selected}
                style={indent}
                onClick={() => props.onSelect(a.name)}
                onDoubleClick={() => props.onOpen(a.name)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && a.name === selected) {
                    e.preventDefault()
                    props.onOpen(a.name)
                  }
                }}
                title={visibleName(a.name)}
              >
                <span className="artifact-name">{visibleName(row.name)}</span>
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
  const [viewing, setViewing] = useState<ArtifactInfo | null>(null)
  useEffect(() => {
    const firstVisual = artifacts.find((a) => previewKind(a) === 'image') ?? artifacts[0]
    setSelected(firstVisual?.name ?? null)
  }, [runId, artifacts])
  if (artifacts.length === 0) return <p className="muted">This run wrote no files to /output.</p>
  const current = artifacts.find((a) => a.name === selected) ?? null
  const shown = current ? visibleName(current.name) : ''
  return (
    <div className="artifacts">
      <ArtifactList
        artifacts={artifacts}
        selected={selected}
        onSelect={setSelected}
        onOpen={(name) => setViewing(artifacts.find((a) => a.name === name) ?? null)}
      />
      {current && (
        <section className="artifact-preview" aria-label={`Preview of ${shown}`}>
          <header>
            <strong>{shown}</strong>
            <span className="muted">
              {formatBytes(current.sizeBytes)} · sha256 {current.sha256.slice(0, 12)}…
            </span>
            <button
              type="button"
              onClick={() => setViewing(current)}
              title="Open full size (Enter)"
            >
              Open full size
            </button>
            <a
              className="button"
              href={client.artifactUrl(runId, current.name)}
              download={shown.split('/').pop()}
            >
              Save…
            </a>
          </header>
          <Preview
            key={`${runId}/${current.name}`}
            runId={runId}
            artifact={current}
            artifacts={artifacts}
          />
        </section>
      )}
      {viewing && (
        <FileViewer
          runId={runId}
          artifact={viewing}
          artifacts={artifacts}
          onClose={() => setViewing(null)}
        />
      )}
    </div>
  )
}
