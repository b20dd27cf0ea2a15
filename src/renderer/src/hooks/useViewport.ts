import { useEffect, useRef, useState, type RefObject, type UIEvent } from 'react'

export interface Viewport {
  ref: RefObject<HTMLDivElement | null>
  scrollTop: number
  height: number
  onScroll: (e: UIEvent<HTMLDivElement>) => void
  /** The rows to render of `count` rows of `rowHeight` px: those visible plus `overscan` each side. */
  rows(count: number, rowHeight: number, overscan: number): { first: number; last: number }
}

/**
 * The scroll position and visible height of a scrolling box, for the virtualised lists: they
 * render only the rows between `scrollTop` and `scrollTop + height`.
 */
export function useViewport(initialHeight: number): Viewport {
  const ref = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(initialHeight)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const ro = new ResizeObserver(() => setHeight(el.clientHeight))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])
  return {
    ref,
    scrollTop,
    height,
    onScroll: (e) => setScrollTop(e.currentTarget.scrollTop),
    rows: (count, rowHeight, overscan) => ({
      first: Math.max(0, Math.floor(scrollTop / rowHeight) - overscan),
      last: Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan),
    }),
  }
}
