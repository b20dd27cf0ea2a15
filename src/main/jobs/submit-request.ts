// What a run is asked with, whichever transport asked (see docs/architecture.md, 'Job queue').
import type { Relationship, RunSource } from '../../shared/record'
import type { RunLimits, RunOutcome } from '../../shared/run'
import type { RuntimeChoice } from '../../shared/runtime'
import type { ReadOnlyMount } from '../engine/container-spec'
import type { InputFileSpec } from '../engine/input-files'

export interface SubmitRequest {
  code: string
  /** Any JSON value (the HTTP API allows only objects; see docs/api.md). */
  inputData: unknown
  /** The run's own files at /input/<name>, checked by the app (see docs/run-contract.md, 'Input files'). */
  inputFiles?: InputFileSpec[]
  environment: string
  image: string
  limits: RunLimits
  source: RunSource
  id?: string
  parentId?: string | null
  relationship?: Relationship | null
  idempotencyKey?: string | null
  fingerprint?: string | null
  requestedTimeoutS?: number | null
  /** A run that must fail before any container is created (e.g. an unsupported request field). */
  rejectWith?: RunOutcome['error']
  /** The sandbox runtime; the engine's default when absent. */
  runtime?: RuntimeChoice | null
  /** Batch standard input (≤ 1 MiB as UTF-8), then end of file. */
  stdin?: string | null
  /** Standard input answered live (`sendStdin`). */
  interactive?: boolean
  /** Host folders the run sees read-only (an exercise check's `/submission`, `/fixtures`). */
  mounts?: readonly ReadOnlyMount[]
}
