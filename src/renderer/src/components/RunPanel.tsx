import type { JSX, ReactNode } from 'react'
import type { RunDetail } from '../../../shared/api'
import { formatDuration, stripAnsi } from '../format'
import type { Tab } from '../hooks/useLiveRun'
import type { LimitsArg } from '../hooks/useDraft'
import type { LiveRun } from '../live-run'
import { ArtifactBrowser } from './ArtifactBrowser'
import { ImportedTag } from './BundleActions'
import { ResultView } from './ResultView'
import { StatusCard } from './StatusCard'

interface Props {
  live: LiveRun | null
  detail: RunDetail | null
  running: boolean
  tab: Tab
  onTab: (tab: Tab) => void
  onRerun: (id: string, limits: LimitsArg) => void
  onBuild: (environment: string) => void
  /** Buttons for the shown run (Compare with…, Replay). */
  actions?: ReactNode
  /** Shows a line of main.py in the editor (the status card's error line). */
  onShowLine?: (line: number) => void
  /** Whether the editor holds the shown run's code. */
  codeMatches?: boolean
}

const TABS: Tab[] = ['output', 'result', 'artifacts']

function tabLabel(t: Tab, detail: RunDetail | null): string {
  if (t === 'output') return 'Output'
  if (t === 'result') return `Result${detail?.outputJson != null ? ' ●' : ''}`
  return `Files${detail ? ` (${detail.artifacts.length})` : ''}`
}

function OutputLog({ live, detail }: Pick<Props, 'live' | 'detail'>): JSX.Element {
  return (
    <div className="output" role="log" aria-label="Output" tabIndex={0}>
      {live?.chunks.map((c, i) => (
        <span key={i} className={c.stream === 'stderr' ? 'stderr' : 'stdout'}>
          {stripAnsi(c.text)}
        </span>
      ))}
      {live?.clipped && (
        <div className="truncated">[live output clipped; the run keeps head and tail]</div>
      )}
      {detail && (detail.stdoutTruncated || detail.stderrTruncated) && (
        <div className="truncated">
          Output was longer than the limit: the middle is cut, marked [TRUNCATED …] above.
        </div>
      )}
      {!live && (
        <p className="muted">
          Write a script and press Run (Ctrl+Enter). Its output appears here as it runs.
        </p>
      )}
    </div>
  )
}

/** The shown run: its state, why it stopped, and its output, result and files in tabs. */
export function RunPanel(props: Props): JSX.Element {
  const { live, detail, running, tab } = props
  return (
    <section className="results" aria-label="Run">
      <div className="tabs" role="tablist" aria-label="Run views">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'active' : ''}
            onClick={() => props.onTab(t)}
          >
            {tabLabel(t, detail)}
          </button>
        ))}
        <span className="run-state" aria-live="polite">
          {live ? (
            <>
              <span className={`dot status-${live.status}`} aria-hidden="true" />
              <span data-testid="run-status" data-run-id={live.id}>
                {live.status}
              </span>
              {detail?.durationMs != null ? ` · ${formatDuration(detail.durationMs)}` : ''}
            </>
          ) : (
            'No run yet'
          )}
          {props.actions}
        </span>
      </div>
      <div className="tab-body">
        {detail && <ImportedTag imported={detail.imported} />}
        {detail && (
          <StatusCard
            run={detail}
            onRerun={(l) => props.onRerun(detail.id, l)}
            onBuild={props.onBuild}
            {...(props.onShowLine ? { onShowLine: props.onShowLine } : {})}
            {...(props.codeMatches !== undefined ? { codeMatches: props.codeMatches } : {})}
          />
        )}
        {tab === 'output' && <OutputLog live={live} detail={detail} />}
        {tab === 'result' && <ResultView detail={detail} running={running} />}
        {tab === 'artifacts' &&
          (detail ? (
            <ArtifactBrowser runId={detail.id} artifacts={detail.artifacts} />
          ) : (
            <p className="muted">{running ? 'Files appear when the run ends.' : 'No run open.'}</p>
          ))}
      </div>
    </section>
  )
}
