import { z } from 'zod'
import { REQUEST_LIMIT_BOUNDS } from '../../shared/limit-bounds'
import { RUNTIME_CHOICES } from '../../shared/runtime'
import { IMAGE_NAME, inputProblem, MAX_CODE_CHARS, MAX_IMAGE_CHARS } from '../app/run-request'

/** One FastAPI-style validation error entry (Tako VM returns Pydantic's 422 shape). */
export interface ValidationDetail {
  type: string
  loc: (string | number)[]
  msg: string
  input?: unknown
}

export class RequestValidationError extends Error {
  constructor(readonly detail: ValidationDetail[]) {
    super(detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '))
    this.name = 'RequestValidationError'
  }
}

const JOB_TYPE = /^[a-zA-Z0-9_-]+(@[a-zA-Z0-9_.@:-]+)?$/
const IDEMPOTENCY_KEY = /^[a-zA-Z0-9_-]+$/

export const codeSchema = z
  .string()
  .min(1)
  .max(MAX_CODE_CHARS)
  .refine((s) => s.trim().length > 0, { message: 'Code cannot be empty' })

/** True for a JSON object; else adds Pydantic's "valid dictionary" issue. */
function isDict(v: unknown, ctx: z.RefinementCtx): v is Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return true
  ctx.addIssue({
    code: 'invalid_type',
    expected: 'record',
    input: v,
    message: 'Input should be a valid dictionary',
  })
  return false
}

// Not z.record: it copies the object key by key, and assigning a `__proto__` key (valid JSON, kept
// by JSON.parse as an own property) sets the copy's prototype instead, so the key was lost. The
// parsed value is passed through as it is.
const inputData = z.custom<Record<string, unknown>>().superRefine((v, ctx) => {
  if (isDict(v, ctx)) {
    const why = inputProblem(v)
    if (why) ctx.addIssue({ code: 'custom', message: why })
  }
})

/** One entry of `input_files`: base64 bytes, or a file of an earlier run. */
export type InputFileValue =
  string | { from_run: string; path: string; kind?: 'artifact' | 'input' }

// Checked by hand for the same reason as input_data (a `__proto__` file name must survive); the
// names, the base64 and the caps are the app's rule (app/input-files.ts), checked after this.
const inputFiles = z.custom<Record<string, InputFileValue>>().superRefine((v, ctx) => {
  if (!isDict(v, ctx)) return
  for (const [name, value] of Object.entries(v)) {
    if (typeof value === 'string') continue
    const ref = value as Record<string, unknown> | null
    const ok =
      ref !== null &&
      typeof ref === 'object' &&
      !Array.isArray(ref) &&
      typeof ref.from_run === 'string' &&
      typeof ref.path === 'string' &&
      (ref.kind === undefined || ref.kind === 'artifact' || ref.kind === 'input') &&
      Object.keys(ref).every((k) => k === 'from_run' || k === 'path' || k === 'kind')
    if (!ok)
      ctx.addIssue({
        code: 'custom',
        path: [name],
        input: value,
        message:
          'an input file is a base64 string or {"from_run": "<run id>", "path": "<file>"} ' +
          '(optional "kind": "artifact" or "input")',
      })
  }
})

const { timeoutS, memoryMb, cpus } = REQUEST_LIMIT_BOUNDS
const timeout = z.number().int().min(timeoutS.min).max(timeoutS.max)
const jobType = z.string().max(128).regex(JOB_TYPE)

/** `ExecuteRequest` of Tako VM (see docs/api.md, 'POST /execute') plus our `memory_mb` and `cpus`. Unknown fields → 422. */
export const executeRequestSchema = z.strictObject({
  code: codeSchema,
  input_data: inputData.optional().default({}),
  /** Files at /input/<name> (see docs/api.md, 'Input files'). */
  input_files: inputFiles.nullish(),
  timeout: timeout.nullish(),
  startup_timeout: z.number().int().min(10).max(600).nullish(),
  job_type: jobType.nullish(),
  idempotency_key: z.string().min(8).max(255).regex(IDEMPOTENCY_KEY).nullish(),
  requirements: z.array(z.string().max(256)).max(50).nullish(),
  memory_mb: z.number().int().min(memoryMb.min).max(memoryMb.max).nullish(),
  /** A custom local image instead of a job type; it must have python3. */
  image: z.string().max(MAX_IMAGE_CHARS).regex(IMAGE_NAME).nullish(),
  cpus: z.number().min(cpus.min).max(cpus.max).nullish(),
  /** The sandbox runtime; the server's default (`TAKO_RUNTIME`) when absent. */
  runtime: z.enum(RUNTIME_CHOICES).nullish(),
  /** Batch standard input, ≤ 1 MiB as UTF-8 (see docs/api.md, 'Standard input'). */
  stdin: z.string().nullish(),
  /** input() answered live over `POST /jobs/{id}/stdin` (`/execute/async` only). */
  interactive: z.boolean().nullish(),
})
export type ExecuteRequest = z.infer<typeof executeRequestSchema>

/** FastAPI's name for a broken bound, which depends on what was measured. */
function bySize(origin: string, text: string, list: string, number: string): string {
  return origin === 'string' ? text : origin === 'array' ? list : number
}

function zodTypeToFastApi(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return 'extra_forbidden'
    case 'invalid_type':
      return issue.input === undefined ? 'missing' : `${issue.expected}_type`
    case 'too_small':
      return bySize(issue.origin, 'string_too_short', 'too_short', 'greater_than_equal')
    case 'too_big':
      return bySize(issue.origin, 'string_too_long', 'too_long', 'less_than_equal')
    case 'invalid_format':
      return 'string_pattern_mismatch'
    case 'custom':
      return 'value_error'
    default:
      return issue.code
  }
}

/** Parses `body` with `schema`, or throws RequestValidationError with one entry per problem. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestValidationError([
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object',
        input: body,
      },
    ])
  }
  // reportInput: without it every issue's `input` is undefined and a wrong type reads as `missing`.
  const result = schema.safeParse(body, { reportInput: true })
  if (result.success) return result.data
  const detail: ValidationDetail[] = []
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        detail.push({
          type: 'extra_forbidden',
          loc: ['body', ...issue.path.map((p) => (typeof p === 'number' ? p : String(p))), key],
          msg: 'Extra inputs are not permitted',
          input: (body as Record<string, unknown>)[key],
        })
      }
      continue
    }
    const loc = ['body', ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))]
    const msg = issue.code === 'custom' ? `Value error, ${issue.message}` : issue.message
    detail.push({ type: zodTypeToFastApi(issue), loc, msg, input: issue.input })
  }
  throw new RequestValidationError(detail)
}
