/**
 * The live run's state and the one early-events buffer. A run's first events can arrive before the
 * call that started it (`runs:start`, `runs:rerun`) returns; they are kept here per run and handed
 * over when the run is shown, whichever call started it. Pure: driven by unit tests.
 */
import type { AppEvent } from '../../shared/api'
import type { RunStatus } from '../../shared/run'

/** Live output kept in the page per run; the run's record keeps head and tail beyond it. */
export const MAX_LIVE_CHARS = 2_000_000
/** Runs whose early events are kept; older ones belong to API clients and are dropped. */
export const EARLY_RUNS = 16

export type RunEvent = Extract<AppEvent, { type: 'run.output' | 'run.status' }>

export interface LiveRun {
  id: string
  status: RunStatus
  chunks: { stream: 'stdout' | 'stderr'; text: string }[]
  chars: number
  clipped: boolean
}

export function emptyLive(id: string, status: RunStatus): LiveRun {
  return { id, status, chunks: [], chars: 0, clipped: false }
}

/** The run with one more event applied (a new object; the old one is left as it was). */
export function applyRunEvent(live: LiveRun, e: RunEvent): LiveRun {
  if (e.type === 'run.status') return { ...live, status: e.status }
  if (live.chars >= MAX_LIVE_CHARS) return live.clipped ? live : { ...live, clipped: true }
  return {
    ...live,
    chunks: [...live.chunks, { stream: e.stream, text: e.text }],
    chars: live.chars + e.text.length,
  }
}

/** Events of runs not shown (yet), per run, for the most recent EARLY_RUNS runs. */
export class EarlyEvents {
  private readonly runs = new Map<string, { live: LiveRun; sawStatus: boolean }>()

  record(e: RunEvent): void {
    const entry = this.runs.get(e.runId) ?? {
      live: emptyLive(e.runId, 'queued'),
      sawStatus: false,
    }
    entry.live = applyRunEvent(entry.live, e)
    if (e.type === 'run.status') entry.sawStatus = true
    // Most recently active last, so the oldest is dropped first.
    this.runs.delete(e.runId)
    this.runs.set(e.runId, entry)
    while (this.runs.size > EARLY_RUNS) this.runs.delete(this.runs.keys().next().value!)
  }

  /**
   * The run as its early events left it (with `status` from the reply unless an event already said
   * more), and forgets them: every later event goes to the shown run.
   */
  take(id: string, status: RunStatus): LiveRun {
    const entry = this.runs.get(id)
    this.runs.delete(id)
    if (!entry) return emptyLive(id, status)
    return entry.sawStatus ? entry.live : { ...entry.live, status }
  }

  get size(): number {
    return this.runs.size
  }
}
