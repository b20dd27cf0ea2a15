// The artifacts part of a run comparison (see docs/comparing-runs.md, 'Artifacts'): by name, then
// by sha256; for a changed CSV the cells that differ, for a changed text file a line diff. Files are
// read through `openArtifact` (the one safe way to an artifact) and only their first bytes.
import fs from 'node:fs'
import Papa from 'papaparse'
import type {
  ArtifactKind,
  ArtifactRef,
  ArtifactsDiff,
  CellChange,
  ChangedArtifact,
  CsvDiff,
} from '../../shared/compare'
import type { ArtifactInfo } from '../../shared/run'
import type { RunStore } from '../store/run-store'
import { openArtifact } from './artifact-access'
import { textDiff } from './compare-text'

export const ARTIFACT_DIFF_LIMITS = {
  /** Bytes read of each side of a changed CSV or text file. */
  bytes: 1024 * 1024,
  /** Rows and columns of a CSV compared (and returned for display). */
  rows: 200,
  cols: 30,
  cellChars: 200,
  /** Changed cells listed. */
  cells: 1_000,
  /** Changed files whose content is diffed; the rest are listed by hash only. */
  contentDiffs: 100,
}

export function artifactKind(contentType: string): ArtifactKind {
  if (contentType.startsWith('image/')) return 'image'
  if (contentType === 'text/csv' || contentType === 'text/tab-separated-values') return 'csv'
  if (
    contentType.startsWith('text/') ||
    /^application\/(json|geo\+json|xml|yaml|x-yaml|x-ndjson)$/.test(contentType)
  )
    return 'text'
  return 'binary'
}

function ref(a: ArtifactInfo): ArtifactRef {
  return { name: a.name, sizeBytes: a.sizeBytes, sha256: a.sha256, contentType: a.contentType }
}

/** The first `max` bytes of an artifact as UTF-8 (the file may have gone: then null). */
function readHead(store: RunStore, runId: string, name: string, max: number): string | null {
  let fd: number
  try {
    fd = openArtifact(store, runId, name).fd
  } catch {
    return null
  }
  try {
    const buf = Buffer.alloc(max)
    let n = 0
    while (n < max) {
      const got = fs.readSync(fd, buf, n, max - n, null)
      if (got === 0) break
      n += got
    }
    return buf.subarray(0, n).toString('utf8')
  } finally {
    fs.closeSync(fd)
  }
}

function parseCsv(text: string, delimiter: string): string[][] {
  // Files mix line endings; papaparse takes one, so make it one.
  const parsed = Papa.parse<string[]>(text.replace(/\r\n?/g, '\n'), {
    delimiter,
    skipEmptyLines: true,
  })
  return parsed.data
}

/** Changed cells of two CSV texts, row by row and column by column from the top left. */
export function csvDiff(
  before: string,
  after: string,
  delimiter = ',',
  cut: string[] = [],
): CsvDiff {
  const L = ARTIFACT_DIFF_LIMITS
  const a = parseCsv(before, delimiter)
  const b = parseCsv(after, delimiter)
  const width = (rows: string[][]): number => rows.reduce((w, r) => Math.max(w, r.length), 0)
  const rows = { before: a.length, after: b.length }
  const cols = { before: width(a), after: width(b) }
  const nRows = Math.min(Math.max(rows.before, rows.after), L.rows)
  const nCols = Math.min(Math.max(cols.before, cols.after), L.cols)
  const clip = (s: string | undefined): string | null =>
    s === undefined ? null : s.length > L.cellChars ? `${s.slice(0, L.cellChars)}…` : s
  const cells: CellChange[] = []
  let more = 0
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const x = a[r]?.[c]
      const y = b[r]?.[c]
      if (x === y) continue
      if (cells.length < L.cells) cells.push({ row: r, col: c, before: clip(x), after: clip(y) })
      else more++
    }
  }
  const notes = [...cut]
  if (Math.max(rows.before, rows.after) > L.rows || Math.max(cols.before, cols.after) > L.cols)
    notes.push(`only the first ${L.rows} rows and ${L.cols} columns were compared`)
  if (more > 0) notes.push(`${more.toLocaleString('en-US')} more changed cells are not listed`)
  const grid = (rs: string[][]): string[][] =>
    rs.slice(0, L.rows).map((r) => r.slice(0, L.cols).map((v) => clip(v) ?? ''))
  return {
    rows,
    cols,
    cells,
    before: grid(a),
    after: grid(b),
    cut: notes.length > 0 ? `${notes.join('; ')}.` : null,
  }
}

function contentOf(
  store: RunStore,
  ids: { before: string; after: string },
  change: ChangedArtifact,
): ChangedArtifact {
  if (change.kind !== 'csv' && change.kind !== 'text') return change
  const max = ARTIFACT_DIFF_LIMITS.bytes
  const x = readHead(store, ids.before, change.name, max)
  const y = readHead(store, ids.after, change.name, max)
  if (x === null || y === null) return change
  const cut =
    change.before.sizeBytes > max || change.after.sizeBytes > max
      ? [`only the first ${max / 1024 / 1024} MiB of each file was read`]
      : []
  if (change.kind === 'text') {
    const diff = textDiff(x, y)
    if (cut.length > 0) diff.cut = `${cut[0]}${diff.cut ? `; ${diff.cut}` : '.'}`
    return { ...change, text: diff }
  }
  const tab = change.after.contentType === 'text/tab-separated-values'
  return { ...change, csv: csvDiff(x, y, tab ? '\t' : ',', cut) }
}

/** Artifacts added, removed, changed (by sha256) and the same, from run `before` to run `after`. */
export function artifactsDiff(
  store: RunStore,
  before: { id: string; artifacts: ArtifactInfo[] },
  after: { id: string; artifacts: ArtifactInfo[] },
): ArtifactsDiff {
  const byName = new Map(before.artifacts.map((a) => [a.name, a]))
  const afterNames = new Set(after.artifacts.map((a) => a.name))
  const added: ArtifactRef[] = []
  const changed: ChangedArtifact[] = []
  const same: ArtifactRef[] = []
  const ids = { before: before.id, after: after.id }
  for (const b of after.artifacts) {
    const a = byName.get(b.name)
    if (!a) added.push(ref(b))
    else if (a.sha256 === b.sha256) same.push(ref(b))
    else {
      const ka = artifactKind(a.contentType)
      const kb = artifactKind(b.contentType)
      const change: ChangedArtifact = {
        name: b.name,
        kind: ka === kb ? kb : 'binary',
        before: ref(a),
        after: ref(b),
        csv: null,
        text: null,
      }
      changed.push(
        changed.length < ARTIFACT_DIFF_LIMITS.contentDiffs ? contentOf(store, ids, change) : change,
      )
    }
  }
  const removed = before.artifacts.filter((a) => !afterNames.has(a.name)).map(ref)
  return {
    identical: added.length === 0 && removed.length === 0 && changed.length === 0,
    added,
    removed,
    changed,
    same,
    cut:
      changed.length > ARTIFACT_DIFF_LIMITS.contentDiffs
        ? `The content of only the first ${ARTIFACT_DIFF_LIMITS.contentDiffs} changed files was compared.`
        : null,
  }
}
