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

/** What the Run button shows: its text and its tooltip (the shortcut included). */
export interface RunButtonLabel {
  text: string
  title: string
}

/**
 * The Run button's label. Run always starts the draft; while another run is on screen (a past run's
 * code in the editors, or a watched live job) it says so before the click, and pressing it switches
 * the view back to the draft with the new run's output.
 */
export function runButtonLabel(otherRunShown: boolean): RunButtonLabel {
  return otherRunShown
    ? { text: '▶ Run draft', title: 'Run your draft (Ctrl+Enter): the run shown is left as it is' }
    : { text: '▶ Run', title: 'Run (Ctrl+Enter)' }
}

/**
 * The name of the input box of a live run waiting for `input()`. The user's own run's box is "the
 * running script"'s; a watched run's box names the run it answers (anyone local may send input to an
 * API job, see docs/api.md, 'POST /jobs/{id}/stdin').
 */
export function inputBoxLabel(watching: string | null, api: boolean): string {
  if (watching === null) return 'Input for the running script'
  return `Input for run ${watching.slice(0, 8)} (${api ? 'an API job' : 'not started here'})`
}
