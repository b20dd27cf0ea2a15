import { useCallback, useEffect, useRef, useState } from 'react'
import type { Args, RunDetail, RunSummary } from '../../../shared/api'
import { isTerminal } from '../../../shared/run'
import { client } from '../api/client'
import { EarlyEvents, applyRunEvent, type LiveRun } from '../live-run'
import type { LimitsArg } from './useDraft'

export type Tab = 'output' | 'result' | 'artifacts'

export interface LiveRunState {
  /** The run the run panel shows (started here or opened from history), with its live output. */
  live: LiveRun | null
  /** The shown run's record once loaded (only ever the shown run's). */
  detail: RunDetail | null
  running: boolean
  tab: Tab
  setTab: (tab: Tab) => void
  /** Starts a run (`runs:start`) and shows it with every event that came before the reply. */
  start: (args: Args<'runs:start'>) => Promise<void>
  /** Reruns a run (`runs:rerun`): shown the same way as a new run, early events included. */
  rerun: (id: string, limits?: LimitsArg) => Promise<void>
  /** Shows a run from history. */
  open: (id: string) => Promise<void>
  /** Cancels the shown run if it is still going. */
  stop: () => Promise<void>
  /** Stops showing a run that no longer exists. */
  forget: (id: string) => void
}

/** The live run: one early-events buffer for every way a run is started. */
export function useLiveRun(report: (err: unknown) => void): LiveRunState {
  const [live, setLiveState] = useState<LiveRun | null>(null)
  const [detail, setDetail] = useState<RunDetail | null>(null)
  const [tab, setTab] = useState<Tab>('output')
  // The event handler decides synchronously which run is shown: the ref is the truth, state follows.
  const liveRef = useRef<LiveRun | null>(null)
  const early = useRef(new EarlyEvents())
  const openSeq = useRef(0)

  const setLive = useCallback((next: LiveRun | null) => {
    liveRef.current = next
    setLiveState(next)
  }, [])

  const loadDetail = useCallback(
    (id: string) => {
      client.call('runs:get', { id }).then((d) => {
        if (liveRef.current?.id === id) setDetail(d)
      }, report)
    },
    [report],
  )

  useEffect(
    () =>
      client.subscribe((e) => {
        if (e.type !== 'run.output' && e.type !== 'run.status') return
        const shown = liveRef.current
        if (shown?.id !== e.runId) {
          early.current.record(e)
          return
        }
        setLive(applyRunEvent(shown, e))
        if (e.type === 'run.status' && isTerminal(e.status)) loadDetail(e.runId)
      }),
    [setLive, loadDetail],
  )

  /** Shows a run that was just started, with whatever of its events arrived before the reply. */
  const show = useCallback(
    (summary: RunSummary) => {
      openSeq.current++
      const next = early.current.take(summary.id, summary.status)
      setDetail(null)
      setTab('output')
      setLive(next)
      if (isTerminal(next.status)) loadDetail(next.id)
    },
    [setLive, loadDetail],
  )

  const start = useCallback<LiveRunState['start']>(
    async (args) => {
      try {
        show(await client.call('runs:start', args))
      } catch (err) {
        report(err)
      }
    },
    [show, report],
  )

  const rerun = useCallback(
    async (id: string, limits: LimitsArg = {}) => {
      try {
        show(await client.call('runs:rerun', { id, limits }))
      } catch (err) {
        report(err)
      }
    },
    [show, report],
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
        setLive({
          id,
          status: d.status,
          chunks: [
            { stream: 'stdout', text: d.stdout },
            { stream: 'stderr', text: d.stderr },
          ],
          chars: d.stdout.length + d.stderr.length,
          clipped: false,
        })
      } catch (err) {
        report(err)
      }
    },
    [setLive, report],
  )

  const running = live !== null && !isTerminal(live.status)

  const stop = useCallback(async () => {
    const shown = liveRef.current
    if (!shown || isTerminal(shown.status)) return
    try {
      await client.call('runs:cancel', { id: shown.id })
    } catch (err) {
      report(err)
    }
  }, [report])

  const forget = useCallback(
    (id: string) => {
      if (liveRef.current?.id !== id) return
      setLive(null)
      setDetail(null)
    },
    [setLive],
  )

  const shownDetail = detail && live && detail.id === live.id ? detail : null
  return {
    live,
    detail: shownDetail,
    running,
    tab,
    setTab,
    start,
    rerun,
    open,
    stop,
    forget,
  }
}
