// The input files of a run request, resolved to bytes (see docs/run-contract.md, 'Input files'):
// base64 decoded strictly, a reference to an earlier run's artifact or input file read from that
// run's folder (never through a link), then the one name rule and the caps. Each problem is an
// InvalidArgument naming the field and the file, so both transports say exactly what was wrong.
import fs from 'node:fs'
import { inputFilesProblem, INPUT_FILE_CAPS } from '../../shared/input-files'
import { readInputFile, type InputFileSpec } from '../engine/input-files'
import { isValidRunId, type RunStore } from '../store/run-store'
import { openArtifact } from './artifact-access'
import { InvalidArgument } from './errors'

/** Where a request's input file comes from, in neutral terms. */
export type InputFileSource =
  | { name: string; data: string | Buffer }
  /** `path` names an artifact of the run, else one of its input files (`kind` says which). */
  | { name: string; fromRun: string; path: string; kind?: 'artifact' | 'input' | undefined }

// A plain character class (a grouped repetition overflows the regex stack on 20 MiB strings).
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function refuse(message: string, input: unknown = null): never {
  throw InvalidArgument.field('inputFiles', message, input)
}

/** Strict base64 (Buffer.from ignores what it cannot read): the bytes or a refusal. */
function decodeBase64(name: string, text: string): Buffer {
  // A cheap bound before decoding: 4 characters per 3 bytes.
  if (text.length > Math.ceil(INPUT_FILE_CAPS.perFileBytes / 3) * 4 + 4)
    refuse(
      `${JSON.stringify(name)} is over the cap of ${INPUT_FILE_CAPS.perFileBytes} bytes (20 MiB) per file`,
    )
  const compact = text.replace(/[\r\n]/g, '')
  const bad = (): never => refuse(`${JSON.stringify(name)} is not valid base64`)
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) bad()
  const data = Buffer.from(compact, 'base64')
  // Canonical only: what does not encode back to the same text was not read as written.
  if (data.toString('base64') !== compact) bad()
  return data
}

function fromRun(store: RunStore, s: Extract<InputFileSource, { fromRun: string }>): Buffer {
  const shown = JSON.stringify(s.name)
  const rec = isValidRunId(s.fromRun) ? store.get(s.fromRun) : undefined
  if (!rec) refuse(`${shown}: run ${JSON.stringify(s.fromRun)} not found`, s.fromRun)
  if (s.kind !== 'input' && rec.artifacts.some((a) => a.name === s.path)) {
    let opened: ReturnType<typeof openArtifact> | null = null
    try {
      opened = openArtifact(store, rec.id, s.path)
      if (opened.size > INPUT_FILE_CAPS.perFileBytes)
        refuse(
          `${shown}: ${JSON.stringify(s.path)} is ${opened.size} bytes, over the cap of ${INPUT_FILE_CAPS.perFileBytes} bytes (20 MiB) per file`,
        )
      return fs.readFileSync(opened.fd)
    } catch (err) {
      if (err instanceof InvalidArgument && err.issues.length > 0) throw err
      refuse(`${shown}: artifact ${JSON.stringify(s.path)} of run ${rec.id} cannot be read`)
    } finally {
      if (opened) fs.closeSync(opened.fd)
    }
  }
  if (s.kind !== 'artifact' && rec.inputFiles?.some((f) => f.name === s.path)) {
    const data = readInputFile(store.runDir(rec.id), s.path)
    if (data) return data
  }
  refuse(
    `${shown}: run ${rec.id} has no ${s.kind === 'input' ? 'input file' : s.kind === 'artifact' ? 'artifact' : 'artifact or input file'} ${JSON.stringify(s.path)}`,
    s.path,
  )
}

/** The request's files as bytes, checked; InvalidArgument (field `inputFiles`) with the reason. */
export function resolveInputFiles(
  sources: readonly InputFileSource[] | null | undefined,
  store: RunStore | undefined,
): InputFileSpec[] {
  if (!sources || sources.length === 0) return []
  if (sources.length > INPUT_FILE_CAPS.count)
    refuse(`${sources.length} input files, over the cap of ${INPUT_FILE_CAPS.count}`)
  // Names first, so a hostile name is refused before anything is read for it.
  const named = inputFilesProblem(sources.map((s) => ({ name: s.name, size: 0 })))
  if (named) refuse(named)
  const read: { name: string; size: number }[] = []
  const files = sources.map((s): InputFileSpec => {
    let data: Buffer
    if ('data' in s) data = typeof s.data === 'string' ? decodeBase64(s.name, s.data) : s.data
    else {
      if (!store) refuse(`${JSON.stringify(s.name)}: runs cannot be referred to here`)
      data = fromRun(store, s)
    }
    read.push({ name: s.name, size: data.length })
    // Refused as soon as a file or the running total is over its cap, before reading more.
    const why = inputFilesProblem(read)
    if (why) refuse(why)
    return { name: s.name, data }
  })
  return files
}

/** The input files of run `id` as sources for a rerun or fork (its own input files, by name). */
export function inputFilesOf(store: RunStore, id: string): InputFileSource[] {
  const rec = store.get(id)
  if (!rec?.inputFiles?.length) return []
  return rec.inputFiles.map((f) => ({ name: f.name, fromRun: id, path: f.name, kind: 'input' }))
}
