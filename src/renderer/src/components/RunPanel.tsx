import type { JSX, ReactNode } from 'react'
import type { RunDetail } from '../../../shared/api'
import { isTerminal } from '../../../shared/run'
import { formatDuration } from '../format'
import type { Tab } from '../hooks/useLiveRun'
import { useQueuePosition } from '../hooks/useQueuePosition'
import type { LimitsArg } from '../hooks/useDraft'
import type { FrameClock, LiveRun } from '../live-run'
import { inputBoxLabel } from '../run-controls'
import { ArtifactBrowser } from './ArtifactBrowser'
import { ImportedTag } from './BundleActions'
import { RunInputFiles } from './InputFiles'
import { OutputPane } from './OutputPane'
import { ResultView } from './ResultView'
import { StdinPrompt } from './StdinPrompt'
import { StatusCard, WaitingCard } from './StatusCard'
import { TabList } from './TabList'

interface Props {
  live: LiveRun | null
  /** Ticks whenever `live`'s lines changed in place. */
  clock: FrameClock
  /** The run started here that is still going while another one is shown. */
  elsewhere: { id: string } | null
  onShow: (id: string) => void
  onInput: (input: { data: string } | { eof: true }) => Promise<void>
  detail: RunDetail | null
  /** The shown run when it is live and was not started here (watched: Run starts the draft). */
  watching: string | null
  /** Cancels the watched run (its own labelled button; Esc never does). */
  onCancelWatched: () => void
  tab: Tab
  onTab: (tab: Tab) => void
  onRerun: (id: string, limits: LimitsArg) => void
  onBuild: (environment: string) => void
  /** Whether the app can build an environment (see StatusCard). */
  canBuild: (environment: string) => boolean
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

/** Says that the run started here is still going while another run is shown (Run stays Stop). */
function StillRunning({ id, onShow }: { id: string; onShow: () => void }): JSX.Element {
  return (
    <div className="still-running" role="status" aria-label="Your run is still running">
      Your run {id.slice(0, 8)} is still running (Esc cancels it).{' '}
      <button type="button" className="link" onClick={onShow}>
        Show it
      </button>
    </div>
  )
}

/** Says that the shown live run is not the user's: Run starts their draft, Esc leaves it alone. */
function Watching(props: { id: string; api: boolean; onCancel: () => void }): JSX.Element {
  const what = props.api ? 'a job sent to the API' : 'not started here'
  return (
    <div className="still-running" role="status" aria-label="Watching a run not started here">
      Watching run {props.id.slice(0, 8)} ({what}): Run starts your own draft, Esc does not stop
      this one.{' '}
      <button type="button" className="link" onClick={props.onCancel}>
        Cancel run {props.id.slice(0, 8)}
      </button>
    </div>
  )
}

/** The shown run: its state, why it stopped, and its output, result and files in tabs. */
export function RunPanel(props: Props): JSX.Element {
  const { live, detail, tab } = props
  // The shown run is still going (whoever started it).
  const running = live !== null && !isTerminal(live.status)
  // The record is read once (and again at the end); until then the live status is the newer one.
  const status =
    detail && live?.id === detail.id && !isTerminal(detail.status) && !isTerminal(live.status)
      ? live.status
      : detail?.status
  // A run started here has no record yet while it waits: its live status says it is queued.
  const queued = detail ? status === 'queued' : live?.status === 'queued'
  const queuePosition = useQueuePosition(detail?.id ?? live?.id ?? null, queued)
  const watchedApi = detail?.id === props.watching && detail?.source === 'api'
  return (
    <section className="results" aria-label="Run">
      <div className="tabs">
        <TabList
          className="tab-list"
          label="Run views"
          tabs={TABS}
          selected={tab}
          onSelect={props.onTab}
          labelOf={(t) => tabLabel(t, detail)}
        />
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
        {detail ? (
          <StatusCard
            run={status && status !== detail.status ? { ...detail, status } : detail}
            queuePosition={queuePosition}
            onRerun={(l) => props.onRerun(detail.id, l)}
            onBuild={props.onBuild}
            canBuild={props.canBuild}
            {...(props.onShowLine ? { onShowLine: props.onShowLine } : {})}
            {...(props.codeMatches !== undefined ? { codeMatches: props.codeMatches } : {})}
          />
        ) : (
          queued && <WaitingCard position={queuePosition} />
        )}
        {props.watching && (
          <Watching id={props.watching} api={watchedApi} onCancel={props.onCancelWatched} />
        )}
        {props.elsewhere && (
          <StillRunning id={props.elsewhere.id} onShow={() => props.onShow(props.elsewhere!.id)} />
        )}
        {tab === 'output' && (
          <OutputPane live={live} clock={props.clock}>
            {live?.waiting && !isTerminal(live.status) && (
              <StdinPrompt
                key={live.id}
                prompt={live.waiting.prompt}
                onSend={props.onInput}
                label={inputBoxLabel(props.watching, watchedApi)}
                watched={props.watching !== null}
              />
            )}
          </OutputPane>
        )}
        {tab === 'result' && <ResultView detail={detail} running={running} />}
        {tab === 'artifacts' && detail && (
          <RunInputFiles runId={detail.id} files={detail.inputFiles ?? []} />
        )}
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
