import fs from 'node:fs'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import type { RunRecord } from '../../shared/record'
import type { Core } from '../app/core'
import { createLifecycle, type Lifecycle } from '../app/lifecycle'
import { CODE_FILE, INPUT_FILE } from '../engine/run-folder'
import { isValidRunId, STDERR_FILE, STDOUT_FILE } from '../store/run-store'
import type { InputSizes } from './dto'
import { HttpError, parseJson, readBody } from './http-util'

/** What every route module needs: the core plus small shared lookups. */
export interface ApiContext {
  core: Core
  /** The one rule for start, rerun, fork, cancel and delete (shared with the app's handlers). */
  lifecycle: Lifecycle
  getRecordOr404(id: string, message?: string): RunRecord
  outputs(id: string): { stdout: string; stderr: string }
  inputSizes(id: string): InputSizes
  readJsonBody(req: IncomingMessage): Promise<unknown>
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
  }
}
