import { z } from 'zod'
import type {
  ArtifactInfo,
  RunError,
  RunStatus,
  RunTiming,
  RunWarning,
  OutputStream,
  StdinEvent,
} from './run'
import { MAX_CODE_CHARS, REQUEST_LIMIT_BOUNDS } from './limit-bounds'
import { RUN_STATUSES } from './run'

/**
 * The one contract between the renderer and the main process. The Electron preload implements it
 * over IPC, the renderer's HTTP transport over fetch + SSE (`POST /api/rpc/<method>`, `GET /api/events`);
 * the main process registers one handler per method typed against it, so a missing or mistyped handler
 * does not compile. Every argument is checked by its schema on the main side before a handler sees it.
 */

const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)

const { timeoutS, memoryMb, cpus } = REQUEST_LIMIT_BOUNDS

export const limitsInput = z.strictObject({
  timeoutS: z.number().int().min(timeoutS.min).max(timeoutS.max).optional(),
  memoryMb: z.number().int().min(memoryMb.min).max(memoryMb.max).optional(),
  cpus: z.number().min(cpus.min).max(cpus.max).optional(),
})

export const schemas = {
  'runs:start': z.strictObject({
    code: z.string().min(1).max(MAX_CODE_CHARS),
    input: z.record(z.string(), z.unknown()),
    environment: z.string().min(1).max(64),
    limits: limitsInput.optional(),
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
  'runs:delete': z.strictObject({ id: runId }),
  'runs:reveal': z.strictObject({ id: runId }),
  'history:list': z.strictObject({
    q: z.string().max(200).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    environment: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(1000),
    offset: z.number().int().min(0),
  }),
  'environments:list': z.strictObject({}),
  'environments:build': z.strictObject({ name: z.string().min(1).max(64) }),
  'environments:cancelBuild': z.strictObject({ name: z.string().min(1).max(64) }),
  'docker:status': z.strictObject({}),
} as const

export type Method = keyof typeof schemas
export type Args<M extends Method> = z.infer<(typeof schemas)[M]>

export interface RunSummary {
  id: string
  status: RunStatus
  environment: string
  createdAt: string
  durationMs: number | null
  codePreview: string
  errorType: string | null
  parentId: string | null
  relationship: 'rerun' | 'fork' | null
  source: 'api' | 'app'
}

export interface RunDetail extends RunSummary {
  code: string
  input: unknown
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
  limits: { timeoutS: number; memoryMb: number; cpus: number }
  startedAt: string | null
  endedAt: string | null
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
  'runs:delete': { deleted: boolean }
  /** Shows the run's folder in the file manager where the app can (Electron); always its path. */
  'runs:reveal': { path: string; opened: boolean }
  'history:list': { items: RunSummary[]; total: number; hasMore: boolean }
  'environments:list': EnvironmentInfo[]
  'environments:build': { started: boolean }
  'environments:cancelBuild': { cancelled: boolean }
  'docker:status': DockerStatus
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
  | { type: 'history.changed'; runId: string }
  | { type: 'env.build'; progress: BuildProgressEvent }
  | { type: 'docker.status'; status: DockerStatus }

/** One error envelope across IPC and HTTP. */
export type Envelope<T> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string } }

/** The renderer's view of the contract, whichever transport carries it. */
export interface TakoClient {
  call<M extends Method>(method: M, args: Args<M>): Promise<TakoApi[M]>
  subscribe(listener: (event: AppEvent) => void): () => void
  /** URL the renderer can load an artifact from (image src, iframe src, fetch). */
  artifactUrl(runId: string, path: string, inline?: boolean): string
}

export { TakoCallError } from './call-error'

export const METHODS = Object.keys(schemas) as Method[]
