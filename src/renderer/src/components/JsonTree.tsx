import { useState, type JSX } from 'react'
import { formatCount } from '../format'

const PAGE = 200
/** A string value longer than this is shown cut, with how much was left out. */
const MAX_STRING = 2_000

function summary(value: unknown): string {
  if (Array.isArray(value)) return `Array(${value.length})`
  if (value !== null && typeof value === 'object') {
    const n = Object.keys(value).length
    return `{${n} ${n === 1 ? 'key' : 'keys'}}`
  }
  return ''
}

function Scalar({ value }: { value: unknown }): JSX.Element {
  if (value === null) return <span className="json-null">null</span>
  if (typeof value === 'string') {
    if (value.length <= MAX_STRING)
      return <span className="json-string">{JSON.stringify(value)}</span>
    return (
      <span className="json-string">
        {JSON.stringify(value.slice(0, MAX_STRING))}
        <span className="muted"> … ({formatCount(value.length - MAX_STRING)} more characters)</span>
      </span>
    )
  }
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>
  return <span>{JSON.stringify(value)}</span>
}

function Node({
  name,
  value,
  depth,
}: {
  name: string | null
  value: unknown
  depth: number
}): JSX.Element {
  const composite = value !== null && typeof value === 'object'
  const [open, setOpen] = useState(depth < 2)
  const [shown, setShown] = useState(PAGE)
  if (!composite) {
    return (
      <li role="treeitem" aria-selected={false}>
        {name !== null && <span className="json-key">{name}: </span>}
        <Scalar value={value} />
      </li>
    )
  }
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>)
  return (
    <li role="treeitem" aria-expanded={open} aria-selected={false}>
      <button type="button" className="json-toggle" onClick={() => setOpen(!open)}>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span>{' '}
        {name !== null && <span className="json-key">{name}: </span>}
        <span className="json-summary">{summary(value)}</span>
      </button>
      {open && (
        <ul role="group">
          {entries.slice(0, shown).map(([k, v]) => (
            <Node key={k} name={k} value={v} depth={depth + 1} />
          ))}
          {entries.length > shown && (
            <li>
              <button type="button" className="link" onClick={() => setShown(shown + PAGE)}>
                Show {Math.min(PAGE, entries.length - shown)} more of {entries.length - shown}
              </button>
            </li>
          )}
        </ul>
      )}
    </li>
  )
}

/** A collapsible JSON tree. Every key and value is rendered as text, never as markup. */
export function JsonTree({ value, label }: { value: unknown; label: string }): JSX.Element {
  return (
    <ul className="json-tree" role="tree" aria-label={label}>
      <Node name={null} value={value} depth={0} />
    </ul>
  )
}
