// Reads an exercise pack — a zip or a folder — completely into memory and checks all of it before
// anything is stored (see docs/exercise-pack.md, 'Checks'): the zip through the same strict reader
// as run bundles (zip-slip, links, duplicate and case-folded names, bombs, caps), a folder walked
// without following links; then an optional manifest.json against every file's bytes, then
// exercise.json (exercise-spec.ts). Any failure is a PackRefused with the exact reason.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { MAX_PACK_UPLOAD_BYTES } from '../../shared/api'
import { packRoot, type ExerciseSpec } from '../../shared/exercise'
import { MiB } from '../../shared/units'
import {
  checkNameUnique,
  checkPlainName,
  checkRatio,
  inflateEntry,
  readEntries,
} from './bundle-zip'
import { O_SAFE_READ } from './artifact-access'
import { EXERCISE_FILE, PackRefused, parseExerciseSpec } from './exercise-spec'
import { describeIssue } from './zod-issue'

export { PackRefused }

/** The largest pack file accepted (the upload itself). */
export const MAX_PACK_BYTES = MAX_PACK_UPLOAD_BYTES
export const MAX_PACK_FILES = 1000
const MAX_FILE_BYTES = 32 * MiB
const MAX_TOTAL_BYTES = 128 * MiB
const MAX_SPEC_BYTES = MiB
const MAX_DEPTH = 16
export const MANIFEST_FILE = 'manifest.json'

export interface PackManifestFile {
  path: string
  size: number
  sha256: string
}

export interface PackManifest {
  format: 1
  files: PackManifestFile[]
}

