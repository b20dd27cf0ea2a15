import type { JSX } from 'react'
import type { JsonDiff, TextDiff } from '../../../shared/compare'
import { stripAnsi } from '../format'
import { CutNotice } from './ArtifactPreview'

const MARK = { same: ' ', added: '+', removed: '−' } as const

/** A unified line diff: line numbers of both sides, added lines green, removed red. */
export function TextDiffView({ diff, label }: { diff: TextDiff; label: string }): JSX.Element {
  if (diff.identical) return <p className="muted">Same.</p>
  return (
    <>
      <p className="compare-counts">
        <span className="diff-added-text">+{diff.linesAdded}</span>{' '}
        <span className="diff-removed-text">−{diff.linesRemoved}</span> lines
      </p>
      <CutNotice text={diff.cut} />
      <div className="diff" role="region" aria-label={`${label} diff`} tabIndex={0}>
        <table>
          <tbody>
            {diff.hunks.map((h, i) => [
              <tr key={`h${i}`} className="diff-hunk">
                <td colSpan={4}>
                  @@ −{h.beforeStart},{h.beforeLines} +{h.afterStart},{h.afterLines} @@
                </td>
              </tr>,
              ...h.lines.map((l, j) => (
                <tr key={`${i}-${j}`} className={`diff-${l.kind}`}>
                  <td className="diff-no">{l.beforeLine ?? ''}</td>
                  <td className="diff-no">{l.afterLine ?? ''}</td>
                  <td className="diff-mark" aria-label={l.kind === 'same' ? undefined : l.kind}>
                    {MARK[l.kind]}
                  </td>
                  <td className="diff-text">
                    <code>{stripAnsi(l.text)}</code>
                  </td>
                </tr>
              )),
            ])}
          </tbody>
        </table>
      </div>
    </>
  )
}

/** Values added, removed and changed by JSON path. */
export function JsonChangesView({ diff, label }: { diff: JsonDiff; label: string }): JSX.Element {
  if (diff.identical) return <p className="muted">Same.</p>
  return (
    <>
      <CutNotice text={diff.cut} />
      <div className="diff">
        <table className="compare-table" aria-label={`${label} changes`}>
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Change</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {diff.changes.map((c) => (
              <tr key={c.path} className={`change-${c.kind}`}>
                <td>
                  <code>{c.path}</code>
                </td>
                <td>{c.kind}</td>
                <td className={c.before === null ? 'muted' : 'diff-removed-text'}>
                  <code>{c.before ?? '—'}</code>
                </td>
                <td className={c.after === null ? 'muted' : 'diff-added-text'}>
                  <code>{c.after ?? '—'}</code>
                  {c.clipped ? <span className="muted"> (cut)</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
