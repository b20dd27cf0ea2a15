/**
 * Which run the Run/Stop controls act on. The user's own run is one started here (Run, Rerun, a
 * fork) and still going; a live run opened from the history that was not started here (a job sent
 * to the API) is only watched. Pure: driven by unit tests.
 */
import { isTerminal, type RunStatus } from '../../shared/run'

export interface TrackedRun {
  id: string
  status: RunStatus
}

export interface RunControls {
  /** The user has a run in flight: Run turns into Stop and another start is refused. */
  busy: boolean
  /** The run Stop and Esc cancel, or null. */
  stopTarget: string | null
  /** A live run shown here that the user did not start here (watched, never cancelled by Esc). */
  watching: string | null
}

/** The controls for the shown run (`shown`) and the run started here still going (`own`). */
export function runControls(shown: TrackedRun | null, own: TrackedRun | null): RunControls {
  const watched = shown !== null && !isTerminal(shown.status) && shown.id !== own?.id
  return {
    busy: own !== null,
    stopTarget: own?.id ?? null,
    watching: watched ? shown.id : null,
  }
}
