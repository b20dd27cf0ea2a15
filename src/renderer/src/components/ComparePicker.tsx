import { useEffect, useRef, useState, type JSX } from 'react'
import type { RunSummary } from '../../../shared/api'
import { client } from '../api/client'
import { errorMessage, formatTime } from '../format'
import type { PickFrom } from '../hooks/useCompare'
import { Modal } from './Modal'

interface Props {
  /** The run to compare from; it is left out of the list. */
  from: PickFrom
  /** The two runs, the older one first ("before"). */
  onPick: (a: string, b: string) => void
  onClose: () => void
}

function firstLine(code: string): string {
  return code.split('\n').find((l) => l.trim()) ?? ''
}

/**
 * "Compare with…": a dialog listing recent runs. Arrow keys move, Enter picks, Esc closes; Tab
 * stays inside the dialog, and focus goes back where it was when the dialog closes.
 */
export function ComparePicker({ from, onPick, onClose }: Props): JSX.Element {
  const runId = from.id
  const [runs, setRuns] = useState<RunSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [active, setActive] = useState(0)
  const list = useRef<HTMLUListElement>(null)

  useEffect(() => {
    client.call('history:list', { limit: 50, offset: 0 }).then(
      (page) => setRuns(page.items.filter((r) => r.id !== runId)),
      (err: unknown) => setError(errorMessage(err)),
    )
  }, [runId])

  useEffect(() => {
    if (runs) list.current?.focus()
  }, [runs])

  const pick = (i: number): void => {
    const run = runs?.[i]
    if (!run) return
    if (run.createdAt < from.createdAt) onPick(run.id, runId)
    else onPick(runId, run.id)
  }

  function onListKey(e: React.KeyboardEvent): void {
    const n = runs?.length ?? 0
    if (n === 0) return
    const moves: Record<string, number> = {
      ArrowDown: Math.min(n - 1, active + 1),
      ArrowUp: Math.max(0, active - 1),
      Home: 0,
      End: n - 1,
    }
    if (e.key in moves) {
      e.preventDefault()
      const next = moves[e.key]
      setActive(next)
      document.getElementById(`pick-${runs![next].id}`)?.scrollIntoView({ block: 'nearest' })
    } else if (e.key === 'Enter') {
      e.preventDefault()
      pick(active)
    }
  }

  return (
    <Modal className="modal compare-picker" labelledBy="picker-title" onClose={onClose}>
      <h2 id="picker-title">Compare with…</h2>
      <p className="muted">
        Pick the run to compare <code>{runId.slice(0, 8)}</code> with (the older one is shown as
        “before”).
      </p>
      {error && <p className="error-text">{error}</p>}
      {runs === null && !error && <p className="muted">Loading runs…</p>}
      {runs?.length === 0 && <p className="muted">No other runs yet.</p>}
      {runs && runs.length > 0 && (
        <ul
          ref={list}
          role="listbox"
          aria-label="Recent runs"
          tabIndex={0}
          aria-activedescendant={runs[active] ? `pick-${runs[active].id}` : undefined}
          onKeyDown={onListKey}
        >
          {runs.map((r, i) => (
            <li
              key={r.id}
              id={`pick-${r.id}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'selected' : undefined}
              onClick={() => pick(i)}
            >
              <code>{firstLine(r.codePreview)}</code>
              <span className="muted">
                {' '}
                {r.status} · {formatTime(r.createdAt)} · {r.id.slice(0, 8)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <div className="modal-buttons">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  )
}
