import type { JSX } from 'react'
import type { PickFrom } from '../hooks/useCompare'

/** "Compare with…" and "Replay" for the shown run. */
export function CompareActions(props: {
  run: PickFrom
  replaying: boolean
  onPick: (run: PickFrom) => void
  onReplay: (id: string) => void
}): JSX.Element {
  return (
    <span className="compare-actions">
      <button type="button" onClick={() => props.onPick(props.run)}>
        Compare with…
      </button>
      <button
        type="button"
        onClick={() => props.onReplay(props.run.id)}
        disabled={props.replaying}
        title="Run it again in the same environment, then compare with this run"
      >
        {props.replaying ? 'Replaying…' : 'Replay'}
      </button>
    </span>
  )
}
