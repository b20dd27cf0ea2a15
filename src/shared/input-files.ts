// A run's own files in /input beside data.json (see docs/run-contract.md, 'Input files'): the
// name rule and the caps, one table for the engine, both transports and the renderer's draft.
import { MiB } from './units'

export const INPUT_FILE_CAPS = Object.freeze({
  /** Bytes of one file. */
  perFileBytes: 20 * MiB,
  /** Bytes of all of a run's files together. */
  totalBytes: 50 * MiB,
  /** Files per run. */
  count: 100,
  /** UTF-8 bytes of a name (a file name on every host file system). */
  nameBytes: 255,
})

/** The name /input/data.json already has: no input file may take it (in any letter case). */
export const RESERVED_INPUT_NAME = 'data.json'

/** One input file of a run as the record and `runs:get` show it. */
export interface InputFileInfo {
  name: string
  size: number
  sha256: string
}

/**
 * An input file given with `runs:start`: its bytes as base64, or a file of an earlier run — `path`
 * names an artifact of it, else one of its input files; `kind` says which when both could match.
 */
export type InputFileArg =
  | { name: string; data: string }
  | { name: string; fromRun: string; path: string; kind?: 'artifact' | 'input' }

/**
 * Why `name` cannot be an input file's name, or null. The artifact rule (no `\`, NUL, empty, `.`
 * or `..` segment; see docs/security.md, 'Artifacts') narrowed to one segment: no `/`, no control
 * character, at most 255 UTF-8 bytes, not data.json.
 */
export function inputFileNameProblem(name: string): string | null {
  const shown = JSON.stringify(name)
  if (name === '' || name === '.' || name === '..') return `${shown} is not a file name`
  if (name.includes('/') || name.includes('\\'))
    return `${shown} must be a plain file name (no / or \\)`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return `${shown} contains a control character`
  if (new TextEncoder().encode(name).length > INPUT_FILE_CAPS.nameBytes)
    return `${shown.slice(0, 40)}… is longer than ${INPUT_FILE_CAPS.nameBytes} bytes`
  if (name.toLowerCase() === RESERVED_INPUT_NAME)
    return `${shown} is reserved for the JSON input (/input/data.json)`
  if (name !== name.normalize('NFC')) return `${shown} is not in Unicode normal form C`
  return null
}

/**
 * Why a run's set of input files cannot be taken (a bad name, the same name twice, a cap passed),
 * or null. Names are compared case-insensitively: a case-insensitive host file system (and a
 * bundle) would hold them as one file.
 */
export function inputFilesProblem(files: readonly { name: string; size: number }[]): string | null {
  if (files.length > INPUT_FILE_CAPS.count)
    return `${files.length} input files, over the cap of ${INPUT_FILE_CAPS.count}`
  const seen = new Set<string>()
  let total = 0
  for (const f of files) {
    const bad = inputFileNameProblem(f.name)
    if (bad) return bad
    const folded = f.name.toLowerCase()
    if (seen.has(folded)) return `${JSON.stringify(f.name)} is given twice`
    seen.add(folded)
    if (f.size > INPUT_FILE_CAPS.perFileBytes)
      return `${JSON.stringify(f.name)} is ${f.size} bytes, over the cap of ${INPUT_FILE_CAPS.perFileBytes} bytes (20 MiB) per file`
    total += f.size
  }
  if (total > INPUT_FILE_CAPS.totalBytes)
    return `input files total ${total} bytes, over the cap of ${INPUT_FILE_CAPS.totalBytes} bytes (50 MiB) per run`
  return null
}
