import { z } from 'zod'
import type {
  ArtifactInfo,
  ResourceUsage,
  RunError,
  RunStatus,
  RunTiming,
  RunWarning,
  OutputStream,
  StdinEvent,
} from './run'
import type { RunComparison } from './compare'
import type {
  ExerciseDetail,
  ExerciseSummary,
  SubmissionDetail,
  SubmissionStatus,
  SubmissionSummary,
  TestResult,
} from './exercise'
import { MAX_CODE_CHARS } from './limit-bounds'
import { exerciseId, inputFileArgs, limitsInput, packDraftInput, runId } from './arg-schemas'
import { HISTORY_SORTS } from './history-order'
import { RUN_STATUSES } from './run'
import { RUNTIME_CHOICES } from './runtime'
import type { InputFileInfo } from './input-files'
import {
  dockerConnectionSchema,
  type DockerConnectionInfo,
  type DockerTestResult,
} from './docker-connection'

/**
 * The one contract between the renderer and the main process. The Electron preload implements it
 * over IPC, the renderer's HTTP transport over fetch + SSE (`POST /api/rpc/<method>`, `GET /api/events`);
 * the main process registers one handler per method typed against it, so a missing or mistyped handler
 * does not compile. Every argument is checked by its schema on the main side before a handler sees it.
 */

/** The largest run bundle the app accepts (see docs/bundles.md, 'Limits'). */
export const MAX_BUNDLE_UPLOAD_BYTES = 640 * 1024 * 1024

/** The largest exercise pack the app accepts (see docs/exercise-pack.md, 'Limits'). */
export const MAX_PACK_UPLOAD_BYTES = 64 * 1024 * 1024

// In their own module without zod: the app's history list imports it (see history-order.ts).
export { HISTORY_SORTS, type HistorySort } from './history-order'

export const schemas = {
  'runs:start': z.strictObject({
    code: z.string().min(1).max(MAX_CODE_CHARS),
    /** Any JSON value, written to /input/data.json (size and depth checked by the app). */
    input: z.unknown().refine((v) => v !== undefined, 'Input is required'),
    /** The run's own files at /input/<name> (see docs/run-contract.md, 'Input files'). */
    inputFiles: inputFileArgs.optional(),
    environment: z.string().min(1).max(64),
    limits: limitsInput.optional(),
    /** The sandbox runtime; the server's default (`TAKO_RUNTIME`) when absent. */
    runtime: z.enum(RUNTIME_CHOICES).optional(),
    /** Batch standard input (≤ 1 MiB as UTF-8), then end of file. */
    stdin: z.string().optional(),
    /** The script's input() is answered live (`runs:stdin`). */
    interactive: z.boolean().optional(),
  }),
  /** A line (`data`) or end of file (`eof: true`) for a running interactive run: exactly one. */
  'runs:stdin': z.union([
    z.strictObject({ id: runId, data: z.string() }),
    z.strictObject({ id: runId, eof: z.literal(true) }),
  ]),
  'runs:cancel': z.strictObject({ id: runId }),
  'runs:get': z.strictObject({ id: runId }),
  'runs:rerun': z.strictObject({ id: runId, limits: limitsInput.optional() }),
  /** New code on run `id`'s input (its stdin, environment and limits unless given): lineage 'fork'. */
  'runs:fork': z.strictObject({
    id: runId,
    code: z.string().min(1).max(MAX_CODE_CHARS),
    environment: z.string().min(1).max(64).optional(),
    limits: limitsInput.optional(),
  }),
  'runs:delete': z.strictObject({ id: runId }),
  'runs:reveal': z.strictObject({ id: runId }),
  'runs:compare': z.strictObject({ id: runId, with: runId }),
  'runs:exportBundle': z.strictObject({ id: runId }),
  /** The zip's bytes (IPC: an ArrayBuffer or Uint8Array; JSON transports: base64). */
  'runs:importBundle': z.strictObject({
    data: z.union([
      z.string().max(Math.ceil(MAX_BUNDLE_UPLOAD_BYTES / 3) * 4),
      z.instanceof(Uint8Array),
      z.instanceof(ArrayBuffer),
    ]),
  }),
  'history:list': z.strictObject({
    q: z.string().max(200).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    environment: z.string().max(64).optional(),
    sort: z.enum(HISTORY_SORTS).optional(),
    /** Only these runs (e.g. to ask which of a few new runs a search matches). */
    ids: z.array(runId).max(200).optional(),
    limit: z.number().int().min(1).max(1000),
    offset: z.number().int().min(0),
  }),
  'environments:list': z.strictObject({}),
  'environments:build': z.strictObject({ name: z.string().min(1).max(64) }),
  'environments:cancelBuild': z.strictObject({ name: z.string().min(1).max(64) }),
  'docker:status': z.strictObject({}),
  /** A zipped pack (IPC: an ArrayBuffer or Uint8Array; JSON transports: base64). */
  'exercises:import': z.strictObject({
    data: z.union([
      z.string().max(Math.ceil(MAX_PACK_UPLOAD_BYTES / 3) * 4),
      z.instanceof(Uint8Array),
      z.instanceof(ArrayBuffer),
    ]),
  }),
  'exercises:list': z.strictObject({}),
  'exercises:get': z.strictObject({ id: exerciseId }),
  'exercises:delete': z.strictObject({ id: exerciseId }),
  'exercises:submit': z.strictObject({
    id: exerciseId,
    code: z.string().min(1).max(MAX_CODE_CHARS),
  }),
  'exercises:submission': z.strictObject({ id: exerciseId }),
  'exercises:submissions': z.strictObject({ exerciseId }),
  'exercises:cancel': z.strictObject({ id: exerciseId }),
  /** A pack folder the app ships (`examples/exercises/<name>/`). */
  'exercises:importExample': z.strictObject({ name: exerciseId }),
  /** Teacher mode: the pack made from a draft, saved where the person picks (Electron). */
  'exercises:exportPack': z.strictObject({ draft: packDraftInput }),
  /** Teacher mode over HTTP: the pack's zip as base64, which the renderer downloads. */
  'exercises:buildPack': z.strictObject({ draft: packDraftInput }),
  'docker:connection': z.strictObject({}),
  'docker:setConnection': z.strictObject({ connection: dockerConnectionSchema }),
  'docker:test': z.strictObject({ connection: dockerConnectionSchema.optional() }),
} as const

