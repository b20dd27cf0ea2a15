// The contract's calls as envelopes, for the transports that carry the contract (IPC and
// `POST /api/rpc/<method>`): arguments checked by the contract's schema, app errors as codes.
import type { Envelope, Method } from '../../shared/api'
import { METHODS, schemas } from '../../shared/api'
import { InvalidArgument, toAppError } from './errors'
import type { Handlers } from './handlers'

/** Where the contract's arguments carry a field of the neutral request (limits are nested). */
const CONTRACT_PATH: Readonly<Record<string, string>> = {
  timeoutS: 'limits.timeoutS',
  memoryMb: 'limits.memoryMb',
  cpus: 'limits.cpus',
}

/**
 * An error as the envelope's `{code, message}`: app errors by their code (a field problem prefixed
 * with the argument's path, as the schema's own refusals are), anything else `internal`.
 */
export function toEnvelopeError(err: unknown): { code: string; message: string } {
  const app = toAppError(err)
  const issue = app instanceof InvalidArgument ? app.issues[0] : undefined
  if (issue) {
    const where = CONTRACT_PATH[issue.field] ?? issue.field
    return { code: app!.code, message: `${where}: ${app!.message}` }
  }
  if (app) return { code: app.code, message: app.message }
  return { code: 'internal', message: (err as Error).message }
}

/** Validates a call's arguments with the contract's schema and runs its handler, as an envelope. */
export async function invoke(
  handlers: Handlers,
  method: string,
  args: unknown,
): Promise<Envelope<unknown>> {
  if (!(METHODS as string[]).includes(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `Unknown method ${method}` } }
  }
  const m = method as Method
  const parsed = schemas[m].safeParse(args ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    return {
      ok: false,
      error: { code: 'invalid_argument', message: `${where}${issue?.message ?? 'invalid'}` },
    }
  }
  try {
    const handler = handlers[m] as (a: unknown) => Promise<unknown>
    return { ok: true, value: await handler(parsed.data) }
  } catch (err) {
    return { ok: false, error: toEnvelopeError(err) }
  }
}
