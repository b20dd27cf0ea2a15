// The one way an artifact file is reached from outside a run (see docs/security.md, 'Artifacts'):
// the HTTP artifact route and the desktop app's `tako-artifact://` protocol both come through here.
// A name is served only if it is a plain relative path in the run's manifest, its real path (links
// resolved now, not when the run was indexed) lies inside the run's artifacts folder, and the file
// opened without following a link is still a regular file. A run's input files are served by the
// same rules, from its `input-files/` folder and its record's list of input files.
import fs from 'node:fs'
import path from 'node:path'
import { inputFileNameProblem } from '../../shared/input-files'
import type { ArtifactInfo } from '../../shared/run'
import { contentTypeFor } from '../engine/content-type'
import { inputFilesDir } from '../engine/input-files'
import { isValidRunId, type RunStore } from '../store/run-store'
import { InvalidArgument, NotFound } from './errors'

/** Never follows a link in the last component; never blocks on a FIFO. */
export const O_SAFE_READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK

export interface OpenArtifact {
  artifact: ArtifactInfo
  /** The real path that was opened. */
  file: string
  fd: number
  size: number
}

/** Rejects anything but a plain relative path of normal segments. */
export function checkArtifactPath(name: string): void {
  const segments = name.split('/')
  if (
    name.length === 0 ||
    name.length > 4096 ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new InvalidArgument('Invalid artifact path')
  }
}

/**
 * Opens `name` under `root`: its real path (links resolved now) must lie inside the real `root`, and
 * the file, opened without following a link, must be a regular file. `what` names it in errors.
 */
function openInside(root: string, name: string, what: string): Omit<OpenArtifact, 'artifact'> {
  let realRoot: string
  let realFile: string
  try {
    realRoot = fs.realpathSync(root)
    realFile = fs.realpathSync(path.join(root, name))
  } catch {
    throw new NotFound(`${what} file not found`)
  }
  if (!realFile.startsWith(realRoot + path.sep))
    throw new InvalidArgument(`Invalid ${what.toLowerCase()} path`)
  let fd: number
  try {
    fd = fs.openSync(realFile, O_SAFE_READ)
  } catch {
    throw new NotFound(`${what} file not found`)
  }
  const st = fs.fstatSync(fd)
  if (!st.isFile()) {
    fs.closeSync(fd)
    throw new NotFound(`${what} file not found`)
  }
  return { file: realFile, fd, size: st.size }
}

/** Opens artifact `name` of run `runId`, or throws InvalidArgument / NotFound. Close `fd` after use. */
export function openArtifact(store: RunStore, runId: string, name: string): OpenArtifact {
  checkArtifactPath(name)
  const rec = isValidRunId(runId) ? store.get(runId) : undefined
  if (!rec) throw new NotFound('Job not found')
  const artifact = rec.artifacts.find((a) => a.name === name)
  if (!artifact) throw new NotFound('Artifact not found')
  return { artifact, ...openInside(store.artifactsDir(rec.id), name, 'Artifact') }
}

/**
 * Opens input file `name` of run `runId` (a name in its record, under its `input-files/` folder),
 * described as an artifact (its content type from the name), or throws InvalidArgument / NotFound.
 */
export function openInputFile(store: RunStore, runId: string, name: string): OpenArtifact {
  if (inputFileNameProblem(name) !== null) throw new InvalidArgument('Invalid input file name')
  const rec = isValidRunId(runId) ? store.get(runId) : undefined
  if (!rec) throw new NotFound('Job not found')
  const info = rec.inputFiles?.find((f) => f.name === name)
  if (!info) throw new NotFound('Input file not found')
  // The folder is the app's own, never a link (nothing of the run can write there).
  const root = inputFilesDir(store.runDir(rec.id))
  const folder = fs.lstatSync(root, { throwIfNoEntry: false })
  if (!folder) throw new NotFound('Input file not found')
  if (!folder.isDirectory()) throw new InvalidArgument('Invalid input path')
  const opened = openInside(root, name, 'Input')
  const artifact: ArtifactInfo = {
    name,
    sizeBytes: info.size,
    sha256: info.sha256,
    contentType: contentTypeFor(name),
  }
  return { artifact, ...opened }
}
