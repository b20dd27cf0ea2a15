import type { ArtifactInfo, RunError, RunLimits, RunStatus, RunTiming, RunWarning } from './run'

export type Relationship = 'rerun' | 'fork'
export type RunSource = 'api' | 'app'

/** One run as persisted in `run.json` (see docs/run-contract.md, 'Records'). stdout/stderr live beside it in text files. */
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
  /** result.json as JSON text (exact number forms kept), or null. */
  outputJson: string | null
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
}
