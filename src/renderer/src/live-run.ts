/**
 * The shown run's live state and the one early-events buffer. A run's first events can arrive before
 * the call that shows it returns (`runs:start`, `runs:rerun`, or `runs:get` when a running run is
 * reopened); they are kept here per run and handed over when the run is shown, whichever call showed
 * it. Events carry a sequence number: a reopened run's reply says up to which event its output goes,
 * so the events around it are merged with no line twice and none missing. Pure: driven by unit tests.
 */
import type { AppEvent } from '../../shared/api'
import { isTerminal, type RunStatus } from '../../shared/run'
import { OutputBuffer, type OutputRows } from './output-buffer'
import { RecordRows } from './record-rows'

/** Runs whose early events are kept; older ones belong to API clients and are dropped. */
export const EARLY_RUNS = 16
/** Output characters kept per run before it is shown (the rest is marked as not shown live). */
export const EARLY_CHARS = 4_000_000

export type RunEvent = Extract<AppEvent, { type: 'run.output' | 'run.status' | 'run.stdin' }>

/** Mutable: events are applied in place (the hot path); the hook redraws once per frame. */
export interface LiveRun {
  id: string
  status: RunStatus
  output: OutputBuffer
  /** Events numbered up to this are already in `output` (a reopened run's reply held them). */
  afterSeq: number
  /** The stored record, shown instead of the live lines (the run ended with lines not shown live). */
  record: RecordRows | null
  /**
   * Some of what the run printed is missing or reordered here (left out before it was shown, or a
   * reopened run's output so far came as stdout then stderr): the record replaces it at the end.
   */
  partial: boolean
  /** The run blocks reading its standard input (interactive runs), with what it printed as prompt. */
  waiting: { prompt: string } | null
}

export function emptyLive(id: string, status: RunStatus): LiveRun {
  return {
    id,
    status,
    output: new OutputBuffer(),
    afterSeq: 0,
    record: null,
    partial: false,
    waiting: null,
  }
}

/** The shown run as its stored record has it (a finished run, or one that ended while shown). */
export function liveOfRecord(
  id: string,
  status: RunStatus,
  stdout: string,
  stderr: string,
): LiveRun {
  return { ...emptyLive(id, status), record: new RecordRows(stdout, stderr) }
}

/**
 * A running run reopened: its output so far from the reply (`runs:get`), which holds every event
 * numbered up to `seq`.
 */
export function liveOfRunning(
  id: string,
  status: RunStatus,
  sofar: { stdout: string; stderr: string; seq: number },
): LiveRun {
  const live = { ...emptyLive(id, status), afterSeq: sofar.seq, partial: true }
  live.output.append('stdout', sofar.stdout)
  live.output.endLine()
  live.output.append('stderr', sofar.stderr)
  return live
}

/** The rows the pane shows: the record once it replaced the live lines, else the live lines. */
export function shownRows(live: LiveRun): OutputRows {
  return live.record ?? live.output
}

/** Whether the run's stored record should replace the live lines now that the run has ended. */
export function recordReplaces(live: LiveRun, truncated: boolean): boolean {
  return !live.record && (truncated || live.partial || live.output.dropped > 0)
}

/** Applies one event in place; false when it was already in the run's output (an older event). */
export function applyRunEvent(live: LiveRun, e: RunEvent): boolean {
  if (e.type !== 'run.stdin' && e.seq !== undefined && e.seq <= live.afterSeq) return false
  if (e.type === 'run.status') {
    live.status = e.status
    if (isTerminal(e.status)) live.waiting = null
  } else if (e.type === 'run.output') {
    live.output.append(e.stream, e.text)
  } else if (e.event === 'waiting') {
    live.waiting = { prompt: e.prompt }
  } else {
    live.waiting = null
    // The line the run got, echoed where it was typed (after the prompt), in its own style.
    if (e.event === 'sent')
      live.output.append('stdin', e.text.endsWith('\n') ? e.text : `${e.text}\n`)
    else live.output.appendLine('note', '[end of input]')
  }
  live.output.version++
  return true
}

interface Early {
  events: RunEvent[]
  chars: number
  /** Output characters left out past EARLY_CHARS. */
  overflow: number
}

/** Events of runs not shown (yet), per run, for the most recent EARLY_RUNS runs. */
export class EarlyEvents {
  private readonly runs = new Map<string, Early>()

