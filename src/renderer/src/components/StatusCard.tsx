import type { JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import { formatDuration, visibleName } from '../format'
import { UsageLine } from './UsageLine'

interface Props {
  run: RunDetail
  onRerun: (limits: { timeoutS?: number; memoryMb?: number }) => void
  onBuild: (environment: string) => void
}

interface Explanation {
  title: string
  detail: string | null
  tone: 'ok' | 'warn' | 'error' | 'muted'
  action?: { label: string; run: () => void }
}

function explain({ run, onBuild }: Props): Explanation {
  const e = run.error
  switch (run.status) {
    case 'succeeded':
      return { title: `Finished in ${formatDuration(run.durationMs)}`, detail: null, tone: 'ok' }
    case 'timeout':
      return {
        title: `Stopped: it ran past the time limit of ${run.limits.timeoutS} s`,
        detail: 'Output printed before the limit is kept below.',
        tone: 'warn',
      }
    case 'oom':
      return {
        title: `Stopped: out of memory at ${run.limits.memoryMb} MiB`,
        detail: 'The script used more memory than its limit and was killed.',
        tone: 'warn',
      }
    case 'cancelled':
      return { title: 'Stopped: you cancelled this run', detail: null, tone: 'muted' }
    case 'queued':
      return { title: 'Waiting for a free worker…', detail: null, tone: 'muted' }
    case 'running':
      return { title: 'Running…', detail: null, tone: 'muted' }
    case 'failed':
      break
  }
  switch (e?.type) {
    case 'syntax_error': {
      const line = /\(line (\d+)\)/.exec(e.message)?.[1]
      return {
        title: `Syntax error${line ? ` on line ${line}` : ''}`,
        detail: e.message,
        tone: 'error',
      }
    }
    case 'service_unavailable':
      return { title: 'Docker is not reachable', detail: e.message, tone: 'error' }
    case 'image_missing':
      return {
        title: `The '${run.environment}' environment is not built`,
        detail: e.message,
        tone: 'error',
        action: { label: `Build ${run.environment}`, run: () => onBuild(run.environment) },
      }
    case 'interrupted':
      return {
        title: 'Interrupted: the app stopped during this run',
        detail: e.message,
        tone: 'warn',
      }
    case 'killed':
      return { title: 'The process was killed', detail: e.message, tone: 'error' }
    case 'output_limit':
      return { title: 'Stopped: too much output', detail: e.message, tone: 'error' }
    default:
      return {
        title: e ? `Failed: ${e.type.replace(/_/g, ' ')}` : 'Failed',
        detail: e
          ? `${e.message}${run.exitCode !== null ? ` (exit code ${run.exitCode})` : ''}`
          : null,
        tone: 'error',
      }
  }
}

/** Says in plain words why a run stopped, with the obvious next action. */
export function StatusCard(props: Props): JSX.Element {
  const x = explain(props)
  return (
    <section className={`status-card tone-${x.tone}`} aria-label="Run status" role="status">
      <div className="status-card-text">
        <strong>{x.title}</strong>
        {x.detail && <p>{x.detail}</p>}
        <UsageLine run={props.run} onRerun={props.onRerun} />
        {props.run.warnings.length > 0 && (
          <ul className="warnings" aria-label="Warnings">
            {props.run.warnings.map((w, i) => (
              <li key={i}>
                {w.path ? <code>{visibleName(w.path)}</code> : null} {w.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      {x.action && (
        <button type="button" onClick={x.action.run}>
          {x.action.label}
        </button>
      )}
    </section>
  )
}
