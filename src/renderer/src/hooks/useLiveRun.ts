import { useCallback, useEffect, useRef, useState } from 'react'
import type { Args, RunDetail, RunSummary } from '../../../shared/api'
import { isTerminal, type RunStatus } from '../../../shared/run'
import { client } from '../api/client'
import {
  EarlyEvents,
  FrameClock,
  FrameQueue,
  emptyLive,
  liveOfRecord,
  liveOfRunning,
  recordReplaces,
  type LiveRun,
} from '../live-run'
import { runControls } from '../run-controls'
import type { LimitsArg } from './useDraft'

export type Tab = 'output' | 'result' | 'artifacts'

/** What Ctrl+Enter (or Rerun) says while the user's own run is live, instead of starting another. */
export const ALREADY_RUNNING = 'A run is already running — Esc cancels it'

export interface LiveRunState {
  /** The run the run panel shows (started here or opened from history), with its live output. */
  live: LiveRun | null
  /** Ticks (at most once per animation frame) whenever the shown run's lines changed in place. */
  clock: FrameClock
  /** The shown run's record once loaded (only ever the shown run's). */
  detail: RunDetail | null
  /**
   * The user's own run (started here) is still going, shown or not: Run is Stop, Esc cancels it.
   * A live run opened from the history that was not started here does not count (see `watching`).
   */
  running: boolean
  /** The shown run when it is live and was not started here (an API job being watched), or null. */
  watching: string | null
  /** The run started here that is still going while another run is shown, or null. */
  elsewhere: { id: string; status: RunStatus } | null
  tab: Tab
  setTab: (tab: Tab) => void
  /**
   * Starts a run (`runs:start`) and shows it with every event that came before the reply; false
   * when nothing was started (a run is live, or the call failed and was reported).
   */
  start: (args: Args<'runs:start'>) => Promise<boolean>
  /** Reruns a run (`runs:rerun`): shown the same way as a new run, early events included. */
  rerun: (id: string, limits?: LimitsArg) => Promise<boolean>
  /** New code on a past run's input (`runs:fork`, lineage 'fork'), shown like a new run. */
  fork: (args: Args<'runs:fork'>) => Promise<boolean>
  /** Shows a run from history (a running one with its output so far, then live). */
  open: (id: string) => Promise<void>
  /** Cancels the run started here that is still going (never a watched one). */
  stop: () => Promise<void>
  /** Cancels the watched run (an explicit, labelled button; never Esc). */
  cancelWatched: () => Promise<void>
  /** Stops showing a run that no longer exists. */
  forget: (id: string) => void
  /** Sends a line or end of input to the shown run (`runs:stdin`); rejects if refused (reported). */
  sendInput: (input: { data: string } | { eof: true }) => Promise<void>
}

/**
 * The live run: one early-events buffer for every way a run is shown. Events are applied as they
 * arrive (the buffer is bounded) and drawn once per animation frame, whatever their rate.
 */
