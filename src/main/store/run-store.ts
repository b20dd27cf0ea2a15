import fs from 'node:fs'
import path from 'node:path'
import type { HistorySort } from '../../shared/api'
import { historyOrder } from '../../shared/history-order'
import type { RunRecord } from '../../shared/record'
import type { RunStatus } from '../../shared/run'
import { collectArtifacts } from '../engine/artifact-walker'
import { removeTree } from '../engine/remove-tree'
import { DEFAULT_LIMITS } from '../engine/limits'
import { currentOwner, ownerAlive } from '../engine/owner'
import { ARTIFACTS_DIR, CODE_FILE, INPUT_FILE, STDIN_FILE } from '../engine/run-folder'
import { writeFileAtomic } from './atomic-write'
import { LiveOutput } from './live-output'
import { SearchIndex } from './search-index'

const RUN_FILE = 'run.json'
/** The parsed result.json as JSON text, kept out of run.json and out of memory. */
export const OUTPUT_FILE = 'output.json'
export const STDOUT_FILE = 'stdout.txt'
export const STDERR_FILE = 'stderr.txt'
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id) && !id.includes('..')
}

export interface ListQuery {
  status?: RunStatus
  environment?: string
  /**
   * Case-insensitive text search over the run's id, environment, error type and message, code and
   * the head of its stdout (see SearchIndex).
   */
  q?: string
  /** Only these runs (still filtered by the rest). */
  ids?: string[]
  /** Default newest first. */
  sort?: HistorySort
  limit: number
  offset: number
}

export interface ListPage {
  items: RunRecord[]
  hasMore: boolean
  total: number
}

/** A run.json written before outputs moved to `output.json` carries the output inline. */
type StoredRecord = RunRecord & { outputJson?: string | null }

export interface RunStoreOptions {
  /** Who writes the records (default: this process); recovery leaves live owners' runs alone. */
  owner?: string
  isOwnerAlive?: (owner: string | undefined) => boolean
  /**
   * Opens up a run's artifacts folder that its script locked the app out of, before it is walked or
   * deleted (a non-root app's hand-back, see docs/security.md, 'One uid per run').
   */
  mendOutput?: (artifactsDir: string) => Promise<void>
}

/**
 * Run history on disk: one folder per run (`run.json`, `main.py`, `input.json`, `stdout.txt`,
 * `stderr.txt`, `output.json`, `artifacts/`), every metadata write atomic. An in-memory index of the
 * records (without outputs, which can be 16 MiB each) is loaded once at start-up and kept in step
 * with every write; outputs are read from disk on demand.
 */
export class RunStore {
  readonly runsDir: string
  readonly owner: string
  private readonly isOwnerAlive: (owner: string | undefined) => boolean
  private readonly mendOutput: (artifactsDir: string) => Promise<void>
  private readonly index = new Map<string, RunRecord>()
  /** Runs whose output is still inline in run.json (older folders); moved out on their next save. */
  private readonly inlineOutput = new Set<string>()
  private readonly deleteListeners = new Set<(id: string) => void>()
  /** Bumped on every change of the records; the sorted orders below are kept per version. */
  private version = 0
  private readonly orders = new Map<HistorySort, { version: number; records: RunRecord[] }>()

  constructor(
    readonly dataDir: string,
    options: RunStoreOptions = {},
  ) {
    this.runsDir = path.join(dataDir, 'runs')
    this.owner = options.owner ?? currentOwner()
    this.isOwnerAlive = options.isOwnerAlive ?? ownerAlive
    this.mendOutput = options.mendOutput ?? (() => Promise.resolve())
    fs.mkdirSync(this.runsDir, { recursive: true })
    this.load()
  }