export interface ReadPack {
  spec: ExerciseSpec
  /** Every file of the pack but manifest.json, by its path in the pack. */
  files: Map<string, Buffer>
  manifest: PackManifest
  /** sha256 of the manifest's file list: one hash for the whole pack's content. */
  packSha256: string
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

const manifestSchema = z.strictObject({
  format: z.literal(1),
  files: z
    .array(
      z.strictObject({
        path: z.string().max(4096),
        size: z.number().int().min(0),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .max(MAX_PACK_FILES),
})

function capOf(name: string): number {
  return name === EXERCISE_FILE || name === MANIFEST_FILE ? MAX_SPEC_BYTES : MAX_FILE_BYTES
}

/** The caps every pack keeps, zip or folder: file count, size per file, total. */
class Caps {
  private total = 0
  private count = 0
  add(name: string, size: number): void {
    if (++this.count > MAX_PACK_FILES) {
      throw new PackRefused(`more than ${MAX_PACK_FILES} files`)
    }
    if (size > capOf(name)) {
      throw new PackRefused(
        `${JSON.stringify(name)} is ${size} bytes, over its cap of ${capOf(name)}`,
      )
    }
    this.total += size
    if (this.total > MAX_TOTAL_BYTES) {
      throw new PackRefused(`the pack holds more than ${MAX_TOTAL_BYTES} bytes`)
    }
  }
}

/** Reads a zipped pack; nothing is written. */
export async function readPackZip(bytes: Uint8Array): Promise<ReadPack> {
  if (bytes.length > MAX_PACK_BYTES) {
    throw new PackRefused(`${bytes.length} bytes, over the cap of ${MAX_PACK_BYTES}`)
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const entries = readEntries(buf, MAX_PACK_FILES, { refused: PackRefused, skipDirectories: true })
  const seen = new Map<string, string>()
  const caps = new Caps()
  for (const e of entries) {
    checkPlainName(e.name, PackRefused)
    checkNameUnique(seen, e.name, PackRefused)
    caps.add(e.name, e.size)
    checkRatio(e, PackRefused)
  }
  // A pack zipped with its folder (`mean-of-list/exercise.json`): the folder's name is dropped. Not a
  // pack's names: read as they are, and refused below for the missing exercise.json.
  const prefix = packRoot(entries.map((e) => e.name)) ?? ''
  const files = new Map<string, Buffer>()
  for (const e of entries) {
    const chunks: Uint8Array[] = []
    await inflateEntry(buf, e, (c) => chunks.push(Buffer.from(c)), PackRefused)
    files.set(e.name.slice(prefix.length), Buffer.concat(chunks))
  }
  return checkPack(files)
}

/** Reads a pack folder without following any link; nothing is written. */
export function readPackFolder(root: string): ReadPack {
  const files = new Map<string, Buffer>()
  const seen = new Map<string, string>()
  const caps = new Caps()
  const walk = (dir: string, rel: string, depth: number): void => {
    if (depth > MAX_DEPTH) throw new PackRefused(`${JSON.stringify(rel)} is nested too deeply`)
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name
      checkPlainName(name, PackRefused)
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        walk(full, name, depth + 1)
        continue
      }
      if (entry.isSymbolicLink())
        throw new PackRefused(`${JSON.stringify(name)} is a symbolic link`)
      if (!entry.isFile()) throw new PackRefused(`${JSON.stringify(name)} is not a regular file`)
      checkNameUnique(seen, name, PackRefused)
      const fd = fs.openSync(full, O_SAFE_READ)
      try {
        const st = fs.fstatSync(fd)
        if (!st.isFile()) throw new PackRefused(`${JSON.stringify(name)} is not a regular file`)
        caps.add(name, st.size)
        files.set(name, fs.readFileSync(fd))
      } finally {
        fs.closeSync(fd)
      }
    }
  }
  let st: fs.Stats
  try {
    st = fs.lstatSync(root)
  } catch {
    throw new PackRefused(`no pack folder at ${root}`)
  }
  if (!st.isDirectory()) throw new PackRefused(`${root} is not a folder`)
  walk(root, '', 0)
  return checkPack(files)
}

function manifestOf(files: Map<string, Buffer>): PackManifest {
  const list = [...files]
    .map(([p, b]) => ({ path: p, size: b.length, sha256: sha256(b) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { format: 1, files: list }
}

/** A manifest.json the pack carries must list exactly its other files, with their sizes and hashes. */
function checkCarriedManifest(text: Buffer, computed: PackManifest): void {
  let raw: unknown
  try {
    raw = JSON.parse(text.toString('utf8')) as unknown
  } catch {
    throw new PackRefused(`${MANIFEST_FILE} is not valid JSON`)
  }
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) {
    throw new PackRefused(`${MANIFEST_FILE}: ${describeIssue(parsed.error, raw)}`)
  }
  const listed = new Map(parsed.data.files.map((f) => [f.path, f]))
  for (const f of computed.files) {
    const m = listed.get(f.path)
    if (!m) throw new PackRefused(`${JSON.stringify(f.path)} is not in ${MANIFEST_FILE}`)
    if (m.size !== f.size || m.sha256 !== f.sha256) {
      throw new PackRefused(
        `${JSON.stringify(f.path)} does not match its sha256 in ${MANIFEST_FILE}`,
      )
    }
    listed.delete(f.path)
  }
  const extra = [...listed.keys()][0]
  if (extra !== undefined) {
    throw new PackRefused(`${JSON.stringify(extra)} is in ${MANIFEST_FILE} but not in the pack`)
  }
}

function checkPack(all: Map<string, Buffer>): ReadPack {
  const files = new Map(all)
  const carried = files.get(MANIFEST_FILE)
  files.delete(MANIFEST_FILE)
  const spec = files.get(EXERCISE_FILE)
  if (!spec) throw new PackRefused(`${EXERCISE_FILE} is missing: not an exercise pack`)
  const manifest = manifestOf(files)
  if (carried) checkCarriedManifest(carried, manifest)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(spec)
  } catch {
    throw new PackRefused(`${EXERCISE_FILE} is not UTF-8 text`)
  }
  const parsed = parseExerciseSpec(text, new Set(files.keys()))
  for (const p of [parsed.instructions, parsed.starter]) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(files.get(p))
    } catch {
      throw new PackRefused(`${JSON.stringify(p)} is not UTF-8 text`)
    }
  }
  return {
    spec: parsed,
    files,
    manifest,
    packSha256: sha256(JSON.stringify(manifest.files)),
  }
}
