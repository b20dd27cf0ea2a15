import type { InputFileInfo } from './input-files'
import type {
  ArtifactInfo,
  ResourceUsage,
  RunError,
  RunLimits,
  RunStatus,
  RunTiming,
  RunWarning,
  StdinEvent,
} from './run'

export type Relationship = 'rerun' | 'fork'
export type RunSource = 'api' | 'app'

/**
 * One run as persisted in `run.json` (see docs/run-contract.md, 'Records'). stdout/stderr live
 * beside it in text files, the parsed result.json in `output.json` (older run.json files hold it as
 * `outputJson`).
 */
export interface RunRecord {
  id: string
  status: RunStatus
  source: RunSource
  environment: string
  image: string
  limits: RunLimits
  createdAt: string
  startedAt: string | null
  endedAt: string | null
  durationMs: number | null
  exitCode: number | null
  error: RunError | null
  codeHash: string
  inputHash: string
  codePreview: string
  stdoutBytes: number
  stderrBytes: number
  stdoutTruncated: boolean
  stderrTruncated: boolean
  artifacts: ArtifactInfo[]
  warnings: RunWarning[]
  timing: RunTiming | null
  parentId: string | null
  relationship: Relationship | null
  idempotencyKey: string | null
  /** Fingerprint of the submitted payload, for idempotent resubmits. */
  fingerprint: string | null
  /** Timeout the request asked for explicitly (seconds), null when the default applied. */
  requestedTimeoutS: number | null
  /**
   * The process that last wrote the record, `host:pid:start-time` (see `currentOwner()`): start-up
   * recovery touches a queued/running run only when this process is gone. Absent in older records.
   */
  owner?: string
  /** Measured use of the run's container; absent in older records and before the run ends. */
  resourceUsage?: ResourceUsage | null
  /** The run answers input() live from the app or `POST /jobs/{id}/stdin`. Absent: false. */
  interactive?: boolean
  /** Batch standard input given with the request is kept in `stdin.txt`; this says it exists. */
  hasStdin?: boolean
  /** Everything sent to standard input, in order (interactive runs). */
  stdinEvents?: StdinEvent[]
  /** Docker runtime the run was given (`runc`, `runsc` for gVisor). Absent in older records: runc. */
  runtime?: string
  /** The run's own files at /input/<name> (folder `input-files/`); absent: none. */
  inputFiles?: InputFileInfo[]
  /** Set on a run imported from a bundle: where and when it first ran. */
  imported?: { originalId: string; originalCreatedAt: string; importedAt: string } | null
}
