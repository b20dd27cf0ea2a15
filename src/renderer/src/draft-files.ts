// The draft's input files (see docs/run-contract.md, 'Input files'): picked or dropped files read
// as base64, or files of an earlier run carried over by reference (fork), checked with the same
// name rule and caps as the main process.
import type { InputFileArg } from '../../shared/input-files'
import { inputFilesProblem } from '../../shared/input-files'

/** One file of the draft: its bytes (base64) or a file of an earlier run; `size` in bytes. */
export type DraftFile = InputFileArg & { size: number }

/** Base64 of a file's bytes, in slices (String.fromCharCode takes a bounded argument list). */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/** The draft's files with `added` put in (a file of the same name is replaced). */
export function withFiles(files: readonly DraftFile[], added: readonly DraftFile[]): DraftFile[] {
  const names = new Set(added.map((f) => f.name.toLowerCase()))
  return [...files.filter((f) => !names.has(f.name.toLowerCase())), ...added]
}

/** Why the draft's files cannot be sent, or null. */
export function draftFilesProblem(files: readonly DraftFile[]): string | null {
  return inputFilesProblem(files)
}

/** `runs:start`'s `inputFiles` (without the sizes, which the main process measures itself). */
export function inputFileArgs(files: readonly DraftFile[]): InputFileArg[] {
  return files.map((f) =>
    'data' in f
      ? { name: f.name, data: f.data }
      : { name: f.name, fromRun: f.fromRun, path: f.path, ...(f.kind ? { kind: f.kind } : {}) },
  )
}
