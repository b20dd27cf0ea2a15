import { useRef, useState, type DragEvent, type JSX } from 'react'
import type { RunDetail } from '../../../shared/api'
import type { InputFilesDiff } from '../../../shared/compare'
import type { ArtifactInfo } from '../../../shared/run'
import { INPUT_FILE_CAPS } from '../../../shared/input-files'
import { draftFilesProblem, fileToBase64, withFiles, type DraftFile } from '../draft-files'
import { formatBytes } from '../format'
import { FileViewer } from './FileViewer'
import { PaneTitle } from './PaneTitle'
import './input-files.css'

interface Props {
  files: DraftFile[]
  onChange: (files: DraftFile[]) => void
}

/**
 * The draft's own files, mounted read-only at /input/<name> beside data.json: pick them with the
 * button or drop them here; each can be removed. A drop here is not a bundle import (the window's
 * drop overlay never sees it).
 */
export function InputFiles({ files, onChange }: Props): JSX.Element {
  const picker = useRef<HTMLInputElement>(null)
  const [reading, setReading] = useState<string | null>(null)
  const problem = reading ?? draftFilesProblem(files)

  async function add(list: FileList | null): Promise<void> {
    const picked = [...(list ?? [])]
    if (picked.length === 0) return
    const tooBig = picked.find((f) => f.size > INPUT_FILE_CAPS.perFileBytes)
    if (tooBig) {
      setReading(
        `${tooBig.name} is ${formatBytes(tooBig.size)}, over the cap of ${formatBytes(INPUT_FILE_CAPS.perFileBytes)} per file`,
      )
      return
    }
    setReading(null)
    const added = await Promise.all(
      picked.map(async (f) => ({ name: f.name, size: f.size, data: await fileToBase64(f) })),
    )
    onChange(withFiles(files, added))
  }

  // Stopped here: the window's bundle drop (BundleDrop) must not see files dropped on this pane.
  const hold = (e: DragEvent): void => {
    if (!e.dataTransfer.types.includes('Files')) return
    e.preventDefault()
    e.stopPropagation()
  }
  return (
    <div
      className="pane input-files"
      data-testid="input-files"
      onDragEnter={hold}
      onDragOver={(e) => {
        hold(e)
        e.dataTransfer.dropEffect = 'copy'
      }}
      onDragLeave={hold}
      onDrop={(e) => {
        hold(e)
        void add(e.dataTransfer.files)
      }}
    >
      <PaneTitle
        title="Input files"
        note={
          <span className="muted" title="Each file is /input/<name>, read-only">
            read-only in /input
          </span>
        }
        error={problem}
        errorLabel="Input files error"
      />
      {/* Focusable: in a small window the list scrolls, and keyboard users must reach it. */}
      <ul aria-label="Input files" className="input-file-list" tabIndex={0}>
        {files.map((f) => (
          <li key={f.name}>
            <span
              className="name"
              title={'fromRun' in f ? `${f.name} (from run ${f.fromRun})` : f.name}
            >
              {f.name}
            </span>
            <span className="muted">
              {formatBytes(f.size)}
              {'fromRun' in f ? (
                <span className="from-run"> · from run {f.fromRun.slice(0, 8)}</span>
              ) : (
                ''
              )}
            </span>
            <button
              type="button"
              className="link"
              aria-label={`Remove ${f.name}`}
              onClick={() => onChange(files.filter((x) => x !== f))}
            >
              Remove
            </button>
          </li>
        ))}
        {files.length === 0 && <li className="muted">Drop files here or add them.</li>}
      </ul>
      <div className="input-file-actions">
        <button type="button" onClick={() => picker.current?.click()}>
          Add files…
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          aria-label="Choose input files"
          data-testid="input-file-picker"
          onChange={(e) => {
            void add(e.target.files)
            e.target.value = ''
          }}
        />
      </div>
    </div>
  )
}

/**
 * A run's input files, name and size; each opens in the file viewer (image, table, JSON, text…),
 * loaded from the run's record by the artifact rules.
 */
export function RunInputFiles({
  runId,
  files,
}: {
  runId: string
  files: RunDetail['inputFiles']
}): JSX.Element | null {
  const [viewing, setViewing] = useState<ArtifactInfo | null>(null)
  if (files.length === 0) return null
  return (
    <section className="run-input-files" aria-label="Input files of this run">
      <h3>Input files ({files.length})</h3>
      <ul>
        {files.map((f) => (
          <li key={f.name}>
            <button
              type="button"
              className="link"
              title={`Open /input/${f.name}`}
              onClick={() =>
                setViewing({
                  name: f.name,
                  sizeBytes: f.size,
                  sha256: f.sha256,
                  contentType: f.contentType,
                })
              }
            >
              <span className="name">/input/{f.name}</span>
            </button>{' '}
            <span className="muted">{formatBytes(f.size)}</span>
          </li>
        ))}
      </ul>
      {viewing && (
        <FileViewer
          runId={runId}
          artifact={viewing}
          artifacts={[]}
          origin="input"
          onClose={() => setViewing(null)}
        />
      )}
    </section>
  )
}

/** Input files added, removed and changed from one run to another (by sha256). */
export function InputFilesChanges({ diff }: { diff: InputFilesDiff }): JSX.Element {
  const rows = [
    ...diff.added.map((f) => ({ name: f.name, what: `added (${formatBytes(f.size)})` })),
    ...diff.removed.map((f) => ({ name: f.name, what: `removed (${formatBytes(f.size)})` })),
    ...diff.changed.map((f) => ({
      name: f.name,
      what: `changed (${formatBytes(f.before.size)} → ${formatBytes(f.after.size)})`,
    })),
  ]
  return (
    <ul aria-label="Input file changes" className="input-file-list">
      {rows.map((r) => (
        <li key={r.name}>
          <span className="name">/input/{r.name}</span> <span>{r.what}</span>
        </li>
      ))}
      {rows.length === 0 && <li className="muted">The same input files.</li>}
    </ul>
  )
}
