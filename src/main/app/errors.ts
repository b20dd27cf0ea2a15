// Typed errors of the app's actions. Handlers and the lifecycle throw these; each transport maps
// them once: IPC/RPC to envelope codes (`toEnvelopeError`), HTTP to statuses and Tako VM's bodies
// (src/main/server/app.ts). See docs/architecture.md, 'Errors'.
import { QueueFullError } from '../jobs/job-service'

export type AppErrorCode =
  'not_found' | 'conflict' | 'invalid_argument' | 'failed_precondition' | 'queue_full'

/** One problem with one field of a request, named in the neutral (camelCase) request's terms. */
export interface FieldIssue {
  field: string
  message: string
  input: unknown
}

export abstract class AppError extends Error {
  abstract readonly code: AppErrorCode
}

export class NotFound extends AppError {
  readonly code = 'not_found'
}

/** The action collides with the target's state (deleting a run still in progress). */
export class Conflict extends AppError {
  readonly code = 'conflict'
}

/** The action needs a state the target is not in yet, or data it lacks (rerun of a live run). */
export class FailedPrecondition extends AppError {
  readonly code = 'failed_precondition'
}

/**
 * A bad request. With `issues`, each names a request field (a validation error); without, the
 * request as a whole is refused (e.g. a path that leaves its folder).
 */
export class InvalidArgument extends AppError {
  readonly code = 'invalid_argument'
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message)
  }

  static field(field: string, message: string, input: unknown): InvalidArgument {
    return new InvalidArgument(message, [{ field, message, input }])
  }
}

export class QueueFull extends AppError {
  readonly code = 'queue_full'
}

/** An error of a lower layer as the app error it means, or null when it is not one of ours. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err
  if (err instanceof QueueFullError) return new QueueFull(err.message)
  return null
}
