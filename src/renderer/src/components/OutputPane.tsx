import { useVirtualizer } from '@tanstack/react-virtual'
import {
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type JSX,
  type ReactNode,
} from 'react'
import { formatCount, stripAnsi } from '../format'
import { shownRows, type FrameClock, type LiveRun } from '../live-run'
import type { Row } from '../output-buffer'

/** Every row is one line high (long lines scroll sideways), so the list needs no measuring. */
export const ROW_PX = 18

interface Props {
  live: LiveRun | null
  /** Ticks whenever `live`'s lines changed in place: the pane draws again on its own. */
  clock: FrameClock
  /** Rendered right after the last line (the input row of a run waiting for input). */
  children?: ReactNode
}

function gapText(lines: number): string {
  return `… ${formatCount(lines)} lines not shown live; the full head and tail appear when the run ends`
}

function RowView({ row }: { row: Row }): JSX.Element {
  if ('gap' in row) return <span className="gap">{gapText(row.gap)}</span>
  if (row.line.length === 0) return <>{'\u200b'}</>
  return (
    <>
      {row.line.map((s, i) => (
        <span key={i} className={s.kind}>
          {stripAnsi(s.text)}
        </span>
      ))}
    </>
  )
}

/**
 * The shown run's output: only the rows in view are in the page (virtualised), so a million lines
 * cost what fifty do. It follows the last line unless the user scrolled up, then offers "Jump to
 * end". A cut the engine made in the stored output is one click away.
 */
export function OutputPane({ live, clock, children }: Props): JSX.Element {
  const version = useSyncExternalStore(clock.subscribe, clock.now)
  const scroller = useRef<HTMLDivElement>(null)
  const [follow, setFollow] = useState(true)
  const followRef = useRef(true)
  const output = live ? shownRows(live) : null
  const count = output?.rowCount ?? 0
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 10,
    // Scrolling draws with the next batch, not synchronously inside the scroll event.
    useFlushSync: false,
  })

  const setFollowing = useCallback((on: boolean) => {
    followRef.current = on
    setFollow(on)
  }, [])

  // A new run starts at its top and follows its tail.
  const runId = live?.id
  useLayoutEffect(() => setFollowing(true), [runId, setFollowing])

  // After each drawn batch: keep the last line in view while following.
  useLayoutEffect(() => {
    const el = scroller.current
    if (el && followRef.current) el.scrollTop = el.scrollHeight
  }, [version, count, runId, children])

  const onScroll = (): void => {
    const el = scroller.current
    if (!el) return
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_PX
    if (atEnd !== followRef.current) setFollowing(atEnd)
  }

  const jumpToEnd = (): void => {
    setFollowing(true)
    const el = scroller.current
    if (!el) return
    el.scrollTop = el.scrollHeight
    el.focus()
  }

  const cut = output ? output.cutRow() : -1
  const showCut = (): void => {
    setFollowing(false)
    virtualizer.scrollToIndex(cut, { align: 'center' })
  }

  return (
    <div className="output-pane">
      <div className="output-frame">
        <div
          ref={scroller}
          className="output"
          role="log"
          aria-label="Output"
          aria-live="off"
          tabIndex={0}
          onScroll={onScroll}
        >
          {live ? (
            <div className="output-rows" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((item) => (
                <div
                  key={item.key}
                  data-row=""
                  className="output-row"
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <RowView row={output!.row(item.index)} />
                </div>
              ))}
            </div>
          ) : (
            <p className="muted">
              Write a script and press Run (Ctrl+Enter). Its output appears here as it runs.
            </p>
          )}
          {children}
        </div>
        {!follow && count > 0 && (
          <button
            type="button"
            className="jump-to-end"
            aria-label="Jump to end"
            onClick={jumpToEnd}
          >
            Jump to end ↓
          </button>
        )}
      </div>
      {output && output.dropped > 0 && (
        // Also under the log: the gap row itself is out of view while the pane follows the tail.
        <div className="truncated" role="note" aria-label="Live output">
          {gapText(output.dropped)}
        </div>
      )}
      {cut >= 0 && (
        <div className="truncated">
          The output was longer than the limit: its middle is cut.{' '}
          <button type="button" className="link" onClick={showCut}>
            Show the cut
          </button>
        </div>
      )}
    </div>
  )
}
