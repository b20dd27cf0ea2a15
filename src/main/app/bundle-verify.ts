// Verifies a run bundle completely before anything is written (see docs/bundles.md, 'Checks'):
// every name, every size against the caps, every checksum, the manifest against the archive and
// the record against both. Any failure is a BundleRefused naming the exact reason.
import { z } from 'zod'
import type { RunRecord } from '../../shared/record'
import { ERROR_TYPES, TERMINAL_STATUSES } from '../../shared/run'
import { isValidRunId } from '../store/run-store'
import { checkArtifactPath } from './artifact-access'
import { describeIssue } from './zod-issue'
import {
  ARTIFACT_CAPS,
  ARTIFACT_PREFIX,
  BUNDLE_FORMAT,
  FIXED_ENTRIES,
  MANIFEST_ENTRY,
  MAX_ENTRIES,
  MAX_UNCOMPRESSED_BYTES,
  META_MAX_BYTES,
  RECORD_ENTRY,
  STDIN_FILE,
  type BundleManifest,
} from './bundle-format'
import {
  BundleRefused,
  checkNameUnique,
  checkRatio,
  checkPlainName,
  inflateEntry,
  readEntries,
  type ZipEntry,
} from './bundle-zip'
import {
  checkInputEntryCaps,
  checkInputEntryName,
  checkInputFilesMatch,
  isInputFileEntry,
} from './bundle-inputs'
import { INPUT_FILE_CAPS } from '../../shared/input-files'

export { BundleRefused }

export interface VerifiedBundle {
  manifest: BundleManifest
  record: RunRecord
  /** Every entry but manifest.json and run.json, by name, each checked against the manifest. */
  files: Map<string, ZipEntry>
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const iso = z.iso.datetime({ offset: true })

const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(1),
  appVersion: z.string().max(64),
  exportedAt: iso,
  runId: z.string().max(64),
  environment: z.object({
    name: z.string().max(64),
    image: z.string().max(256),
    recipeHash: z.string().max(64).nullable(),
  }),
  files: z.array(z.object({ path: z.string().max(4200), size: count, sha256 })).max(MAX_ENTRIES),
})

const positive = z.number().positive().finite()
const recordSchema = z.looseObject({
  id: z.string().refine(isValidRunId, 'not a valid run id'),
  status: z.enum(TERMINAL_STATUSES as unknown as [string, ...string[]]),
  source: z.enum(['api', 'app']),
  environment: z.string().min(1).max(256),
  image: z.string().max(256),
  limits: z.looseObject({
    timeoutMs: positive,
    memoryBytes: positive,
    cpus: positive,
    stdoutBytes: positive,
    stderrBytes: positive,
  }),
  createdAt: iso,
  startedAt: iso.nullable(),
  endedAt: iso.nullable(),
  durationMs: z.number().min(0).nullable(),
  exitCode: z.number().int().nullable(),
  error: z
    .looseObject({ type: z.enum(ERROR_TYPES), message: z.string().max(1_000_000) })
    .nullable(),
  codeHash: z.string().max(128),
  inputHash: z.string().max(128),
  codePreview: z.string().max(10_000),
  stdoutBytes: count,
  stderrBytes: count,
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  artifacts: z
    .array(
      z.object({
        name: z.string(),
        sizeBytes: count,
        sha256,
        contentType: z.string().max(256),
      }),
    )
    .max(ARTIFACT_CAPS.count),
  warnings: z.array(z.looseObject({ code: z.string(), message: z.string() })).max(100_000),
  timing: z.looseObject({ totalMs: z.number() }).nullable(),
  hasStdin: z.boolean().optional(),
  inputFiles: z
    .array(z.object({ name: z.string().max(1024), size: count, sha256 }))
    .max(INPUT_FILE_CAPS.count)
    .optional(),
})

async function parseJsonEntry<T>(buf: Buffer, entry: ZipEntry, schema: z.ZodType<T>): Promise<T> {
  if (entry.size > META_MAX_BYTES) {
    throw new BundleRefused(
      `${entry.name} is ${entry.size} bytes, over its cap of ${META_MAX_BYTES}`,
    )
  }
  const chunks: Uint8Array[] = []
  await inflateEntry(buf, entry, (c) => chunks.push(Buffer.from(c)))
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BundleRefused(`${entry.name} is not valid JSON`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    throw new BundleRefused(
      `${entry.name} is not a valid ${entry.name === RECORD_ENTRY ? 'run record' : 'manifest'} (${describeIssue(parsed.error, value)})`,
    )
  }
  return parsed.data
}

/** A bundle path: plain relative segments, none empty, `.` or `..`; no backslash, drive or control character. */
function checkEntryName(name: string): void {
  const shown = JSON.stringify(name)
  checkPlainName(name)
  const fixed = FIXED_ENTRIES.some((f) => f.entry === name)
  if (fixed || name === MANIFEST_ENTRY || name === RECORD_ENTRY) return
  if (isInputFileEntry(name)) return checkInputEntryName(name)
  if (!name.startsWith(ARTIFACT_PREFIX)) {
    throw new BundleRefused(`${shown} is not a file a bundle holds`)
  }
  try {
    checkArtifactPath(name.slice(ARTIFACT_PREFIX.length))
  } catch {
    throw new BundleRefused(`${shown} is not a valid artifact path`)
  }
}

/** The cap of one entry's size. */
function capOf(name: string): number {
  const fixed = FIXED_ENTRIES.find((f) => f.entry === name)
  if (fixed) return fixed.maxBytes
  if (isInputFileEntry(name)) return INPUT_FILE_CAPS.perFileBytes
  return name === MANIFEST_ENTRY || name === RECORD_ENTRY
    ? META_MAX_BYTES
    : ARTIFACT_CAPS.perFileBytes
}

