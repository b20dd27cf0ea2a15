import { createHash } from 'node:crypto'

/** JSON with object keys sorted at every level and no spaces: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Tako VM's idempotency fingerprint: what was asked to run, under which environment and timeouts. */
export function requestFingerprint(f: {
  code: string
  inputData: unknown
  jobType: string
  timeout: number | null
  startupTimeout: number | null
  requirements: string[]
  memoryMb: number | null
  cpus: number | null
  stdin?: string | null
  interactive?: boolean | null
  /** The input files as resolved (bytes), hashed by name. */
  inputFiles?: readonly { name: string; data?: Buffer }[] | null
}): string {
  return sha256Hex(
    canonicalJson({
      code_hash: sha256Hex(f.code),
      input_hash: sha256Hex(canonicalJson(f.inputData)),
      job_type: f.jobType,
      timeout: f.timeout,
      startup_timeout: f.startupTimeout,
      requirements: f.requirements,
      memory_mb: f.memoryMb,
      cpus: f.cpus,
      // Absent unless given, so fingerprints of requests without stdin stay as they were.
      stdin_hash: f.stdin ? sha256Hex(f.stdin) : undefined,
      interactive: f.interactive ? true : undefined,
      input_files: f.inputFiles?.length
        ? Object.fromEntries(
            f.inputFiles.map((x) => [
              x.name,
              createHash('sha256')
                .update(x.data ?? '')
                .digest('hex'),
            ]),
          )
        : undefined,
    }),
  )
}
