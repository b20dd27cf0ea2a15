// The one way an artifact file is reached from outside a run (see docs/security.md, 'Artifacts'):
// the HTTP artifact route and the desktop app's `tako-artifact://` protocol both come through here.
// A name is served only if it is a plain relative path in the run's manifest, its real path (links
// resolved now, not when the run was indexed) lies inside the run's artifacts folder, and the file
// opened without following a link is still a regular file.
import fs from 'node:fs'
import path from 'node:path'
import type { ArtifactInfo } from '../../shared/run'
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

/** Opens artifact `name` of run `runId`, or throws InvalidArgument / NotFound. Close `fd` after use. */
export function openArtifact(store: RunStore, runId: string, name: string): OpenArtifact {
  checkArtifactPath(name)
  const rec = isValidRunId(runId) ? store.get(runId) : undefined
  if (!rec) throw new NotFound('Job not found')
  const artifact = rec.artifacts.find((a) => a.name === name)
  if (!artifact) throw new NotFound('Artifact not found')
  const root = store.artifactsDir(rec.id)
  let realRoot: string
  let realFile: string
  try {
    realRoot = fs.realpathSync(root)
    realFile = fs.realpathSync(path.join(root, name))
  } catch {
    throw new NotFound('Artifact file not found')
  }
  if (!realFile.startsWith(realRoot + path.sep)) throw new InvalidArgument('Invalid artifact path')
  let fd: number
  try {
    fd = fs.openSync(realFile, O_SAFE_READ)
  } catch {
    throw new NotFound('Artifact file not found')
  }
  const st = fs.fstatSync(fd)
  if (!st.isFile()) {
    fs.closeSync(fd)
    throw new NotFound('Artifact file not found')
  }
  return { artifact, file: realFile, fd, size: st.size }
}