export type Method = keyof typeof schemas
export type Args<M extends Method> = z.infer<(typeof schemas)[M]>

export interface RunSummary {
  id: string
  status: RunStatus
  environment: string
  createdAt: string
  durationMs: number | null
  /** The run's peak memory (`resourceUsage.maxRssBytes`), null when not measured. */
  peakMemoryBytes: number | null
  codePreview: string
  errorType: string | null
  parentId: string | null
  relationship: 'rerun' | 'fork' | null
  source: 'api' | 'app'
  /** Set on a run imported from a bundle: its original id and time. */
  imported?: { originalId: string; originalCreatedAt: string; importedAt: string } | null
  /** How many input files the run has (absent or 0: none). */
  inputFileCount?: number
  /** How many files the run left in /output (its artifacts; absent or 0: none). */
  artifactCount?: number
}

export interface RunDetail extends RunSummary {
  code: string
  input: unknown
  /** The run's own files at /input/<name>, in the order given, with their content type. */
  inputFiles: (InputFileInfo & { contentType: string })[]
  stdout: string
  stderr: string
  stdoutTruncated: boolean
  stderrTruncated: boolean
  exitCode: number | null
  error: RunError | null
  /** result.json as JSON text (exact number forms), or null. */
  outputJson: string | null
  artifacts: ArtifactInfo[]
  warnings: RunWarning[]
  timing: RunTiming | null
  /** What the run used (see docs/run-contract.md, 'Resource use'); null before the end, in older records. */
  resourceUsage: ResourceUsage | null
  limits: { timeoutS: number; memoryMb: number; cpus: number }
  startedAt: string | null
  endedAt: string | null
  /** Docker runtime the run was given: `runc`, or `runsc` (gVisor). */
  runtime: string
  /** Batch standard input the run was given, or null. */
  stdin: string | null
  interactive: boolean
  /** While the run is blocked reading stdin: what it printed on the line so far. */
  waitingForInput: { prompt: string } | null
  /** Everything sent to its stdin live, in order. */
  stdinEvents: StdinEvent[]
  /**
   * For a run still queued or running: `stdout`/`stderr` hold what it printed so far, up to the run
   * event numbered `outputSeq` (events with a higher `seq` come after). Null once the run has ended.
   */
  outputSeq?: number | null
  /**
   * For a queued run: its 1-based place in the order waiting runs start (runs started in the app go
   * before API jobs; see docs/architecture.md, 'Job queue'). Null when it is not waiting.
   */
  queuePosition?: number | null
}

export interface EnvironmentInfo {
  name: string
  description: string
  packages: string[]
  status: 'missing' | 'outdated' | 'building' | 'ready' | 'unknown'
  defaults: { timeoutS: number; memoryMb: number; cpus: number }
  imageSizeBytes: number | null
}

export interface DockerStatus {
  available: boolean
  version: string | null
  error: string | null
  /** Docker has gVisor's runtime registered (runs may ask for `gvisor`). */
  gvisorAvailable?: boolean
  /** Runtime of runs that do not ask for one (`TAKO_RUNTIME`). */
  defaultRuntime?: 'runc' | 'gvisor'
  /** Where the daemon is: `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2376`, … */
  host?: string
  /** How run files reach containers: bind mounts (a local daemon) or the archive API (remote). */
  transfer?: 'bind' | 'archive'
  /** Which engine answers (from its version info); absent while it does not answer. */
  engine?: 'docker' | 'podman'
}

export interface BuildProgressEvent {
  environment: string
  state: 'building' | 'ready' | 'failed' | 'cancelled'
  step: number
  totalSteps: number
  line: string
  error: string | null
}

