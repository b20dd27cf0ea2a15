import { useEffect, useRef, useState, type JSX } from 'react'
import type { RunSummary } from '../../../shared/api'
import { formatTime } from '../format'
import { ZipPicker } from './ZipPicker'

/** Export… (the shown run, once finished) and Import… (pick a bundle file). */
export function BundleButtons(props: {
  exportId: string | null
  onExport: (id: string) => void
  onImport: (file: File) => void
}): JSX.Element {
  const input = useRef<HTMLInputElement>(null)
  const { exportId } = props
  return (
    <div className="bundle-buttons">
      <button
        type="button"
        disabled={exportId === null}
        title={
          exportId ? 'Save the shown run as a bundle (.zip)' : 'Open a finished run to export it'
        }
        onClick={() => exportId && props.onExport(exportId)}
      >
        Export…
      </button>
      <button
        type="button"
        title="Import a run bundle (.zip)"
        onClick={() => input.current?.click()}
      >
        Import…
      </button>
      <ZipPicker inputRef={input} label="Run bundle to import" onPick={props.onImport} />
    </div>
  )
}

/** "imported from <original id>, <date>" in the run's header. */
export function ImportedTag({ imported }: Pick<RunSummary, 'imported'>): JSX.Element | null {
  if (!imported) return null
  return (
    <p
      className="imported-tag"
      data-testid="imported-tag"
      title={`Imported ${formatTime(imported.importedAt)} from a bundle of run ${imported.originalId}`}
    >
      ⤓ imported from <code>{imported.originalId.slice(0, 8)}</code>,{' '}
      {formatTime(imported.originalCreatedAt)}
    </p>
  )
}

/** While files are dragged over the window: an overlay; a dropped file goes to `onDrop`. */
export function BundleDrop({
  onDrop,
  what = {
    title: 'Drop a run bundle to import it',
    detail:
      'A .zip exported from Tako VM (an exercise pack opens in Exercises): it is checked before anything is added.',
  },
}: {
  onDrop: (file: File) => void
  /** What a drop imports (a run bundle unless told). */
  what?: { title: string; detail: string }
}): JSX.Element | null {
  const [over, setOver] = useState(false)
  useEffect(() => {
    let depth = 0
    const hasFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') ?? false
    const enter = (e: DragEvent): void => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth++
      setOver(true)
    }
    const overFn = (e: DragEvent): void => {
      if (!hasFiles(e)) return
      e.preventDefault()
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
    }
    const leave = (e: DragEvent): void => {
      if (!hasFiles(e)) return
      depth = Math.max(0, depth - 1)
      if (depth === 0) setOver(false)
    }
    const drop = (e: DragEvent): void => {
      if (!hasFiles(e)) return
      // A file dropped anywhere in the window is ours to handle: never let the page navigate to it.
      e.preventDefault()
      depth = 0
      setOver(false)
      const file = e.dataTransfer?.files[0]
      if (file) onDrop(file)
    }
    window.addEventListener('dragenter', enter)
    window.addEventListener('dragover', overFn)
    window.addEventListener('dragleave', leave)
    window.addEventListener('drop', drop)
    return () => {
      window.removeEventListener('dragenter', enter)
      window.removeEventListener('dragover', overFn)
      window.removeEventListener('dragleave', leave)
      window.removeEventListener('drop', drop)
    }
  }, [onDrop])
  if (!over) return null
  return (
    <div className="drop-overlay" role="status" aria-live="polite" data-testid="drop-overlay">
      <div className="drop-card">
        <strong>{what.title}</strong>
        <span className="muted">{what.detail}</span>
      </div>
    </div>
  )
}
