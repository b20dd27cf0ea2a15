import { useRef, useState, type JSX, type PointerEvent, type WheelEvent } from 'react'

const STEPS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8]

/** An image at full size: fit or a zoom level (buttons, + / - / 0, Ctrl+wheel), dragged to pan. */
export function ImageViewer({ src, name }: { src: string; name: string }): JSX.Element {
  const [zoom, setZoom] = useState<number | 'fit'>('fit')
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null)
  const box = useRef<HTMLDivElement | null>(null)
  const drag = useRef<{ x: number; y: number; left: number; top: number } | null>(null)

  const current = (): number => {
    if (zoom !== 'fit') return zoom
    if (!natural || !box.current) return 1
    const { clientWidth, clientHeight } = box.current
    return Math.min(1, clientWidth / natural.w, clientHeight / natural.h)
  }
  const step = (dir: 1 | -1): void => {
    const z = current()
    const next =
      dir > 0 ? STEPS.find((s) => s > z + 1e-9) : [...STEPS].reverse().find((s) => s < z - 1e-9)
    setZoom(next ?? z)
  }
  const onWheel = (e: WheelEvent): void => {
    if (!e.ctrlKey) return
    e.preventDefault()
    step(e.deltaY < 0 ? 1 : -1)
  }
  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    const el = box.current
    if (!el || e.button !== 0) return
    drag.current = { x: e.clientX, y: e.clientY, left: el.scrollLeft, top: el.scrollTop }
    el.setPointerCapture(e.pointerId)
  }
  const onPointerMove = (e: PointerEvent<HTMLDivElement>): void => {
    const el = box.current
    const d = drag.current
    if (!el || !d) return
    el.scrollLeft = d.left - (e.clientX - d.x)
    el.scrollTop = d.top - (e.clientY - d.y)
  }
  const scale = current()
  const percent = `${Math.round(scale * 100)}%`
  return (
    <div className="image-viewer">
      <div className="viewer-tools" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => step(-1)} aria-label="Zoom out" title="Zoom out (-)">
          −
        </button>
        <output aria-live="polite" aria-label="Zoom level">
          {zoom === 'fit' ? `Fit (${percent})` : percent}
        </output>
        <button type="button" onClick={() => step(1)} aria-label="Zoom in" title="Zoom in (+)">
          +
        </button>
        <button type="button" onClick={() => setZoom(1)} title="Actual size (0)">
          100%
        </button>
        <button type="button" onClick={() => setZoom('fit')}>
          Fit
        </button>
        {natural && (
          <span className="muted">
            {natural.w} × {natural.h} px
          </span>
        )}
      </div>
      <div
        ref={box}
        className="image-viewer-canvas"
        tabIndex={0}
        role="region"
        aria-label={`Image ${name}, drag or use the arrow keys to pan`}
        onWheel={onWheel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={() => (drag.current = null)}
        onKeyDown={(e) => {
          if (e.key === '+' || e.key === '=') step(1)
          else if (e.key === '-') step(-1)
          else if (e.key === '0') setZoom(1)
        }}
      >
        <img
          src={src}
          alt={name}
          draggable={false}
          onLoad={(e) =>
            setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })
          }
          style={natural ? { width: natural.w * scale, height: natural.h * scale } : undefined}
        />
      </div>
    </div>
  )
}