export function useLiveRun(
  report: (err: unknown) => void,
  inform: (text: string) => void = () => undefined,
): LiveRunState {
  const [live, setLiveState] = useState<LiveRun | null>(null)
  // Status or waiting changed in place: the app draws again (rare; output goes by `clock`).
  const [, setVersion] = useState(0)
  const [detail, setDetail] = useState<RunDetail | null>(null)
  const [tab, setTab] = useState<Tab>('output')
  const [own, setOwnState] = useState<{ id: string; status: RunStatus } | null>(null)
  // The event handler decides synchronously which run is shown: the refs are the truth, state follows.
  const liveRef = useRef<LiveRun | null>(null)
  // The run started here (start/rerun) until it ends, shown or not.
  const ownRef = useRef<{ id: string; status: RunStatus } | null>(null)
  const early = useRef(new EarlyEvents())
  const openSeq = useRef(0)
  // The shown run's events wait for the next frame and are applied together (see FrameQueue).
  const queue = useRef(new FrameQueue())
  const flushRef = useRef<() => void>(() => undefined)
  const [clock] = useState(
    () =>
      new FrameClock(
        (cb) => requestAnimationFrame(cb),
        () => flushRef.current(),
      ),
  )

  const setLive = useCallback((next: LiveRun | null) => {
    // Queued events belong to the run shown until now (or are in the record that replaces it).
    queue.current.clear()
    liveRef.current = next
    setLiveState(next)
    setVersion((v) => v + 1)
  }, [])
  const setOwn = useCallback((next: { id: string; status: RunStatus } | null) => {
    ownRef.current = next
    setOwnState(next)
  }, [])

  /** Loads the shown run's record; once the run has ended, its lines become the record's if needed. */
  const loadDetail = useCallback(
    (id: string) => {
      client.call('runs:get', { id }).then((d) => {
        const shown = liveRef.current
        if (shown?.id !== id) return
        setDetail(d)
        if (isTerminal(d.status) && recordReplaces(shown, d.stdoutTruncated || d.stderrTruncated))
          setLive(liveOfRecord(id, shown.status, d.stdout, d.stderr))
      }, report)
    },
    [report, setLive],
  )

  useEffect(
    () =>
      client.subscribe((e) => {
        if (e.type !== 'run.output' && e.type !== 'run.status' && e.type !== 'run.stdin') return
        const mine = ownRef.current
        if (mine?.id === e.runId && e.type === 'run.status')
          setOwn(isTerminal(e.status) ? null : { id: mine.id, status: e.status })
        const shown = liveRef.current
        if (shown?.id !== e.runId) {
          early.current.record(e)
          return
        }
        if (queue.current.push(e)) flushRef.current()
        clock.tick()
      }),
    [clock, setOwn],
  )

  flushRef.current = () => {
    const shown = liveRef.current
    if (!shown) return
    const { changed, ended } = queue.current.flush(shown)
    if (changed) setVersion((v) => v + 1)
    if (ended) loadDetail(shown.id)
  }

  /** Shows a run that was just started, with whatever of its events arrived before the reply. */
  const show = useCallback(
    (summary: RunSummary) => {
      openSeq.current++
      const next = early.current.take(emptyLive(summary.id, summary.status))
      setDetail(null)
      setTab('output')
      setLive(next)
      setOwn(isTerminal(next.status) ? null : { id: next.id, status: next.status })
      if (isTerminal(next.status)) loadDetail(next.id)
    },
    [setLive, setOwn, loadDetail],
  )

  /** False (and says why) while a run started here is live: they never overlap silently. */
  const free = useCallback((): boolean => {
    if (runControls(liveRef.current, ownRef.current).busy) {
      inform(ALREADY_RUNNING)
      return false
    }
    return true
  }, [inform])

  /** Starts a run (unless one is live) and shows it; false when nothing was started. */
  const launch = useCallback(
    async (call: () => Promise<RunSummary>): Promise<boolean> => {
      if (!free()) return false
      try {
        show(await call())
        return true
      } catch (err) {
        report(err)
        return false
      }
    },
    [free, show, report],
  )
  const start = useCallback(
    (args: Args<'runs:start'>) => launch(() => client.call('runs:start', args)),
    [launch],
  )
  const rerun = useCallback(
    (id: string, limits: LimitsArg = {}) => launch(() => client.call('runs:rerun', { id, limits })),
    [launch],
  )
  const fork = useCallback(
    (args: Args<'runs:fork'>) => launch(() => client.call('runs:fork', args)),
    [launch],
  )

  const open = useCallback(
    async (id: string) => {
      const seq = ++openSeq.current
      setLive(null)
      try {
        const d = await client.call('runs:get', { id })
        // A newer open (or a run started meanwhile) wins.
        if (seq !== openSeq.current) return
        setDetail(d)
        const running = !isTerminal(d.status) && d.outputSeq != null
        // Events that came while the reply was on its way: those after it follow on, the rest are
        // in the reply already (a finished run's record holds them all).
        const base = running
          ? liveOfRunning(id, d.status, { stdout: d.stdout, stderr: d.stderr, seq: d.outputSeq! })
          : liveOfRecord(id, d.status, d.stdout, d.stderr)
        if (!running) base.afterSeq = Infinity
        else base.waiting = d.waitingForInput
        const next = early.current.take(base)
        setLive(next)
        if (running && isTerminal(next.status)) loadDetail(id)
      } catch (err) {
        report(err)
      }
    },
    [setLive, loadDetail, report],
  )

  const controls = runControls(live, own)

  const cancel = useCallback(
    async (id: string | null) => {
      if (!id) return
      try {
        await client.call('runs:cancel', { id })
      } catch (err) {
        report(err)
      }
    },
    [report],
  )
  const stop = useCallback(
    () => cancel(runControls(liveRef.current, ownRef.current).stopTarget),
    [cancel],
  )
  const cancelWatched = useCallback(
    () => cancel(runControls(liveRef.current, ownRef.current).watching),
    [cancel],
  )

  const forget = useCallback(
    (id: string) => {
      if (liveRef.current?.id !== id) return
      setLive(null)
      setDetail(null)
    },
    [setLive],
  )

  const sendInput = useCallback(
    async (input: { data: string } | { eof: true }) => {
      const shown = liveRef.current
      if (!shown) return
      try {
        await client.call('runs:stdin', { id: shown.id, ...input })
      } catch (err) {
        report(err)
        throw err
      }
    },
    [report],
  )

  const shownDetail = detail && live && detail.id === live.id ? detail : null
  return {
    live,
    clock,
    detail: shownDetail,
    running: controls.busy,
    watching: controls.watching,
    elsewhere: own && own.id !== live?.id ? own : null,
    tab,
    setTab,
    start,
    rerun,
    fork,
    open,
    stop,
    cancelWatched,
    forget,
    sendInput,
  }
}