  record(e: RunEvent): void {
    const entry = this.runs.get(e.runId) ?? { events: [], chars: 0, overflow: 0 }
    if (e.type === 'run.output' && entry.chars + e.text.length > EARLY_CHARS) {
      entry.overflow += e.text.length
    } else {
      entry.events.push(e)
      if (e.type === 'run.output') entry.chars += e.text.length
    }
    // Most recently active last, so the oldest is dropped first.
    this.runs.delete(e.runId)
    this.runs.set(e.runId, entry)
    while (this.runs.size > EARLY_RUNS) this.runs.delete(this.runs.keys().next().value!)
  }

  /**
   * The run with its early events applied over `base` (a fresh run with the reply's status, or a
   * reopened running run with its output so far), and forgets them: later events go to the shown run.
   * A status an event gave wins over the reply's (a run that ended before its reply arrived).
   */
  take(base: LiveRun): LiveRun {
    const entry = this.runs.get(base.id)
    this.runs.delete(base.id)
    if (!entry) return base
    for (const e of entry.events) applyRunEvent(base, e)
    if (entry.overflow > 0) {
      base.partial = true
      base.output.appendLine(
        'note',
        `[${entry.overflow} characters printed before the run was shown are not shown live; the full head and tail appear when the run ends]`,
      )
    }
    return base
  }

  get size(): number {
    return this.runs.size
  }
}

/**
 * Tells the output pane, at most once per animation frame, that the shown run's lines changed: the
 * pane alone draws again, not the whole app (status changes go through React state as usual).
 */
export class FrameClock {
  private readonly listeners = new Set<() => void>()
  private frame: number | null = null
  private count = 0

  /**
   * `schedule` is requestAnimationFrame in the page; `beforeDraw` runs first in each frame (it
   * applies the events queued since the last one).
   */
  constructor(
    private readonly schedule: (cb: () => void) => number,
    private readonly beforeDraw: () => void = () => undefined,
  ) {}

  /** Asks for one draw at the next frame (many asks before it make one draw). */
  tick(): void {
    if (this.frame !== null) return
    this.frame = this.schedule(() => {
      this.frame = null
      this.beforeDraw()
      this.count++
      for (const l of this.listeners) l()
    })
  }

  /** For useSyncExternalStore: arrow properties, so they can be passed as they are. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  now = (): number => this.count
}

/** Output characters queued for the next frame beyond which they are applied at once (no frame). */
export const QUEUE_CHARS = 4_000_000

/**
 * The shown run's events since the last frame, applied together at the next one: a burst of
 * hundreds of small output events costs one split into lines, not hundreds, and lines the bounded
 * buffer would drop again are never made.
 */
export class FrameQueue {
  private events: RunEvent[] = []
  private chars = 0

  /** Queues an event; true when the queue is over QUEUE_CHARS and should be applied now. */
  push(e: RunEvent): boolean {
    this.events.push(e)
    if (e.type === 'run.output') this.chars += e.text.length
    return this.chars > QUEUE_CHARS
  }

  clear(): void {
    this.events = []
    this.chars = 0
  }

  /**
   * Applies the queued events to `live` in order (consecutive output of one stream as one append)
   * and empties the queue. `changed`: the status or the waiting state changed.
   */
  flush(live: LiveRun): { changed: boolean; ended: boolean } {
    const before = { status: live.status, waiting: live.waiting }
    let batch: { stream: 'stdout' | 'stderr'; texts: string[] } | null = null
    const applyBatch = (): void => {
      if (batch) live.output.append(batch.stream, batch.texts.join(''))
      batch = null
    }
    for (const e of this.events) {
      if (e.type === 'run.output' && !(e.seq !== undefined && e.seq <= live.afterSeq)) {
        if (batch && batch.stream !== e.stream) applyBatch()
        batch ??= { stream: e.stream, texts: [] }
        batch.texts.push(e.text)
      } else if (e.type !== 'run.output') {
        applyBatch()
        applyRunEvent(live, e)
      }
    }
    applyBatch()
    this.clear()
    live.output.version++
    return {
      changed: live.status !== before.status || live.waiting !== before.waiting,
      ended: isTerminal(live.status) && !isTerminal(before.status),
    }
  }
}
