import fs from 'node:fs'
import path from 'node:path'
import type { RunRecord } from '../../shared/record'
import type { RunStatus } from '../../shared/run'
import { collectArtifacts } from '../engine/artifact-walker'
import { DEFAULT_LIMITS } from '../engine/limits'
import { ARTIFACTS_DIR, CODE_FILE, INPUT_FILE } from '../engine/run-folder'
import { writeFileAtomic } from './atomic-write'

const RUN_FILE = 'run.json'
export const STDOUT_FILE = 'stdout.txt'
export const STDERR_FILE = 'stderr.txt'
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id) && !id.includes('..')
}

export interface ListQuery {
  status?: RunStatus
  environment?: string
  /** Case-insensitive text search over the code. */
  q?: string
  limit: number
  offset: number
}

export interface ListPage {
  items: RunRecord[]
  hasMore: boolean
  total: number
}

/**
 * Run history on disk: one folder per run (`run.json`, `main.py`, `input.json`, `stdout.txt`,
 * `stderr.txt`, `artifacts/`), every metadata write atomic. An in-memory index of the records is
 * loaded once at start-up and kept in step with every write.
 */
export class RunStore {
  readonly runsDir: string
  private readonly index = new Map<string, RunRecord>()
  private readonly deleteListeners = new Set<(id: string) => void>()

  constructor(readonly dataDir: string) {
    this.runsDir = path.join(dataDir, 'runs')
    fs.mkdirSync(this.runsDir, { recursive: true })
    this.load()
  }

  private load(): void {
    for (const entry of fs.readdirSync(this.runsDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !isValidRunId(entry.name)) continue
      const file = path.join(this.runsDir, entry.name, RUN_FILE)
      try {
        const record = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord
        if (record.id === entry.name) this.index.set(record.id, record)
      } catch {
        // A folder without a readable run.json is not a run (e.g. a crash before the first write).
      }
    }
  }

  runDir(id: string): string {
    if (!isValidRunId(id)) throw new Error(`invalid run id: ${id}`)
    return path.join(this.runsDir, id)
  }

  has(id: string): boolean {
    return this.index.has(id)
  }

  get(id: string): RunRecord | undefined {
    return this.index.get(id)
  }

  all(): RunRecord[] {
    return [...this.index.values()]
  }

  /** Persists a new or changed record atomically and updates the index. */
  save(record: RunRecord): void {
    const dir = this.runDir(record.id)
    fs.mkdirSync(dir, { recursive: true })
    writeFileAtomic(path.join(dir, RUN_FILE), JSON.stringify(record, null, 2))
    this.index.set(record.id, record)
  }

  update(id: string, patch: Partial<RunRecord>): RunRecord {
    const current = this.index.get(id)
    if (!current) throw new Error(`run not found: ${id}`)
    const next = { ...current, ...patch, id }
    this.save(next)
    return next
  }

  writeOutput(id: string, stdout: string, stderr: string): void {
    const dir = this.runDir(id)
    writeFileAtomic(path.join(dir, STDOUT_FILE), stdout)
    writeFileAtomic(path.join(dir, STDERR_FILE), stderr)
  }

  readText(
    id: string,
    file: typeof STDOUT_FILE | typeof STDERR_FILE | typeof CODE_FILE | typeof INPUT_FILE,
  ): string {
    try {
      return fs.readFileSync(path.join(this.runDir(id), file), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''
      throw err
    }
  }

  /** Lower-cased code per run, kept in memory for search (scripts are small; bounded in total). */
  private readonly codeIndex = new Map<string, string>()
  private codeIndexBytes = 0
  private static readonly CODE_INDEX_MAX_BYTES = 64 * 1024 * 1024

  private searchableCode(id: string): string {
    const cached = this.codeIndex.get(id)
    if (cached !== undefined) return cached
    const code = this.readCode(id).toLowerCase()
    if (this.codeIndexBytes + code.length <= RunStore.CODE_INDEX_MAX_BYTES) {
      this.codeIndex.set(id, code)
      this.codeIndexBytes += code.length
    }
    return code
  }

  /** Fills the search index in the background, a few hundred runs per tick. */
  preloadSearchIndex(): void {
    const ids = [...this.index.keys()]
    const step = (): void => {
      for (const id of ids.splice(0, 500)) {
        if (this.index.has(id)) this.searchableCode(id)
      }
      if (ids.length > 0) setImmediate(step)
    }
    setImmediate(step)
  }

  readCode(id: string): string {
    return this.readText(id, CODE_FILE)
  }

  readInput(id: string): unknown {
    const text = this.readText(id, INPUT_FILE)
    return text ? (JSON.parse(text) as unknown) : {}
  }

  artifactsDir(id: string): string {
    return path.join(this.runDir(id), ARTIFACTS_DIR)
  }

  /** Newest first, filtered, paginated. */
  list(query: ListQuery): ListPage {
    const needle = query.q?.toLowerCase()
    const matches = this.all()
      .filter((r) => (query.status ? r.status === query.status : true))
      .filter((r) => (query.environment ? r.environment === query.environment : true))
      .filter((r) => (needle ? this.searchableCode(r.id).includes(needle) : true))
      .sort((a, b) =>
        a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1,
      )
    const items = matches.slice(query.offset, query.offset + query.limit)
    return { items, hasMore: query.offset + items.length < matches.length, total: matches.length }
  }

  delete(id: string): boolean {
    if (!this.index.has(id)) return false
    this.index.delete(id)
    const code = this.codeIndex.get(id)
    if (code !== undefined) {
      this.codeIndexBytes -= code.length
      this.codeIndex.delete(id)
    }
    fs.rmSync(this.runDir(id), { recursive: true, force: true })
    for (const l of this.deleteListeners) l(id)
    return true
  }

  onDelete(listener: (id: string) => void): () => void {
    this.deleteListeners.add(listener)
    return () => this.deleteListeners.delete(listener)
  }

  /**
   * At start-up (after the reaper removed leftover containers): runs a previous process left
   * `queued` or `running` become `failed` / `interrupted`. Whatever a run had written to /output
   * is collected with the safe walker, so partial artifacts are kept and nothing planted is followed.
   */
  reconcile(now = new Date()): RunRecord[] {
    const fixed: RunRecord[] = []
    for (const record of this.all()) {
      if (record.status !== 'queued' && record.status !== 'running') continue
      let artifacts = record.artifacts
      const warnings = [...record.warnings]
      const dir = this.artifactsDir(record.id)
      if (fs.existsSync(dir)) {
        try {
          const walked = collectArtifacts(dir, { ...DEFAULT_LIMITS, ...record.limits })
          artifacts = walked.artifacts
          warnings.push(...walked.warnings)
        } catch (err) {
          warnings.push({
            code: 'artifact_error',
            message: `partial artifacts unreadable: ${(err as Error).message}`,
          })
        }
      }
      const wasRunning = record.status === 'running'
      fixed.push(
        this.update(record.id, {
          status: 'failed',
          error: {
            type: 'interrupted',
            message: wasRunning
              ? 'job interrupted by server restart before completion'
              : 'job interrupted by server restart before it started',
            phase: wasRunning ? 'execution' : null,
          },
          endedAt: now.toISOString(),
          artifacts,
          warnings,
        }),
      )
    }
    return fixed
  }
}
