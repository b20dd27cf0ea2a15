// The run bundle's layout and limits (see docs/bundles.md): one zip per run, every file listed in
// `manifest.json` with its size and sha256. Export and import both read these names from here.
import fs from 'node:fs'
import { MAX_BUNDLE_UPLOAD_BYTES } from '../../shared/api'
import { MAX_CODE_CHARS } from '../../shared/limit-bounds'
import { INPUT_FILE_CAPS } from '../../shared/input-files'
import { KiB, MiB } from '../../shared/units'
import { DEFAULT_LIMITS } from '../engine/limits'
import { CODE_FILE, INPUT_FILE, STDIN_FILE } from '../engine/run-folder'
import { findUp } from '../paths'
import { OUTPUT_FILE, STDERR_FILE, STDOUT_FILE } from '../store/run-store'
import { MAX_INPUT_BYTES } from './run-request'

export const BUNDLE_FORMAT = 'tako-vm-run-bundle'
export const BUNDLE_FORMAT_VERSION = 1
export const MANIFEST_ENTRY = 'manifest.json'
export const RECORD_ENTRY = 'run.json'
export const ARTIFACT_PREFIX = 'artifacts/'
/** The run folder's stdin file, named once in run-folder.ts; export and import read it from here. */
export { STDIN_FILE }

/** A fixed entry of the bundle: where it lives in the run folder and the most it may hold. */
export interface FixedEntry {
  entry: string
  file: string
  maxBytes: number
  /** Absent from the bundle when the run has none. */
  optional: boolean
}

/** Text a capped stream keeps past its cap: the line that says it was cut (see LiveOutput). */
const TRAILER_SLACK = 64 * KiB

export const FIXED_ENTRIES: readonly FixedEntry[] = [
  { entry: 'code/main.py', file: CODE_FILE, maxBytes: MAX_CODE_CHARS * 4, optional: false },
  { entry: 'input/data.json', file: INPUT_FILE, maxBytes: MAX_INPUT_BYTES, optional: false },
  { entry: 'stdin.txt', file: STDIN_FILE, maxBytes: MiB, optional: true },
  {
    entry: 'stdout.txt',
    file: STDOUT_FILE,
    maxBytes: DEFAULT_LIMITS.stdoutBytes + TRAILER_SLACK,
    optional: false,
  },
  {
    entry: 'stderr.txt',
    file: STDERR_FILE,
    maxBytes: DEFAULT_LIMITS.stderrBytes + TRAILER_SLACK,
    optional: false,
  },
  {
    entry: 'output/result.json',
    file: OUTPUT_FILE,
    maxBytes: DEFAULT_LIMITS.resultBytes + TRAILER_SLACK,
    optional: true,
  },
]

/** run.json and manifest.json: a record lists up to 10,000 artifacts. */
export const META_MAX_BYTES = 16 * MiB

/** The caps an imported run's artifacts must keep: the same as a run's (see docs/run-contract.md, 'Limits'). */
export const ARTIFACT_CAPS = {
  count: DEFAULT_LIMITS.artifactCount,
  perFileBytes: DEFAULT_LIMITS.artifactBytes,
  totalBytes: DEFAULT_LIMITS.artifactTotalBytes,
} as const

/** Everything a bundle may hold once inflated. */
export const MAX_UNCOMPRESSED_BYTES =
  ARTIFACT_CAPS.totalBytes +
  INPUT_FILE_CAPS.totalBytes +
  FIXED_ENTRIES.reduce((sum, f) => sum + f.maxBytes, 0) +
  2 * META_MAX_BYTES

/** The largest bundle file accepted: more than everything a bundle may hold, stored, plus zip headers. */
export const MAX_BUNDLE_BYTES = MAX_BUNDLE_UPLOAD_BYTES

/**
 * Most entries a bundle may have: the fixed ones, run.json, manifest.json and the artifacts. Input
 * files share this count (a run with the full 10,000 artifacts and input files does not fit).
 */
export const MAX_ENTRIES = ARTIFACT_CAPS.count + FIXED_ENTRIES.length + 2

export interface ManifestFile {
  path: string
  size: number
  sha256: string
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT
  formatVersion: number
  appVersion: string
  exportedAt: string
  runId: string
  environment: { name: string; image: string; recipeHash: string | null }
  files: ManifestFile[]
}

let version: string | null = null

/** The app's version, from its package.json. */
export function appVersion(): string {
  if (version === null) {
    try {
      const pkg = JSON.parse(fs.readFileSync(findUp('package.json'), 'utf8')) as {
        version?: unknown
      }
      version = typeof pkg.version === 'string' ? pkg.version : '0.0.0'
    } catch {
      version = '0.0.0'
    }
  }
  return version
}

/** The recipe hash in an image tag `tako-vm/<name>:<recipe hash>`, or null for another image. */
export function recipeHashOf(image: string, environment: string): string | null {
  const m = /^tako-vm\/([a-z0-9._-]+):([0-9a-f]{12,64})$/.exec(image)
  return m && m[1] === environment ? (m[2] ?? null) : null
}