  private load(): void {
    for (const entry of fs.readdirSync(this.runsDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !isValidRunId(entry.name)) continue
      const file = path.join(this.runsDir, entry.name, RUN_FILE)
      try {
        const { outputJson, ...record } = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredRecord
        if (record.id !== entry.name) continue
        this.index.set(record.id, record)
        if (typeof outputJson === 'string') this.inlineOutput.add(record.id)
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

  /** Persists a new or changed record atomically (stamped with this store's owner) and updates the index. */
  save(record: RunRecord): void {
    const dir = this.runDir(record.id)
    fs.mkdirSync(dir, { recursive: true })
    // An older run.json's inline output moves to output.json before run.json is rewritten without it.
    if (this.inlineOutput.has(record.id)) {
      const inline = this.readInlineOutput(record.id)
      if (inline !== null) writeFileAtomic(path.join(dir, OUTPUT_FILE), inline)
      this.inlineOutput.delete(record.id)
    }
    const stamped: StoredRecord = { ...record, owner: this.owner }
    delete stamped.outputJson
    writeFileAtomic(path.join(dir, RUN_FILE), JSON.stringify(stamped, null, 2))
    this.index.set(record.id, stamped)
    this.version++
    this.search.invalidate(record.id)
  }

  /**
   * Adds a finished run whose files come from elsewhere (an imported bundle): `fill` writes them
   * into a staging folder that the store's index never sees; only when it is complete does the
   * folder take the run's name and the record its place in the index. On any failure the staging
   * folder is removed and nothing is added.
   */
  async insertFinished(
    record: RunRecord,
    fill: (dir: string) => Promise<void>,
  ): Promise<RunRecord> {
    if (this.index.has(record.id)) throw new Error(`run exists: ${record.id}`)
    const dir = this.runDir(record.id)
    const staging = path.join(this.runsDir, `.staging-${record.id}`)
    fs.mkdirSync(staging, { mode: 0o755 })
    try {
      await fill(staging)
      fs.renameSync(staging, dir)
    } catch (err) {
      await removeTree(staging)
      throw err
    }
    this.save(record)
    for (const l of this.insertListeners) l(record.id)
    return this.index.get(record.id)!
  }

  private readonly insertListeners = new Set<(id: string) => void>()

  /** Called with the id of each run `insertFinished` adds. */
  onInsert(listener: (id: string) => void): () => void {
    this.insertListeners.add(listener)
    return () => this.insertListeners.delete(listener)
  }

  /** Stores a run's parsed result.json (JSON text), or removes it for null. Write before the final status. */
  writeResultOutput(id: string, outputJson: string | null): void {
    const file = path.join(this.runDir(id), OUTPUT_FILE)
    if (outputJson === null) fs.rmSync(file, { force: true })
    else writeFileAtomic(file, outputJson)
  }

  /** A run's parsed result.json as JSON text, read from disk; null when it has none. */
  readOutput(id: string): string | null {
    try {
      return fs.readFileSync(path.join(this.runDir(id), OUTPUT_FILE), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    return this.inlineOutput.has(id) ? this.readInlineOutput(id) : null
  }

  private readInlineOutput(id: string): string | null {
    try {
      const stored = JSON.parse(
        fs.readFileSync(path.join(this.runDir(id), RUN_FILE), 'utf8'),
      ) as StoredRecord
      return typeof stored.outputJson === 'string' ? stored.outputJson : null
    } catch {
      return null
    }
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
    this.search.invalidate(id)
  }

  /** Opens the run's stdout/stderr files for writing as the output streams (see LiveOutput). */
  openLiveOutput(id: string, caps: { stdoutBytes: number; stderrBytes: number }): LiveOutput {
    const dir = this.runDir(id)
    return new LiveOutput(
      { stdout: path.join(dir, STDOUT_FILE), stderr: path.join(dir, STDERR_FILE) },
      caps,
    )
  }

  readText(
    id: string,
    file:
      | typeof STDOUT_FILE
      | typeof STDERR_FILE
      | typeof CODE_FILE
      | typeof INPUT_FILE
      | typeof STDIN_FILE,
  ): string {
    try {
      return fs.readFileSync(path.join(this.runDir(id), file), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''
      throw err
    }
  }

  /** The history's search index (bounded; see SearchIndex for what it keeps per run). */
  readonly search = new SearchIndex({
    get: (id) => this.index.get(id),
    count: () => this.index.size,
    codeFile: (id) => path.join(this.runDir(id), CODE_FILE),
    stdoutFile: (id) => path.join(this.runDir(id), STDOUT_FILE),
  })

  /** Fills the search index in the background, in slices that leave the event loop free. */
  preloadSearchIndex(): Promise<void> {
    return this.search.build([...this.index.keys()])
  }

  readCode(id: string): string {
    return this.readText(id, CODE_FILE)
  }

  /** The run's batch stdin (`stdin.txt`), or null when it had none. */
  readStdin(id: string): string | null {
    return this.get(id)?.hasStdin ? this.readText(id, STDIN_FILE) : null
  }

  readInput(id: string): unknown {
    const text = this.readText(id, INPUT_FILE)
    return text ? (JSON.parse(text) as unknown) : {}
  }

  artifactsDir(id: string): string {
    return path.join(this.runDir(id), ARTIFACTS_DIR)
  }

  /** Filtered, sorted (newest first unless asked otherwise), paginated. */
  list(query: ListQuery): ListPage {
    const ids = query.ids ? new Set(query.ids) : null
    let matches = this.sorted(query.sort ?? 'newest').filter(
      (r) =>
        (ids === null || ids.has(r.id)) &&
        (!query.status || r.status === query.status) &&
        (!query.environment || r.environment === query.environment),
    )
    if (query.q) matches = this.search.filter(matches, query.q)
    const items = matches.slice(query.offset, query.offset + query.limit)
    return { items, hasMore: query.offset + items.length < matches.length, total: matches.length }
  }

  /** Every run in `sort` order, sorted once per change of the history (lists only filter it). */
  private sorted(sort: HistorySort): RunRecord[] {
    const cached = this.orders.get(sort)
    if (cached?.version === this.version) return cached.records
    const records = this.all().sort(historyOrder(sort, (r) => r.resourceUsage?.maxRssBytes))
    this.orders.set(sort, { version: this.version, records })
    return records
  }

  /** True for a queued/running run that another live process is executing (not ours to touch). */
  ownedByOtherLiveProcess(record: RunRecord): boolean {
    if (record.status !== 'queued' && record.status !== 'running') return false
    return record.owner !== this.owner && this.isOwnerAlive(record.owner)
  }

  /**
   * Deletes a run's folder. False when unknown, or when another live process is running it. The
   * folder may hold up to 10,000 artifacts and whatever a run left past the caps, so it is removed
   * in slices that let the app keep answering.
   */
  async delete(id: string): Promise<boolean> {
    const record = this.index.get(id)
    if (!record || this.ownedByOtherLiveProcess(record)) return false
    this.index.delete(id)
    this.version++
    this.search.invalidate(id)
    await this.mendOutput(this.artifactsDir(id))
    await removeTree(this.runDir(id))
    for (const l of this.deleteListeners) l(id)
    return true
  }

  onDelete(listener: (id: string) => void): () => void {
    this.deleteListeners.add(listener)
    return () => this.deleteListeners.delete(listener)
  }

  /**
   * At start-up (after the reaper removed leftover containers): runs left `queued` or `running` by
   * a process that is gone (or by an older version that did not record its owner) become `failed` /
   * `interrupted`; a live owner's runs are never touched. Whatever a run had written to /output is
   * collected with the safe walker, so partial artifacts are kept and nothing planted is followed;
   * what it printed is in stdout.txt/stderr.txt, written as it streamed.
   */
  async reconcile(now = new Date()): Promise<RunRecord[]> {
    const fixed: RunRecord[] = []
    for (const record of this.all()) {
      if (record.status !== 'queued' && record.status !== 'running') continue
      if (record.owner === this.owner || this.isOwnerAlive(record.owner)) continue
      let artifacts = record.artifacts
      const warnings = [...record.warnings]
      const dir = this.artifactsDir(record.id)
      if (fs.existsSync(dir)) {
        try {
          await this.mendOutput(dir)
          const walked = await collectArtifacts(dir, { ...DEFAULT_LIMITS, ...record.limits })
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
      const stdoutKept = this.fileSize(record.id, STDOUT_FILE)
      const stderrKept = this.fileSize(record.id, STDERR_FILE)
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
          // What the live copy kept; past the cap it ends with a line saying so (see LiveOutput).
          stdoutBytes: stdoutKept,
          stderrBytes: stderrKept,
          stdoutTruncated: stdoutKept > record.limits.stdoutBytes,
          stderrTruncated: stderrKept > record.limits.stderrBytes,
          artifacts,
          warnings,
        }),
      )
    }
    return fixed
  }

  private fileSize(id: string, file: string): number {
    try {
      return fs.statSync(path.join(this.runDir(id), file)).size
    } catch {
      return 0
    }
  }
}
