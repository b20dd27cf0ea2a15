import os from 'node:os'
import type { RunLimits } from '../../shared/run'
import { DEFAULT_LIMITS } from '../engine/limits'
import { ENVIRONMENTS, findEnvironment, imageRef } from '../environments/catalogue'
import type { SubmitRequest } from '../jobs/job-service'
import { RequestValidationError, type ExecuteRequest } from './validation'

const MiB = 1024 * 1024
const imageCache = new Map<string, string>()

function imageFor(name: string): string {
  let ref = imageCache.get(name)
  if (!ref) {
    ref = imageRef(name)
    imageCache.set(name, ref)
  }
  return ref
}

export function fieldError(field: string, msg: string, input: unknown): RequestValidationError {
  return new RequestValidationError([
    { type: 'value_error', loc: ['body', field], msg: `Value error, ${msg}`, input },
  ])
}

/** Resolves `job_type` (an optional `@version` suffix is accepted and ignored, as Tako VM does). */
export function resolveEnvironment(jobType: string | null | undefined): {
  name: string
  image: string
} {
  const name = (jobType ?? 'default').split('@')[0] ?? 'default'
  const env = findEnvironment(name)
  if (!env) {
    throw fieldError(
      'job_type',
      `unknown job_type '${name}'; known job types: ${ENVIRONMENTS.map((e) => e.name).join(', ')}`,
      jobType,
    )
  }
  return { name, image: imageFor(name) }
}

/** An environment's default limits (Tako VM's job-type defaults), clamped to what this machine has. */
export function defaultLimitsFor(name: string): RunLimits {
  const def = findEnvironment(name)?.defaults ?? findEnvironment('default')!.defaults
  return {
    ...DEFAULT_LIMITS,
    timeoutMs: def.timeoutMs,
    memoryBytes: Math.min(def.memoryBytes, Math.floor(os.totalmem() / MiB) * MiB),
    cpus: Math.min(def.cpus, os.availableParallelism()),
  }
}

/** Turns a validated Tako request into the limits and environment of a run, checking ceilings. */
export function toSubmitRequest(req: ExecuteRequest, maxTimeoutS: number): SubmitRequest {
  if (req.image && req.job_type) {
    throw fieldError('image', 'give either job_type or image, not both', req.image)
  }
  const env = req.image ? { name: 'custom', image: req.image } : resolveEnvironment(req.job_type)
  const def = findEnvironment(req.image ? 'default' : env.name)!.defaults
  if (req.timeout != null && req.timeout > maxTimeoutS) {
    throw fieldError(
      'timeout',
      `timeout must be less than or equal to the configured max_timeout (${maxTimeoutS} seconds)`,
      req.timeout,
    )
  }
  const timeoutMs =
    req.timeout != null ? req.timeout * 1000 : Math.min(def.timeoutMs, maxTimeoutS * 1000)
  const hostCpus = os.availableParallelism()
  if (req.cpus != null && req.cpus > hostCpus) {
    throw fieldError(
      'cpus',
      `cpus must be at most ${hostCpus} (the number of CPUs of this machine)`,
      req.cpus,
    )
  }
  const hostMemMiB = Math.floor(os.totalmem() / MiB)
  if (req.memory_mb != null && req.memory_mb > hostMemMiB) {
    throw fieldError(
      'memory_mb',
      `memory_mb must be at most ${hostMemMiB} (this machine's memory)`,
      req.memory_mb,
    )
  }
  const limits: RunLimits = {
    ...defaultLimitsFor(req.image ? 'default' : env.name),
    timeoutMs,
    ...(req.memory_mb != null ? { memoryBytes: req.memory_mb * MiB } : {}),
    ...(req.cpus != null ? { cpus: req.cpus } : {}),
  }
  const submit: SubmitRequest = {
    code: req.code,
    inputData: req.input_data,
    environment: env.name,
    image: env.image,
    limits,
    source: 'api',
    requestedTimeoutS: req.timeout ?? null,
    idempotencyKey: req.idempotency_key ?? null,
  }
  if (req.requirements && req.requirements.length > 0) {
    submit.rejectWith = {
      type: 'config_error',
      message:
        'Runtime dependency installation is disabled (runs have no network). Use an environment that has ' +
        `the packages instead: job_type one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}.`,
      phase: 'startup',
    }
  }
  return submit
}
