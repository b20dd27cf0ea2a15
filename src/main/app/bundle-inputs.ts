// A run's input files in its bundle (see docs/bundles.md, 'Format'): each one is `input/<name>`
// beside `input/data.json`, listed in the manifest like every file, and held on import to the
// same name rule and caps as a run's input files (see docs/run-contract.md, 'Input files').
import fs from 'node:fs'
import path from 'node:path'
import type { RunRecord } from '../../shared/record'
import { INPUT_FILE_CAPS, inputFileNameProblem } from '../../shared/input-files'
import { inputFilesDir } from '../engine/input-files'
import { O_SAFE_READ } from './artifact-access'
import { BundleRefused, type ZipEntry } from './bundle-zip'

export const INPUT_PREFIX = 'input/'
/** The JSON input's own entry, which is not an input file. */
const DATA_ENTRY = 'input/data.json'

/** True for an `input/<name>` entry that is an input file (not input/data.json). */
export function isInputFileEntry(entry: string): boolean {
  return entry.startsWith(INPUT_PREFIX) && entry !== DATA_ENTRY
}

/** Refuses an `input/<name>` entry whose name breaks the input file rule. */
export function checkInputEntryName(entry: string): void {
  const why = inputFileNameProblem(entry.slice(INPUT_PREFIX.length))
  if (why) throw new BundleRefused(`${JSON.stringify(entry)} is not a valid input file (${why})`)
}

/** The count and total caps of a bundle's input files (each entry's own cap is checked with the rest). */
export function checkInputEntryCaps(entries: readonly ZipEntry[]): void {
  const inputs = entries.filter((e) => isInputFileEntry(e.name))
  if (inputs.length > INPUT_FILE_CAPS.count)
    throw new BundleRefused(
      `${inputs.length} input files, over the cap of ${INPUT_FILE_CAPS.count}`,
    )
  const total = inputs.reduce((n, e) => n + e.size, 0)
  if (total > INPUT_FILE_CAPS.totalBytes)
    throw new BundleRefused(
      `input files total ${total} bytes, over the cap of ${INPUT_FILE_CAPS.totalBytes}`,
    )
}

/** The input files of run.json are exactly the bundle's `input/<name>` entries, byte for byte. */
export function checkInputFilesMatch(
  record: RunRecord,
  files: ReadonlyMap<string, ZipEntry>,
  hashes: ReadonlyMap<string, string>,
): void {
  const names = new Set<string>()
  for (const f of record.inputFiles ?? []) {
    const entry = `${INPUT_PREFIX}${f.name}`
    names.add(entry)
    if (!files.has(entry))
      throw new BundleRefused(
        `input file ${JSON.stringify(f.name)} of run.json is not in the bundle`,
      )
    if (hashes.get(entry) !== f.sha256 || files.get(entry)!.size !== f.size)
      throw new BundleRefused(
        `input file ${JSON.stringify(f.name)} differs from what run.json records`,
      )
  }
  for (const name of files.keys()) {
    if (isInputFileEntry(name) && !names.has(name))
      throw new BundleRefused(`${JSON.stringify(name)} is not an input file of the run`)
  }
}

/** Opens input file `name` of the run in `runDir` without following a link (close the fd). */
export function openInputFile(runDir: string, name: string): number {
  const fd = fs.openSync(path.join(inputFilesDir(runDir), name), O_SAFE_READ)
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd)
    throw new BundleRefused(`input file ${JSON.stringify(name)} of the run is not a file`)
  }
  return fd
}

/** Where an imported `input/<name>` entry lands in the new run's folder. */
export function inputFileTarget(dir: string, entry: string): string {
  return path.join(inputFilesDir(dir), entry.slice(INPUT_PREFIX.length))
}
