// Request normalisation below the transports (see docs/run-contract.md, 'Requests'): a run request
// in neutral terms (camelCase, seconds/MiB as a person gives them) becomes the jobs layer's
// SubmitRequest (ms, bytes, a resolved environment and image). The app's RPC and the HTTP API both
// come through here; HTTP maps its snake_case body onto RunRequest first.
import os from 'node:os'
import { MAX_CODE_CHARS } from '../../shared/limit-bounds'
import type { RunSource } from '../../shared/record'
import type { RunLimits } from '../../shared/run'
import type { RuntimeChoice } from '../../shared/runtime'
import { MiB } from '../../shared/units'
import { DEFAULT_LIMITS } from '../engine/limits'
import { stdinTooLarge } from '../engine/stdin-channel'
import { ENVIRONMENTS, findEnvironment, imageRef } from '../environments/catalogue'
import type { SubmitRequest } from '../jobs/job-service'
import type { RunStore } from '../store/run-store'
import { InvalidArgument } from './errors'
import { resolveInputFiles, type InputFileSource } from './input-files'

export { MAX_CODE_CHARS }
export const MAX_INPUT_BYTES = MiB
/** Deeper input would overflow the stack of JSON.stringify and our hashing. */
export const MAX_INPUT_DEPTH = 1000
/** A custom local image's name (never pulled; checked for python3 before use). */
export const IMAGE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$/
export const MAX_IMAGE_CHARS = 256

export interface RunRequest {
  code: string
  /** Any JSON value (the HTTP API takes only an object; see docs/api.md). */
  input: unknown
  /** The run's own files at /input/<name> (see docs/run-contract.md, 'Input files'). */
  inputFiles?: readonly InputFileSource[] | null
  /** An environment of the catalogue (an `@version` suffix is accepted and ignored); default when absent. */
  environment?: string | null
  /** A custom local image instead of an environment. */
  image?: string | null
  timeoutS?: number | null
  memoryMb?: number | null
  cpus?: number | null
  source: RunSource
  idempotencyKey?: string | null
  /** Runtime package installs: refused (runs have no network); the run fails with a config error. */
  requirements?: readonly string[] | null
  /** The sandbox runtime (`runc` or `gvisor`); the server's default when absent. */
  runtime?: RuntimeChoice | null
  /** Batch standard input (≤ 1 MiB as UTF-8); see docs/run-contract.md, 'Standard input'. */
  stdin?: string | null
  /** input() is answered live (`runs:stdin`, `POST /jobs/{id}/stdin`). */
  interactive?: boolean | null
}

/** What normalisation needs of the app. */
export interface RequestContext {
  maxTimeoutS: number
  environments: { checkCustomImage(image: string): Promise<string | null> }
  /** Where `fromRun` input files are read from (absent: such references are refused). */
  store?: RunStore
}

/** True for a value JSON carries as it is: null, a boolean, a finite number, a string. */
function isJsonLeaf(v: unknown): boolean {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v))
  )
}

/** A plain array or object (not a Map, Date, typed array… that IPC can carry but JSON cannot). */
function isJsonContainer(v: unknown): v is object {
  if (Array.isArray(v)) return true
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * Nesting depth of a parsed JSON value, walked without recursion (a body can nest 400k deep);
 * -1 when something in it is not a JSON value.
 */
function nestingDepth(value: unknown): number {
  let max = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (isJsonLeaf(v)) continue
    if (!isJsonContainer(v)) return -1
    if (depth + 1 > max) max = depth + 1
    if (max > MAX_INPUT_DEPTH) return max
    for (const child of Object.values(v)) stack.push([child, depth + 1])
  }
  return max
}

/** Why a run's input cannot be taken (not JSON, too deep, over 1 MiB as JSON), or null. */
export function inputProblem(input: unknown): string | null {
  const depth = nestingDepth(input)
  if (depth < 0) return 'input_data is not a JSON value'
  if (depth > MAX_INPUT_DEPTH)
    return `input_data is nested more than ${MAX_INPUT_DEPTH} levels deep`
  if (Buffer.byteLength(JSON.stringify(input)) > MAX_INPUT_BYTES)
    return 'input_data exceeds 1MB limit when serialized'
  return null
}

const imageCache = new Map<string, string>()

function imageFor(name: string): string {
  let ref = imageCache.get(name)
  if (!ref) {
    ref = imageRef(name)
    imageCache.set(name, ref)
  }
  return ref
}

/** Resolves an environment name (an optional `@version` suffix is accepted and ignored, as Tako VM does). */
export function resolveEnvironment(requested: string | null | undefined): {
  name: string
  image: string
} {
  const name = (requested ?? 'default').split('@')[0] ?? 'default'
  if (!findEnvironment(name)) {
    throw InvalidArgument.field(
      'environment',
      `unknown job_type '${name}'; known job types: ${ENVIRONMENTS.map((e) => e.name).join(', ')}`,
      requested,
    )
  }
  return { name, image: imageFor(name) }
}

