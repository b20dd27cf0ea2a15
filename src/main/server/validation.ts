import { z } from 'zod'

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

export const MAX_CODE_CHARS = 100_000
export const MAX_INPUT_BYTES = 1_048_576
const JOB_TYPE = /^[a-zA-Z0-9_-]+(@[a-zA-Z0-9_.@:-]+)?$/
const IDEMPOTENCY_KEY = /^[a-zA-Z0-9_-]+$/

export const codeSchema = z
  .string()
  .min(1)
  .max(MAX_CODE_CHARS)
  .refine((s) => s.trim().length > 0, { message: 'Code cannot be empty' })

/** Deeper input_data would overflow the stack of JSON.stringify and our hashing (→ 500). */
export const MAX_INPUT_DEPTH = 1000

/** Nesting depth of a parsed JSON value, walked without recursion (a body can nest 400k deep). */
function nestingDepth(value: unknown): number {
  let max = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth + 1 > max) max = depth + 1
    if (max > MAX_INPUT_DEPTH) return max
    for (const child of Object.values(v)) stack.push([child, depth + 1])
  }
  return max
}

// Not z.record: it copies the object key by key, and assigning a `__proto__` key (valid JSON, kept
// by JSON.parse as an own property) sets the copy's prototype instead, so the key was lost. The
// parsed value is passed through as it is.
const inputData = z.custom<Record<string, unknown>>().superRefine((v, ctx) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({
      code: 'invalid_type',
      expected: 'record',
      input: v,
      message: 'Input should be a valid dictionary',
    })
  } else if (nestingDepth(v) > MAX_INPUT_DEPTH) {
    ctx.addIssue({
      code: 'custom',
      message: `input_data is nested more than ${MAX_INPUT_DEPTH} levels deep`,
    })
  } else if (Buffer.byteLength(JSON.stringify(v)) > MAX_INPUT_BYTES) {
    ctx.addIssue({ code: 'custom', message: 'input_data exceeds 1MB limit when serialized' })
  }
})

const timeout = z.number().int().min(1).max(86_400)
const jobType = z.string().max(128).regex(JOB_TYPE)

/** `ExecuteRequest` of Tako VM (reference §1.3) plus our `memory_mb` and `cpus`. Unknown fields → 422. */
export const executeRequestSchema = z.strictObject({
  code: codeSchema,
  input_data: inputData.optional().default({}),
  timeout: timeout.nullish(),
  startup_timeout: z.number().int().min(10).max(600).nullish(),
  job_type: jobType.nullish(),
  idempotency_key: z.string().min(8).max(255).regex(IDEMPOTENCY_KEY).nullish(),
  requirements: z.array(z.string().max(256)).max(50).nullish(),
  memory_mb: z.number().int().min(16).max(65_536).nullish(),
  /** A custom local image instead of a job type; it must have python3. */
  image: z
    .string()
    .max(256)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$/)
    .nullish(),
  cpus: z.number().min(0.1).max(64).nullish(),
})
export type ExecuteRequest = z.infer<typeof executeRequestSchema>

function zodTypeToFastApi(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return 'extra_forbidden'
    case 'invalid_type':
      return issue.input === undefined ? 'missing' : `${issue.expected}_type`
    case 'too_small':
      return issue.origin === 'string'
        ? 'string_too_short'
        : issue.origin === 'array'
          ? 'too_short'
          : 'greater_than_equal'
    case 'too_big':
      return issue.origin === 'string'
        ? 'string_too_long'
        : issue.origin === 'array'
          ? 'too_long'
          : 'less_than_equal'
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
