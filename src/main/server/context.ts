import fs from 'node:fs'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import type { RunRecord } from '../../shared/record'
import type { Core } from '../app/core'
import { createLifecycle, type Lifecycle } from '../app/lifecycle'
import { CODE_FILE, INPUT_FILE } from '../engine/run-folder'
import { isValidRunId, STDERR_FILE, STDOUT_FILE } from '../store/run-store'
import type { InputSizes } from './dto'
import { HttpError, MAX_BODY_BYTES, parseJson, readBody } from './http-util'
import { INPUT_FILE_CAPS } from '../../shared/input-files'
import { KiB } from '../../shared/units'

/**
 * Room a body may take beyond MAX_BODY_BYTES for the base64 of input files: all of a run's bytes
 * (4 characters per 3), plus their names.
 */
const INPUT_FILES_BODY_BYTES =
  Math.ceil(INPUT_FILE_CAPS.totalBytes / 3) * 4 + INPUT_FILE_CAPS.count * 2 * KiB

/** The base64 characters of a parsed body's input files (what `filesOf` adds up). */
export type FilesOf = (body: unknown) => number

/** What every route module needs: the core plus small shared lookups. */
export interface ApiContext {
  core: Core
  /** The one rule for start, rerun, fork, cancel and delete (shared with the app's handlers). */
  lifecycle: Lifecycle
  getRecordOr404(id: string, message?: string): RunRecord
  outputs(id: string): { stdout: string; stderr: string }
  inputSizes(id: string): InputSizes
  readJsonBody(req: IncomingMessage): Promise<unknown>
  /**
   * A JSON body that may carry input files: their base64 does not count towards MAX_BODY_BYTES
   * (Tako VM's 2 MiB), everything else does (see docs/api.md, 'Input files').
   */
  readJsonBodyWithFiles(req: IncomingMessage, filesOf: FilesOf): Promise<unknown>
}

export function createContext(core: Core): ApiContext {
  const { store } = core
  return {
    core,
    lifecycle: createLifecycle(core),
    getRecordOr404(id, message = 'Job not found') {
      const rec = isValidRunId(id) ? store.get(id) : undefined
      if (!rec) throw new HttpError(404, message)
      return rec
    },
    outputs(id) {
      return { stdout: store.readText(id, STDOUT_FILE), stderr: store.readText(id, STDERR_FILE) }
    },
    inputSizes(id) {
      const size = (file: string): number | null => {
        try {
          return fs.statSync(path.join(store.runDir(id), file)).size
        } catch {
          return null
        }
      }
      return { code: size(CODE_FILE), input: size(INPUT_FILE) }
    },
    async readJsonBody(req) {
      const body = await readBody(req)
      if (body.length === 0) return {}
      return parseJson(body)
    },
    async readJsonBodyWithFiles(req, filesOf) {
      const body = await readBody(req, MAX_BODY_BYTES + INPUT_FILES_BODY_BYTES)
      if (body.length === 0) return {}
      if (body.length <= MAX_BODY_BYTES) return parseJson(body)
      const tooLarge = new HttpError(
        413,
        `Payload too large. Maximum allowed size is ${MAX_BODY_BYTES} bytes (not counting input_files).`,
      )
      let parsed: unknown
      try {
        parsed = parseJson(body)
      } catch {
        throw tooLarge
      }
      if (body.length - filesOf(parsed) > MAX_BODY_BYTES) throw tooLarge
      return parsed
    },
  }
}

/** Characters of the string values at `body[field]` (an object of them, or a list of `{data}`). */
export function base64CharsAt(body: unknown, field: string): number {
  if (body === null || typeof body !== 'object') return 0
  const files = (body as Record<string, unknown>)[field]
  if (files === null || typeof files !== 'object') return 0
  let n = 0
  for (const v of Object.values(files)) {
    if (typeof v === 'string') n += v.length
    else if (
      v !== null &&
      typeof v === 'object' &&
      typeof (v as { data?: unknown }).data === 'string'
    )
      n += (v as { data: string }).data.length
  }
  return n
}
