import type { RunRecord } from '../../shared/record'
import type { ArtifactInfo } from '../../shared/run'
import { inRequestUnits } from '../../shared/limit-bounds'
import { MiB } from '../../shared/units'
import { RawJson } from './http-util'

/** Tako VM's wire shapes (snake_case, seconds where Tako uses seconds). */

export function artifactDto(a: ArtifactInfo): Record<string, unknown> {
  return { name: a.name, size_bytes: a.sizeBytes, sha256: a.sha256, content_type: a.contentType }
}

export function timingDto(r: RunRecord): Record<string, unknown> | null {
  if (!r.timing) return null
  return {
    startup_ms: r.timing.startupMs,
    dep_install_ms: 0,
    execution_ms: r.timing.executionMs,
    collect_ms: r.timing.collectMs,
    total_ms: r.timing.totalMs,
    phase_at_exit: r.timing.phaseAtExit,
  }
}

/** Bytes as MiB with one decimal, as Tako VM's `max_rss_mb`; null stays null. */
export function mb(bytes: number | null | undefined): number | null {
  return bytes === null || bytes === undefined ? null : Math.round((bytes / MiB) * 10) / 10
}

/** Tako VM's `resource_usage` plus `peak_pids`, `output_bytes` (see docs/run-contract.md, 'Resource use'). */
export function resourceUsageDto(r: RunRecord): Record<string, unknown> {
  const u = r.resourceUsage ?? null
  return {
    max_rss_mb: mb(u?.maxRssBytes),
    cpu_time_ms: u?.cpuTimeMs ?? null,
    wall_time_ms: r.timing ? r.timing.executionMs : null,
    peak_pids: u?.peakPids ?? null,
    output_bytes: u?.outputBytes ?? null,
    warm_baseline_mb: mb(u?.warmBaselineBytes),
  }
}

/**
 * A run's stored texts for a response. `output` is the parsed result.json (JSON text, null when there
 * is none); list views leave it undefined, and the field out: outputs are up to 16 MiB each and are
 * read from disk only for one run's detail.
 */
export interface RunTexts {
  stdout: string
  stderr: string
  output?: string | null
}

/** The record's error object with `line` and `hint` always present (null when unknown). */
export function errorDto(r: RunRecord): Record<string, unknown> | null {
  if (!r.error) return null
  return { ...r.error, line: r.error.line ?? null, hint: r.error.hint ?? null }
}

/** `error_line` (1-based in main.py) and `error_hint` beside Tako VM's `error`/`error_type`. */
function errorExtras(r: RunRecord): { error_line: number | null; error_hint: string | null } {
  return { error_line: r.error?.line ?? null, error_hint: r.error?.hint ?? null }
}

function outputField(output: string | null | undefined): Record<string, unknown> {
  if (output === undefined) return {}
  return { output: output === null ? null : new RawJson(output) }
}

/** `POST /execute` response: `error` is the message string, `error_type` beside it. */
export function executeResponse(
  r: RunRecord,
  { stdout, stderr, output }: RunTexts,
  executionTimeS: number,
): Record<string, unknown> {
  return {
    success: r.status === 'succeeded',
    status: r.status,
    ...outputField(output),
    stdout,
    stderr,
    exit_code: r.exitCode,
    error: r.error ? r.error.message : null,
    error_type: r.error ? r.error.type : null,
    ...errorExtras(r),
    execution_time: Math.round(executionTimeS * 1000) / 1000,
    execution_id: r.id,
    job_type: r.environment,
    artifacts: r.artifacts.map(artifactDto),
    stdout_truncated: r.stdoutTruncated,
    stderr_truncated: r.stderrTruncated,
    warnings: r.warnings,
    timing: timingDto(r),
    resource_usage: resourceUsageDto(r),
  }
}

function limitsDto(r: RunRecord): Record<string, number> {
  const { timeoutS, memoryMb, cpus } = inRequestUnits(r.limits)
  return { timeout_s: timeoutS, memory_mb: memoryMb, cpus }
}

/** Byte sizes of the stored `_code.py` and `_input.json` (null when not on disk). */
export interface InputSizes {
  code: number | null
  input: number | null
}

/** Slim `ExecutionRecordResponse`; `full` adds audit fields, artifacts and lineage (see docs/api.md, 'History'). */
export function recordResponse(
  r: RunRecord,
  { stdout, stderr, output }: RunTexts,
  full: boolean,
  inputSizes: InputSizes = { code: null, input: null },
): Record<string, unknown> {
  const slim: Record<string, unknown> = {
    execution_id: r.id,
    status: r.status,
    job_type: r.environment,
    job_version: `${r.environment}@latest`,
    created_at: r.createdAt,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    duration_ms: r.durationMs,
    exit_code: r.exitCode,
    stdout,
    stderr,
    ...outputField(output),
    error: errorDto(r),
    ...errorExtras(r),
    timing: timingDto(r),
    runtime: r.runtime ?? 'runc',
    warnings: r.warnings,
  }
  if (!full) return slim
  return {
    ...slim,
    job_ref: `${r.environment}@latest`,
    artifacts: r.artifacts.map(artifactDto),
    input_artifacts: [
      {
        name: '_code.py',
        size_bytes: inputSizes.code,
        sha256: r.codeHash,
        content_type: 'text/x-python',
      },
      {
        name: '_input.json',
        size_bytes: inputSizes.input,
        sha256: r.inputHash,
        content_type: 'application/json',
      },
    ],
    resource_usage: resourceUsageDto(r),
    input_files: (r.inputFiles ?? []).map((f) => ({
      name: f.name,
      size_bytes: f.size,
      sha256: f.sha256,
    })),
    code_hash: r.codeHash,
    input_hash: r.inputHash,
    parent_execution_id: r.parentId,
    relationship: r.relationship,
    stdout_truncated: r.stdoutTruncated,
    stderr_truncated: r.stderrTruncated,
    idempotency_key: r.idempotencyKey,
    limits: limitsDto(r),
    source: r.source,
    interactive: r.interactive ?? false,
    has_stdin: r.hasStdin ?? false,
    stdin_events: r.stdinEvents ?? [],
  }
}
