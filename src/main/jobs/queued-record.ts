import type { RunRecord } from '../../shared/record'
import { sha256Hex } from './fingerprint'
import type { SubmitRequest } from './submit-request'
import { describeInputFiles } from '../engine/input-files'

/** The record of a request just accepted: `queued`, nothing run yet; `runtime` the Docker runtime it will use. */
export function queuedRecord(id: string, request: SubmitRequest, runtime: string): RunRecord {
  return {
    id,
    status: 'queued',
    source: request.source,
    environment: request.environment,
    image: request.image,
    limits: request.limits,
    createdAt: new Date().toISOString(),
    startedAt: null,
    endedAt: null,
    durationMs: null,
    exitCode: null,
    error: null,
    codeHash: sha256Hex(request.code),
    // The hash of input.json exactly as stored and mounted (what `_input.json` serves).
    inputHash: sha256Hex(JSON.stringify(request.inputData)),
    codePreview: request.code.slice(0, 200),
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutTruncated: false,
    stderrTruncated: false,
    artifacts: [],
    warnings: [],
    timing: null,
    parentId: request.parentId ?? null,
    relationship: request.relationship ?? null,
    idempotencyKey: request.idempotencyKey ?? null,
    fingerprint: request.fingerprint ?? null,
    requestedTimeoutS: request.requestedTimeoutS ?? null,
    interactive: request.interactive ?? false,
    hasStdin: !!request.stdin,
    stdinEvents: [],
    runtime,
    ...(request.inputFiles?.length
      ? {
          inputFiles: describeInputFiles(
            request.inputFiles.map((f) => ({ name: f.name, data: f.data ?? Buffer.alloc(0) })),
          ),
        }
      : {}),
  }
}
