import { useCallback, useEffect, useRef, useState } from 'react'
import { isTerminal } from '../../../shared/run'
import { client } from '../api/client'

/** The run "Compare with…" starts from. */
export interface PickFrom {
  id: string
  createdAt: string
}

export interface CompareState {
  /** The two runs shown side by side, or null. */
  pair: { a: string; b: string } | null
  openCompare: (a: string, b: string) => void
  close: () => void
  /** The run "Compare with…" picks a partner for, or null when the picker is closed. */
  picking: PickFrom | null
  pickFor: (run: PickFrom | null) => void
  /** Ids of runs being replayed (rerun, then compared with the original when they end). */
  replaying: string[]
  /** Reruns `id` in the same environment and opens the comparison with it when the rerun ends. */
  replay: (id: string) => Promise<void>
}

/** The comparison view's state: which two runs, the picker, and Replay. */
export function useCompare(report: (err: unknown) => void): CompareState {
  const [pair, setPair] = useState<{ a: string; b: string } | null>(null)
  const [picking, pickFor] = useState<PickFrom | null>(null)
  const [replaying, setReplaying] = useState<string[]>([])
  // Reruns waiting to end (rerun id → original), and reruns that ended before their id was known.
  const waiting = useRef(new Map<string, string>())
  const ended = useRef(new Set<string>())
  const replayingNow = useRef(0)

  const openCompare = useCallback((a: string, b: string) => {
    pickFor(null)
    setPair({ a, b })
  }, [])
  const close = useCallback(() => setPair(null), [])

  const finish = useCallback(
    (rerunId: string) => {
      const original = waiting.current.get(rerunId)
      if (original === undefined) return
      waiting.current.delete(rerunId)
      setReplaying((r) => r.filter((id) => id !== original))
      openCompare(original, rerunId)
    },
    [openCompare],
  )

  useEffect(
    () =>
      client.subscribe((e) => {
        if (e.type !== 'run.status' || !isTerminal(e.status)) return
        if (waiting.current.has(e.runId)) finish(e.runId)
        else if (replayingNow.current > 0) ended.current.add(e.runId)
      }),
    [finish],
  )

  const replay = useCallback(
    async (id: string) => {
      setReplaying((r) => [...r, id])
      replayingNow.current++
      try {
        const rerun = await client.call('runs:rerun', { id })
        waiting.current.set(rerun.id, id)
        if (isTerminal(rerun.status) || ended.current.has(rerun.id)) finish(rerun.id)
      } catch (err) {
        setReplaying((r) => r.filter((x) => x !== id))
        report(err)
      } finally {
        replayingNow.current--
        if (replayingNow.current === 0) ended.current.clear()
      }
    },
    [finish, report],
  )

  return { pair, openCompare, close, picking, pickFor, replaying, replay }
}
