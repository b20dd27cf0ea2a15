import type { JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import { JsonTree } from './JsonTree'

/** The Result tab: the parsed /output/result.json, why it is missing, or why it is invalid. */
export function ResultView({
  detail,
  running,
}: {
  detail: RunDetail | null
  running: boolean
}): JSX.Element {
  if (!detail)
    return (
      <p className="muted">{running ? 'Running…' : 'Open or start a run to see its result.'}</p>
    )
  if (detail.outputJson === null) {
    // The engine reads result.json after the run; a file it could not use is a warning, not "none".
    const invalid = detail.warnings.find((w) => w.code === 'result_invalid')
    if (invalid)
      return (
        <p className="error-text" role="alert" data-testid="result-invalid">
          Invalid /output/result.json: {invalid.message}. Write it as one JSON value, e.g.{' '}
          <code>{'json.dump({"answer": 42}, open("/output/result.json", "w"))'}</code>.
        </p>
      )
    return <p className="muted">No /output/result.json: write one to return structured output.</p>
  }
  return (
    <div className="result-tree">
      <JsonTree value={JSON.parse(detail.outputJson) as unknown} label="Result (output)" />
    </div>
  )
}
