import fs from 'node:fs'
import path from 'node:path'
import type { SandboxUser } from './container-spec'
import { writeInputFiles, type InputFileSpec } from './input-files'

/**
 * The layout of a run's host folder (see docs/run-contract.md): the code and the input, written
 * read-only, and the folder mounted as /output. The store and the server find a run's files by
 * these names.
 */
export const CODE_FILE = 'main.py'
export const INPUT_FILE = 'input.json'
export const ARTIFACTS_DIR = 'artifacts'
/** A run's batch standard input, when it has one (never mounted; the host feeds it). */
export const STDIN_FILE = 'stdin.txt'

export interface RunPaths {
  codeFile: string
  inputFile: string
  outputDir: string
}

/**
 * Hands a folder the app made (an /output) to the sandbox user: root on Linux gives it to the run's
 * uid; a non-root app shares it through its own group (mode 2770: the run, group G, may write; new
 * entries inherit G), and closes the folder around it (the run's or the warm slot's) to everyone
 * else, since G may have other members (e.g. `users`). See docs/security.md, 'One uid per run'.
 */
export function chownToSandbox(target: string, user: SandboxUser): void {
  if (user.sharedGroup) {
    fs.chmodSync(path.dirname(target), 0o700)
    fs.chmodSync(target, 0o2770)
  } else if (process.getuid?.() === 0 && process.platform === 'linux') {
    fs.chownSync(target, user.uid, user.gid)
  }
}

/** A fresh, empty /output folder only its owner (or, shared, its group) can enter. */
export function makeOutputDir(outputDir: string, user: SandboxUser): void {
  fs.rmSync(outputDir, { recursive: true, force: true })
  fs.mkdirSync(outputDir, { recursive: true, mode: 0o700 })
  chownToSandbox(outputDir, user)
}

/**
 * Writes a run's files: code, input, input files given as bytes and batch stdin read-only, an
 * empty output folder the sandbox user owns.
 */
export function prepareRunDir(
  run: {
    runDir: string
    code: string
    inputData: unknown
    stdinText?: string | null
    inputFiles?: readonly InputFileSpec[] | null
  },
  user: SandboxUser,
): RunPaths {
  fs.mkdirSync(run.runDir, { recursive: true })
  const codeFile = path.join(run.runDir, CODE_FILE)
  const inputFile = path.join(run.runDir, INPUT_FILE)
  const outputDir = path.join(run.runDir, ARTIFACTS_DIR)
  writeReadOnly(codeFile, run.code)
  // Any JSON value (null included); a run given none gets {}.
  writeReadOnly(inputFile, JSON.stringify(run.inputData === undefined ? {} : run.inputData))
  writeInputFiles(run.runDir, run.inputFiles ?? [])
  if (run.stdinText) writeReadOnly(path.join(run.runDir, STDIN_FILE), run.stdinText)
  makeOutputDir(outputDir, user)
  return { codeFile, inputFile, outputDir }
}

function writeReadOnly(file: string, content: string): void {
  try {
    fs.chmodSync(file, 0o600)
  } catch {
    // not there yet
  }
  fs.writeFileSync(file, content, { mode: 0o444 })
  fs.chmodSync(file, 0o444)
}
