// The run contract's vocabulary, shared by the engine, the store, the API and the renderer.
// Units are in the names: *Ms milliseconds, *Bytes bytes. Seconds appear only at the HTTP edge.

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timeout',
  'oom',
  'cancelled',
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const TERMINAL_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'failed',
  'timeout',
  'oom',
  'cancelled',
]

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status)
}

/** Tako VM's error types (see docs/run-contract.md, 'Errors') plus the ones our engine adds. */
export const ERROR_TYPES = [
  'syntax_error',
  'import_error',
  'name_error',
  'type_error',
  'value_error',
  'key_error',
  'index_error',
  'attribute_error',
  'division_error',
  'file_not_found',
  'file_error',
  'os_error',
  'permission',
  'recursion_error',
  'assertion_error',
  'overflow_error',
  'encoding_error',
  'json_error',
  'network_error',
  'network_timeout',
  'oom',
  'runtime_error',
  'timeout',
  'killed',
  'cancelled',
  'output_limit',
  'service_unavailable',
  'image_missing',
  'interrupted',
  'config_error',
  'internal_error',
] as const
export type ErrorType = (typeof ERROR_TYPES)[number]

export type RunPhase = 'startup' | 'execution' | 'completed' | 'failed'

export interface RunError {
  type: ErrorType
  message: string
  phase: RunPhase | null
  /** 1-based line in main.py the error happened on, when known (HTTP `error_line`). */
  line?: number | null
  /** One or two plain sentences a beginner understands (HTTP `error_hint`), when we have one. */
  hint?: string | null
}

export interface ArtifactInfo {
  /** Path relative to /output, with forward slashes (e.g. "plots/a.png"). */
  name: string
  sizeBytes: number
  sha256: string
  contentType: string
}

export interface RunLimits {
  timeoutMs: number
  memoryBytes: number
  cpus: number
  pids: number
  nofile: number
  fileSizeBytes: number
  tmpBytes: number
  stdoutBytes: number
  stderrBytes: number
  /** Bytes a run may emit on stdout+stderr before it is killed with `output_limit`. */
  outputCeilingBytes: number
  artifactCount: number
  artifactBytes: number
  artifactTotalBytes: number
  artifactDepth: number
  resultBytes: number
}

export interface RunTiming {
  /** create + start of the container. */
  startupMs: number
  /** From start until the process exited (or was killed). */
  executionMs: number
  /** Collection of result.json and artifacts. */
  collectMs: number
  totalMs: number
  phaseAtExit: RunPhase
}

export interface RunWarning {
  code: string
  message: string
  path?: string
}

export interface RunOutcome {
  status: Exclude<RunStatus, 'queued' | 'running'>
  exitCode: number | null
  error: RunError | null
  output: unknown
  /** result.json's JSON text as parsed (exact number forms kept), null when there is no output. */
  outputJson: string | null
  stdout: string
  stderr: string
  stdoutBytes: number
  stderrBytes: number
  stdoutTruncated: boolean
  stderrTruncated: boolean
  artifacts: ArtifactInfo[]
  warnings: RunWarning[]
  timing: RunTiming
  /** What the run used (see docs/run-contract.md, 'Resource use'). */
  resourceUsage: ResourceUsage | null
  startedAt: string | null
  endedAt: string
}

export type OutputStream = 'stdout' | 'stderr'

/**
 * What a run used, measured from its container's cgroup (see docs/run-contract.md, 'Resource use').
 * Null where it could not be measured (an older record, a runtime that does not expose it).
 */
export interface ResourceUsage {
  /** Peak memory of the run (HTTP `max_rss_mb`). */
  maxRssBytes: number | null
  /** CPU time, user + system (HTTP `cpu_time_ms`). */
  cpuTimeMs: number | null
  peakPids: number | null
  /** What /output held when the run ended. */
  outputBytes: number | null
  /**
   * Warm runs: memory the warm container already held when the run was handed to it (the
   * interpreter and pre-imported modules), not counted in `maxRssBytes` but counted by the limit.
   * Null on cold runs and where it could not be read.
   */
  warmBaselineBytes?: number | null
}

/** One thing sent to a run's standard input, in order (see docs/run-contract.md, 'Standard input'). */
export interface StdinEvent {
  /** ISO time it was sent. */
  at: string
  kind: 'data' | 'eof'
  /** The text sent (kind 'data'). */
  text?: string
}
