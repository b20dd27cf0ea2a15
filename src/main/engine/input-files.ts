// A run's own input files (see docs/run-contract.md, 'Input files'): kept in the run folder as
// `input-files/<name>`, read-only, and shown to the script as `/input/<name>` beside data.json —
// one read-only bind per file on the cold path, a link into the warm container's own empty
// /input slot on the warm path. Nothing of another run is ever in either place.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { inputFilesProblem, type InputFileInfo } from '../../shared/input-files'

export const INPUT_FILES_DIR = 'input-files'

/** An input file for a run: its bytes when they still have to be written, else just its name. */
export interface InputFileSpec {
  name: string
  data?: Buffer
}

export function inputFilesDir(runDir: string): string {
  return path.join(runDir, INPUT_FILES_DIR)
}

/** Name, size and sha256 of files given as bytes. */
export function describeInputFiles(
  files: readonly { name: string; data: Buffer }[],
): InputFileInfo[] {
  return files.map((f) => ({
    name: f.name,
    size: f.data.length,
    sha256: createHash('sha256').update(f.data).digest('hex'),
  }))
}

/** Throws when the names or sizes break the rule (the app checked them already; this is the floor). */
function checkFiles(files: readonly InputFileSpec[]): void {
  const why = inputFilesProblem(files.map((f) => ({ name: f.name, size: f.data?.length ?? 0 })))
  if (why) throw new Error(`input files refused: ${why}`)
}

/** Writes the files that carry bytes into `input-files/`, each read-only (0444). */
export function writeInputFiles(runDir: string, files: readonly InputFileSpec[]): void {
  if (files.length === 0) return
  checkFiles(files)
  const dir = inputFilesDir(runDir)
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  for (const f of files) {
    if (!f.data) continue
    const file = path.join(dir, f.name)
    fs.rmSync(file, { force: true })
    fs.writeFileSync(file, f.data, { mode: 0o444, flag: 'wx' })
    fs.chmodSync(file, 0o444)
  }
}

/** The cold container's mounts: each file read-only at /input/<name>. */
export function inputFileMounts(
  runDir: string,
  files: readonly InputFileSpec[],
): { Type: 'bind'; Source: string; Target: string; ReadOnly: true }[] {
  checkFiles(files)
  const dir = inputFilesDir(runDir)
  return files.map((f) => ({
    Type: 'bind',
    Source: path.join(dir, f.name),
    Target: `/input/${f.name}`,
    ReadOnly: true,
  }))
}

/**
 * Puts exactly this run's files into a warm container's /input folder (mounted read-only there):
 * whatever else the folder holds but data.json is removed first, then each file is hard-linked
 * (copied across file systems), read-only.
 */
export function placeInputFiles(
  runDir: string,
  files: readonly InputFileSpec[],
  warmInputDir: string,
): void {
  checkFiles(files)
  for (const entry of fs.readdirSync(warmInputDir)) {
    if (entry !== 'data.json')
      fs.rmSync(path.join(warmInputDir, entry), { recursive: true, force: true })
  }
  const dir = inputFilesDir(runDir)
  for (const f of files) {
    const from = path.join(dir, f.name)
    const to = path.join(warmInputDir, f.name)
    try {
      fs.linkSync(from, to)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
      fs.copyFileSync(from, to)
      fs.chmodSync(to, 0o444)
    }
  }
}

/** The bytes of input file `name` of the run in `runDir`, never through a link; null when absent. */
export function readInputFile(runDir: string, name: string): Buffer | null {
  let fd: number
  try {
    fd = fs.openSync(
      path.join(inputFilesDir(runDir), name),
      fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
    )
  } catch {
    return null
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return null
    return fs.readFileSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}
