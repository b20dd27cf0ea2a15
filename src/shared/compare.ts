import type { InputFileInfo } from './input-files'
// What differs between two runs (`runs:compare`, `GET /executions/{id}/compare?with=…`; see
// docs/comparing-runs.md). "before" is always the run `id`, "after" the run `with`.

/** One line of a line diff, with its 1-based line number on each side (null where it is absent). */
export interface DiffLine {
  kind: 'same' | 'added' | 'removed'
  text: string
  beforeLine: number | null
  afterLine: number | null
}

export interface DiffHunk {
  beforeStart: number
  beforeLines: number
  afterStart: number
  afterLines: number
  lines: DiffLine[]
}

/** A line diff of two texts. Bounded: when the texts or the differences are too big, `cut` says how. */
export interface TextDiff {
  identical: boolean
  linesAdded: number
  linesRemoved: number
  hunks: DiffHunk[]
  /** Why only part of the texts was diffed, or null when all of it was. */
  cut: string | null
}

/**
 * A value added, removed or changed at a JSON path (`$.a.b[0]`). `before`/`after` are the JSON text
 * of the value exactly as stored (number forms kept), null where the value is absent; a text longer
 * than the cap is clipped and `clipped` is true (then it is no longer valid JSON).
 */
export interface JsonChange {
  path: string
  kind: 'added' | 'removed' | 'changed'
  before: string | null
  after: string | null
  clipped: boolean
}

export interface JsonDiff {
  identical: boolean
  changes: JsonChange[]
  cut: string | null
}

export interface ArtifactRef {
  name: string
  sizeBytes: number
  sha256: string
  contentType: string
}

export type ArtifactKind = 'image' | 'csv' | 'text' | 'binary'

export interface CellChange {
  /** 0-based row and column in the parsed CSV (row 0 is usually the header). */
  row: number
  col: number
  before: string | null
  after: string | null
}

export interface CsvDiff {
  rows: { before: number; after: number }
  cols: { before: number; after: number }
  cells: CellChange[]
  /** The first rows and columns of each side, for showing the tables with changed cells marked. */
  before: string[][]
  after: string[][]
  cut: string | null
}

export interface ChangedArtifact {
  name: string
  kind: ArtifactKind
  before: ArtifactRef
  after: ArtifactRef
  /** For `csv`: the cells that differ. */
  csv: CsvDiff | null
  /** For `text`: a line diff. */
  text: TextDiff | null
}

export interface ArtifactsDiff {
  identical: boolean
  added: ArtifactRef[]
  removed: ArtifactRef[]
  changed: ChangedArtifact[]
  same: ArtifactRef[]
  /** Set when only some changed files had their content diffed. */
  cut: string | null
}

/** The runs' input files by name, compared by sha256 (their content is not diffed). */
export interface InputFilesDiff {
  identical: boolean
  added: InputFileInfo[]
  removed: InputFileInfo[]
  changed: { name: string; before: InputFileInfo; after: InputFileInfo }[]
}

export interface Pair<T> {
  before: T
  after: T
  changed: boolean
}

export interface RunComparison {
  /** The run "before". */
  id: string
  /** The run "after". */
  with: string
  /** Code, input, stdout, stderr, result, artifacts and outcome all the same. */
  identical: boolean
  code: TextDiff
  input: JsonDiff
  stdout: TextDiff
  stderr: TextDiff
  /** result.json, structurally. */
  output: JsonDiff
  artifacts: ArtifactsDiff
  /** Files in /input beside data.json (absent from older servers' answers). */
  inputFiles?: InputFilesDiff
  status: Pair<string>
  exitCode: Pair<number | null>
  errorType: Pair<string | null>
  errorMessage: Pair<string | null>
  environment: Pair<string>
  durationMs: Pair<number | null>
  limits: {
    timeoutS: Pair<number>
    memoryMb: Pair<number>
    cpus: Pair<number>
  }
  /** Measured use of each run (null where a run has no measurement). */
  resourceUsage: {
    maxRssBytes: Pair<number | null>
    cpuTimeMs: Pair<number | null>
    peakPids: Pair<number | null>
    outputBytes: Pair<number | null>
  }
}