/** This machine's memory in whole MiB: no run may ask for more. */
export function hostMemoryMb(): number {
  return Math.floor(os.totalmem() / MiB)
}

/** An environment's default limits (Tako VM's job-type defaults), clamped to what this machine has. */
export function defaultLimitsFor(name: string): RunLimits {
  const def = findEnvironment(name)?.defaults ?? findEnvironment('default')!.defaults
  return {
    ...DEFAULT_LIMITS,
    timeoutMs: def.timeoutMs,
    memoryBytes: Math.min(def.memoryBytes, hostMemoryMb() * MiB),
    cpus: Math.min(def.cpus, os.availableParallelism()),
  }
}

/** The configured ceiling on a requested timeout (Tako VM's `max_timeout`). */
export function checkTimeoutCeiling(
  timeoutS: number | null | undefined,
  maxTimeoutS: number,
): void {
  if (timeoutS != null && timeoutS > maxTimeoutS) {
    throw InvalidArgument.field(
      'timeoutS',
      `timeout must be less than or equal to the configured max_timeout (${maxTimeoutS} seconds)`,
      timeoutS,
    )
  }
}

/**
 * Turns a run request into the jobs layer's SubmitRequest: the environment resolved, the input
 * checked, every limit within this machine's ceilings. Throws InvalidArgument naming the field.
 * Synchronous; a custom image is checked against Docker by `normalizeRunRequest`.
 */
export function toSubmitRequest(req: RunRequest, maxTimeoutS: number): SubmitRequest {
  if (req.image && req.environment) {
    throw InvalidArgument.field('image', 'give either job_type or image, not both', req.image)
  }
  if (req.image && (req.image.length > MAX_IMAGE_CHARS || !IMAGE_NAME.test(req.image)))
    throw InvalidArgument.field('image', `'${req.image}' is not a valid image name`, req.image)
  const why = inputProblem(req.input)
  if (why) throw InvalidArgument.field('input', why, null)
  const stdinWhy = req.stdin ? stdinTooLarge(0, req.stdin) : null
  if (stdinWhy) throw InvalidArgument.field('stdin', stdinWhy, null)
  const env = req.image ? { name: 'custom', image: req.image } : resolveEnvironment(req.environment)
  const base = req.image ? 'default' : env.name
  const def = findEnvironment(base)!.defaults
  checkTimeoutCeiling(req.timeoutS, maxTimeoutS)
  const timeoutMs =
    req.timeoutS != null ? req.timeoutS * 1000 : Math.min(def.timeoutMs, maxTimeoutS * 1000)
  const hostCpus = os.availableParallelism()
  if (req.cpus != null && req.cpus > hostCpus) {
    throw InvalidArgument.field(
      'cpus',
      `cpus must be at most ${hostCpus} (the number of CPUs of this machine)`,
      req.cpus,
    )
  }
  const hostMemMiB = hostMemoryMb()
  if (req.memoryMb != null && req.memoryMb > hostMemMiB) {
    throw InvalidArgument.field(
      'memoryMb',
      `memory_mb must be at most ${hostMemMiB} (this machine's memory)`,
      req.memoryMb,
    )
  }
  const limits: RunLimits = {
    ...defaultLimitsFor(base),
    timeoutMs,
    ...(req.memoryMb != null ? { memoryBytes: req.memoryMb * MiB } : {}),
    ...(req.cpus != null ? { cpus: req.cpus } : {}),
  }
  const submit: SubmitRequest = {
    code: req.code,
    inputData: req.input,
    environment: env.name,
    image: env.image,
    limits,
    source: req.source,
    requestedTimeoutS: req.timeoutS ?? null,
    idempotencyKey: req.idempotencyKey ?? null,
    ...(req.runtime ? { runtime: req.runtime } : {}),
    stdin: req.stdin || null,
    interactive: req.interactive ?? false,
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

/**
 * `toSubmitRequest`, then the input files are read and checked, and a custom image is checked to
 * exist locally and have python3.
 */
export async function normalizeRunRequest(
  req: RunRequest,
  ctx: RequestContext,
): Promise<SubmitRequest> {
  const submit = toSubmitRequest(req, ctx.maxTimeoutS)
  const files = resolveInputFiles(req.inputFiles, ctx.store)
  if (files.length > 0) submit.inputFiles = files
  if (req.image) {
    const why = await ctx.environments.checkCustomImage(req.image)
    if (why) throw InvalidArgument.field('image', why, req.image)
  }
  return submit
}