function checkNamesAndSizes(entries: ZipEntry[]): void {
  const seen = new Map<string, string>()
  let total = 0
  let artifacts = 0
  let artifactBytes = 0
  for (const e of entries) {
    checkEntryName(e.name)
    checkNameUnique(seen, e.name)
    const cap = capOf(e.name)
    if (e.size > cap) {
      throw new BundleRefused(
        `${JSON.stringify(e.name)} is ${e.size} bytes, over its cap of ${cap}`,
      )
    }
    checkRatio(e)
    total += e.size
    if (e.name.startsWith(ARTIFACT_PREFIX)) {
      artifacts++
      artifactBytes += e.size
    }
  }
  if (artifacts > ARTIFACT_CAPS.count) {
    throw new BundleRefused(`${artifacts} artifacts, over the cap of ${ARTIFACT_CAPS.count}`)
  }
  if (artifactBytes > ARTIFACT_CAPS.totalBytes) {
    throw new BundleRefused(
      `artifacts total ${artifactBytes} bytes, over the cap of ${ARTIFACT_CAPS.totalBytes}`,
    )
  }
  if (total > MAX_UNCOMPRESSED_BYTES) {
    throw new BundleRefused(
      `the bundle inflates to ${total} bytes, over the cap of ${MAX_UNCOMPRESSED_BYTES}`,
    )
  }
}

function checkManifestMatches(manifest: BundleManifest, files: Map<string, ZipEntry>): void {
  const listed = new Set<string>()
  for (const f of manifest.files) {
    if (listed.has(f.path))
      throw new BundleRefused(`the manifest lists ${JSON.stringify(f.path)} twice`)
    listed.add(f.path)
    const entry = files.get(f.path)
    if (!entry)
      throw new BundleRefused(`${JSON.stringify(f.path)} is in the manifest but not in the bundle`)
    if (entry.size !== f.size) {
      throw new BundleRefused(
        `${JSON.stringify(f.path)} is ${entry.size} bytes, the manifest says ${f.size}`,
      )
    }
  }
  for (const name of files.keys()) {
    if (!listed.has(name)) throw new BundleRefused(`${JSON.stringify(name)} is not in the manifest`)
  }
  for (const f of FIXED_ENTRIES) {
    if (!f.optional && !files.has(f.entry)) throw new BundleRefused(`${f.entry} is missing`)
  }
}

function checkRecordMatches(
  record: RunRecord,
  files: Map<string, ZipEntry>,
  manifest: BundleManifest,
): void {
  if (record.id !== manifest.runId) {
    throw new BundleRefused(`run.json is run ${record.id}, the manifest says ${manifest.runId}`)
  }
  if (Boolean(record.hasStdin) !== files.has(STDIN_FILE)) {
    throw new BundleRefused(
      record.hasStdin
        ? 'stdin.txt is missing'
        : 'stdin.txt is there but the run had no standard input',
    )
  }
  const hashes = new Map(manifest.files.map((f) => [f.path, f.sha256]))
  const names = new Set<string>()
  for (const a of record.artifacts) {
    const entry = `${ARTIFACT_PREFIX}${a.name}`
    names.add(entry)
    if (!files.has(entry))
      throw new BundleRefused(`artifact ${JSON.stringify(a.name)} of run.json is not in the bundle`)
    if (hashes.get(entry) !== a.sha256 || files.get(entry)!.size !== a.sizeBytes) {
      throw new BundleRefused(
        `artifact ${JSON.stringify(a.name)} differs from what run.json records`,
      )
    }
  }
  for (const name of files.keys()) {
    if (name.startsWith(ARTIFACT_PREFIX) && !names.has(name)) {
      throw new BundleRefused(`${JSON.stringify(name)} is not an artifact of the run`)
    }
  }
  checkInputFilesMatch(record, files, hashes)
}

/** Checks a whole bundle held in memory; nothing is written. */
export async function verifyBundle(buf: Buffer): Promise<VerifiedBundle> {
  const entries = readEntries(buf, MAX_ENTRIES)
  const manifestEntry = entries.find((e) => e.name === MANIFEST_ENTRY)
  if (!manifestEntry) throw new BundleRefused('manifest.json is missing: not a run bundle')
  checkNamesAndSizes(entries)
  checkInputEntryCaps(entries)
  const byName = new Map(entries.map((e) => [e.name, e]))
  const recordEntry = byName.get(RECORD_ENTRY)
  if (!recordEntry) throw new BundleRefused('run.json is missing')
  const manifest = (await parseJsonEntry(buf, manifestEntry, manifestSchema)) as BundleManifest
  const files = new Map(byName)
  files.delete(MANIFEST_ENTRY)
  checkManifestMatches(manifest, files)
  const listed = new Map(manifest.files.map((f) => [f.path, f.sha256]))
  // run.json is one of the listed files: its bytes are checked like every other's.
  for (const [name, entry] of files) {
    const digest = await inflateEntry(buf, entry)
    if (digest.sha256 !== listed.get(name)) {
      throw new BundleRefused(`${JSON.stringify(name)} does not match its sha256 in the manifest`)
    }
  }
  const record = (await parseJsonEntry(buf, recordEntry, recordSchema)) as unknown as RunRecord
  files.delete(RECORD_ENTRY)
  checkRecordMatches(record, files, manifest)
  return { manifest, record, files }
}