/** Method → result. */
export interface TakoApi {
  'runs:start': RunSummary
  'runs:stdin': { accepted: true }
  'runs:cancel': { cancelled: boolean }
  'runs:get': RunDetail
  'runs:rerun': RunSummary
  'runs:fork': RunSummary
  'runs:delete': { deleted: boolean }
  /** Shows the run's folder in the file manager where the app can (Electron); always its path. */
  'runs:reveal': { path: string; opened: boolean }
  /** What differs from run `id` to run `with` (see src/shared/compare.ts). */
  'runs:compare': RunComparison
  /** Electron: a save dialog, then the bundle written there. Over HTTP, download `bundleUrl(id)`. */
  'runs:exportBundle': { path: string } | { cancelled: true }
  /** The new run made from a verified bundle (InvalidArgument with the reason when it is refused). */
  'runs:importBundle': RunSummary
  'history:list': { items: RunSummary[]; total: number; hasMore: boolean }
  'environments:list': EnvironmentInfo[]
  'environments:build': { started: boolean }
  'environments:cancelBuild': { cancelled: boolean }
  'docker:status': DockerStatus
  /** The imported exercise (InvalidArgument with the exact reason when the pack is refused). */
  'exercises:import': ExerciseSummary
  'exercises:list': ExerciseSummary[]
  'exercises:get': ExerciseDetail
  'exercises:delete': { deleted: boolean }
  /** The queued submission; grading goes on in the background (`exercise.progress` events). */
  'exercises:submit': SubmissionSummary
  'exercises:submission': SubmissionDetail
  /** Newest first. */
  'exercises:submissions': SubmissionSummary[]
  'exercises:cancel': { cancelled: boolean }
  'exercises:importExample': ExerciseSummary
  /** Electron: a save dialog, then the pack written there. Over HTTP, use `exercises:buildPack`. */
  'exercises:exportPack': { path: string } | { cancelled: true }
  'exercises:buildPack': { data: string }
  /** The Docker connection in use and the saved setting (see docs/remote-hosts.md). */
  'docker:connection': DockerConnectionInfo
  /** Saves the setting (app only; over HTTP the server's environment decides); applies on restart. */
  'docker:setConnection': DockerConnectionInfo
  /** One `GET /version` through `connection` (default: the one in use), failures explained. */
  'docker:test': DockerTestResult
}

/** Everything pushed from the main process. Run events carry the run id. */
export type AppEvent =
  /**
   * `seq` numbers the run events of one process in the order they happened: a running run's
   * `runs:get` reply holds its output up to `RunDetail.outputSeq`, so the events after it follow on.
   */
  | { type: 'run.output'; runId: string; stream: OutputStream; text: string; seq?: number }
  | { type: 'run.status'; runId: string; status: RunStatus; seq?: number }
  /**
   * Live standard input of an interactive run: `waiting` when the script blocks reading stdin (with
   * what it printed on the line so far), `sent` echoes a line the user sent, `eof` the end of input.
   */
  | { type: 'run.stdin'; runId: string; event: 'waiting'; prompt: string }
  | { type: 'run.stdin'; runId: string; event: 'sent'; text: string }
  | { type: 'run.stdin'; runId: string; event: 'eof' }
  /**
   * A run was added, changed or deleted. `summary` is its row as `history:list` gives it (null when
   * the run is gone), so a list can update in place without asking again.
   */
  | { type: 'history.changed'; runId: string; summary?: RunSummary | null }
  | { type: 'env.build'; progress: BuildProgressEvent }
  | { type: 'docker.status'; status: DockerStatus }
  /** A test of a submission finished (hidden tests' output is the neutral message). */
  | {
      type: 'exercise.progress'
      submissionId: string
      exerciseId: string
      test: TestResult
      index: number
      done: number
      total: number
    }
  | {
      type: 'exercise.done'
      submissionId: string
      exerciseId: string
      status: SubmissionStatus
      score: number | null
      maxScore: number
    }

/** One error envelope across IPC and HTTP. */
export type Envelope<T> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string } }

/** The renderer's view of the contract, whichever transport carries it. */
export interface TakoClient {
  call<M extends Method>(method: M, args: Args<M>): Promise<TakoApi[M]>
  subscribe(listener: (event: AppEvent) => void): () => void
  /** URL the renderer can load an artifact from (image src, iframe src, fetch). */
  artifactUrl(runId: string, path: string, inline?: boolean): string
  /** URL of one of a run's input files (`/input/<name>`), served by the same rules as artifacts. */
  inputFileUrl(runId: string, name: string, inline?: boolean): string
  /** HTTP transport only: where the renderer downloads a run's bundle (`GET /executions/{id}/bundle`). */
  bundleUrl?(runId: string): string
  /** HTTP transport only: POSTs a bundle file to `/executions/import`; the new run's id. */
  importBundle?(file: Blob): Promise<{ id: string; originalId: string }>
  /** HTTP transport only: POSTs an exercise pack to `/exercises` (any size up to the pack cap). */
  importExercise?(file: Blob): Promise<{ id: string }>
  /**
   * URL of an HTML artifact for a sandboxed preview frame, under which the report may also load its
   * own run's images (and nothing else; see docs/security.md, 'Previews').
   */
  previewUrl(runId: string, path: string): Promise<string>
}

export { TakoCallError } from './call-error'

export const METHODS = Object.keys(schemas) as Method[]
