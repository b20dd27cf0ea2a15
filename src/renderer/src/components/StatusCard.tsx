import type { JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import { exceptionName, tracebackOf } from '../error-view'
import { formatDuration, visibleName } from '../format'
import { UsageLine } from './UsageLine'
import './hints.css'

interface Props {
  run: RunDetail
  onRerun: (limits: { timeoutS?: number; memoryMb?: number }) => void
  onBuild: (environment: string) => void
  /** Whether the app can build this environment (a catalogue name; a custom image it cannot). */
  canBuild: (environment: string) => boolean
  /** Shows a line of main.py in the editor (the error's line button). */
  onShowLine?: (line: number) => void
  /** Whether the editor holds this run's code (else its line numbers may have moved). */
  codeMatches?: boolean
  /** A queued run's place in the order waiting runs start (1 = next), when known. */
  queuePosition?: number | null
}

interface Explanation {
  title: string
  detail: string | null
  tone: 'ok' | 'warn' | 'error' | 'muted'
  action?: { label: string; run: () => void }
}

/** Where a queued run stands: next, or how many start before it; the app's own runs go first. */
function waiting(run: Pick<RunDetail, 'source'>, position: number | null | undefined): Explanation {
  const ahead = position == null ? null : position - 1
  return {
    title:
      ahead === null
        ? 'Waiting for a free worker…'
        : ahead === 0
          ? 'Waiting for a free worker: next to start'
          : `Waiting for a free worker: ${ahead} ${ahead === 1 ? 'run' : 'runs'} ahead of it`,
    detail:
      run.source === 'app'
        ? 'Runs started in the app go before jobs sent to the API.'
        : 'Jobs sent to the API start in the order they came, after runs started in the app.',
    tone: 'muted',
  }
}

function explain({ run, onBuild, canBuild, queuePosition }: Props): Explanation {
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
      return waiting(run, queuePosition)
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
      // Only a catalogue environment has a Build button; a custom image is the user's to load.
      if (!canBuild(run.environment))
        return {
          title:
            run.environment === 'custom'
              ? "This run's image is not on this machine"
              : `The '${run.environment}' environment is not known to this app`,
          detail: e.message,
          tone: 'error',
        }
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
        title: e
          ? `Failed: ${exceptionName(e.message) ?? e.type.replace(/_/g, ' ')}${e.line ? ` on line ${e.line}` : ''}`
          : 'Failed',
        detail: e
          ? `${e.message}${run.exitCode !== null ? ` (exit code ${run.exitCode})` : ''}`
          : null,
        tone: 'error',
      }
  }
}

/** The plain-language explanation with its "line N" button, when the run's error has either. */
function Hint({ run, onShowLine, codeMatches = true }: Props): JSX.Element | null {
  const e = run.error
  const line = e?.line ?? null
  if (!e || (!e.hint && line === null)) return null
  return (
    <p className="status-hint" data-testid="error-hint">
      {line !== null && (
        <button
          type="button"
          className="line-button"
          onClick={() => onShowLine?.(line)}
          aria-label={`Show line ${line} in the editor`}
        >
          line {line}
        </button>
      )}
      {e.hint ?? 'Python stopped with this error on that line.'}
      {line !== null && !codeMatches && (
        <span className="code-changed"> (the editor's code has changed since this run)</span>
      )}
    </p>
  )
}

/** Python's own message and traceback, one click away. */
function RawError({ run, detail }: { run: RunDetail; detail: string }): JSX.Element {
  const traceback = tracebackOf(run.stderr)
  return (
    <details className="raw-error">
      <summary>{traceback ? "Python's message and traceback" : 'The full message'}</summary>
      <pre>{traceback ?? detail}</pre>
    </details>
  )
}

/**
 * The card of a run started here that is still queued (its record is read only once it ends): where
 * it stands in the queue, as StatusCard says it for a run opened from the history.
 */
export function WaitingCard({ position }: { position: number | null }): JSX.Element {
  const x = waiting({ source: 'app' }, position)
  return (
    <section className={`status-card tone-${x.tone}`} aria-label="Run status" role="status">
      <div className="status-card-text">
        <strong>{x.title}</strong>
        <p>{x.detail}</p>
      </div>
    </section>
  )
}

/** Says in plain words why a run stopped, with the obvious next action. */
export function StatusCard(props: Props): JSX.Element {
  const x = explain(props)
  // A script's failure keeps Python's own text one click away; a limit's detail stays in view.
  const hinted = Boolean(props.run.error?.hint) && props.run.status === 'failed'
  return (
    <section className={`status-card tone-${x.tone}`} aria-label="Run status" role="status">
      <div className="status-card-text">
        <strong>{x.title}</strong>
        <Hint {...props} />
        {x.detail && (hinted ? <RawError run={props.run} detail={x.detail} /> : <p>{x.detail}</p>)}
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
