import type { JSX } from 'react'
import type { ArtifactRef, ArtifactsDiff, ChangedArtifact, CsvDiff } from '../../../shared/compare'
import { client } from '../api/client'
import { formatBytes, visibleName } from '../format'
import { CutNotice } from './ArtifactPreview'
import { TextDiffView } from './CompareDiffs'

interface Ids {
  before: string
  after: string
}

function CsvTable(props: {
  rows: string[][]
  changed: Set<string>
  label: string
  was: Map<string, string | null>
}): JSX.Element {
  return (
    <div className="compare-csv" role="region" aria-label={props.label} tabIndex={0}>
      <table>
        <tbody>
          {props.rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, c) => {
                const key = `${r}:${c}`
                const changed = props.changed.has(key)
                return (
                  <td
                    key={c}
                    className={changed ? 'cell-changed' : undefined}
                    title={changed ? `other side: ${props.was.get(key) ?? '(none)'}` : undefined}
                    aria-description={changed ? 'changed' : undefined}
                  >
                    {cell}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function CsvSideBySide({ name, csv }: { name: string; csv: CsvDiff }): JSX.Element {
  const changed = new Set(csv.cells.map((c) => `${c.row}:${c.col}`))
  const before = new Map(csv.cells.map((c) => [`${c.row}:${c.col}`, c.after]))
  const after = new Map(csv.cells.map((c) => [`${c.row}:${c.col}`, c.before]))
  return (
    <>
      <p className="compare-counts">
        {csv.cells.length} changed cell{csv.cells.length === 1 ? '' : 's'} · rows {csv.rows.before}{' '}
        → {csv.rows.after} · columns {csv.cols.before} → {csv.cols.after}
      </p>
      <CutNotice text={csv.cut} />
      <div className="side-by-side">
        <figure>
          <figcaption className="muted">before</figcaption>
          <CsvTable rows={csv.before} changed={changed} was={before} label={`${name} before`} />
        </figure>
        <figure>
          <figcaption className="muted">after</figcaption>
          <CsvTable rows={csv.after} changed={changed} was={after} label={`${name} after`} />
        </figure>
      </div>
    </>
  )
}

function Changed({ change, ids }: { change: ChangedArtifact; ids: Ids }): JSX.Element {
  const { name } = change
  return (
    <li className="compare-artifact" aria-label={`Changed ${visibleName(name)}`}>
      <h4>
        <code>{visibleName(name)}</code>{' '}
        <span className="muted">
          {change.kind} · {formatBytes(change.before.sizeBytes)} →{' '}
          {formatBytes(change.after.sizeBytes)}
        </span>
      </h4>
      {change.kind === 'image' && (
        <div className="side-by-side">
          <figure>
            <img src={client.artifactUrl(ids.before, name, true)} alt={`${name} before`} />
            <figcaption className="muted">before</figcaption>
          </figure>
          <figure>
            <img src={client.artifactUrl(ids.after, name, true)} alt={`${name} after`} />
            <figcaption className="muted">after</figcaption>
          </figure>
        </div>
      )}
      {change.csv && <CsvSideBySide name={name} csv={change.csv} />}
      {change.text && <TextDiffView diff={change.text} label={name} />}
      {change.kind === 'binary' && (
        <p className="muted">
          Different bytes (sha256 {change.before.sha256.slice(0, 12)}… →{' '}
          {change.after.sha256.slice(0, 12)}…).
        </p>
      )}
    </li>
  )
}

function Names({ title, items }: { title: string; items: ArtifactRef[] }): JSX.Element | null {
  if (items.length === 0) return null
  return (
    <div className="compare-names">
      <h4>
        {title} ({items.length})
      </h4>
      <ul aria-label={`${title} files`}>
        {items.slice(0, 200).map((a) => (
          <li key={a.name}>
            <code>{visibleName(a.name)}</code>{' '}
            <span className="muted">{formatBytes(a.sizeBytes)}</span>
          </li>
        ))}
        {items.length > 200 && <li className="muted">and {items.length - 200} more</li>}
      </ul>
    </div>
  )
}

/** Files added, removed, changed (with their content side by side) and the same. */
export function CompareArtifacts({ diff, ids }: { diff: ArtifactsDiff; ids: Ids }): JSX.Element {
  if (diff.identical && diff.same.length === 0) return <p className="muted">No files.</p>
  return (
    <>
      <div className="compare-name-lists">
        <Names title="Added" items={diff.added} />
        <Names title="Removed" items={diff.removed} />
        <Names title="Same" items={diff.same} />
      </div>
      <CutNotice text={diff.cut} />
      {diff.changed.length > 0 && (
        <ul className="compare-changed" aria-label="Changed files">
          {diff.changed.map((c) => (
            <Changed key={c.name} change={c} ids={ids} />
          ))}
        </ul>
      )}
    </>
  )
}
