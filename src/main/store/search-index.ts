import fs from 'node:fs'
import type { RunRecord } from '../../shared/record'

/**
 * What is kept per run for history search, and the bound on the whole index. Per run at most
 * 8 KiB of code + 4 KiB of stdout head + 1 KiB of error message + id/environment/error type
 * (≈13.3 K characters; a run's text is one byte per character unless it holds non-Latin-1
 * characters). In total at most 64 Mi characters: runs past that bound are searched from disk.
 */
export const SEARCH_LIMITS = {
  codeBytes: 8 * 1024,
  stdoutBytes: 4 * 1024,
  errorChars: 1024,
  totalChars: 64 * 1024 * 1024,
}

export type SearchLimits = typeof SEARCH_LIMITS

/** Where the index reads a run's files (the store's folders). */
export interface SearchSource {
  get(id: string): RunRecord | undefined
  /** How many runs the store holds. */
  count(): number
  codeFile(id: string): string
  stdoutFile(id: string): string
}

/** The first `bytes` bytes of a file as UTF-8 ('' when it does not exist). */
export function readHead(file: string, bytes: number): string {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw err
  }
  try {
    const buf = Buffer.alloc(bytes)
    const n = fs.readSync(fd, buf, 0, bytes, 0)
    return buf.toString('utf8', 0, n)
  } finally {
    fs.closeSync(fd)
  }
}

/** Separates the fields of a run's text, so that a query cannot match across two of them. */
const SEP = '\u0000'

/**
 * The in-memory search index of the run history: per run, one lower-cased text of its id,
 * environment, error type and message, the head of its code and of its stdout. A run's text is
 * dropped when the run changes or is deleted and rebuilt on the next search that needs it; at
 * start-up the whole index is built in slices that leave the event loop free (`build`). A search
 * narrowing the previous one (same runs, longer query containing the previous one) only looks at
 * the previous matches.
 */
export class SearchIndex {
  private readonly texts = new Map<string, string>()
  private chars = 0
  private version = 0
  private last: { version: number; needle: string; ids: Set<string> } | null = null

  constructor(
    private readonly source: SearchSource,
    private readonly limits: SearchLimits = SEARCH_LIMITS,
  ) {}

  /** Forgets a run's text (it changed or is gone). */
  invalidate(id: string): void {
    this.version++
    const text = this.texts.get(id)
    if (text === undefined) return
    this.chars -= text.length
    this.texts.delete(id)
  }

  /** Runs and characters held now. */
  size(): { runs: number; chars: number } {
    return { runs: this.texts.size, chars: this.chars }
  }

  /** The run's lower-cased searchable text, kept when the total bound allows it. */
  text(id: string): string {
    const cached = this.texts.get(id)
    if (cached !== undefined) return cached
    const record = this.source.get(id)
    if (!record) return ''
    const text = [
      record.id,
      record.environment,
      record.error?.type ?? '',
      (record.error?.message ?? '').slice(0, this.limits.errorChars),
      readHead(this.source.codeFile(id), this.limits.codeBytes),
      readHead(this.source.stdoutFile(id), this.limits.stdoutBytes),
    ]
      .join(SEP)
      .toLowerCase()
    if (this.chars + text.length <= this.limits.totalChars) {
      this.texts.set(id, text)
      this.chars += text.length
    }
    return text
  }

  /** The runs among `records` whose text contains `query` (case-insensitive), in their order. */
  filter(records: RunRecord[], query: string): RunRecord[] {
    const needle = query.toLowerCase()
    const last = this.last
    const narrowing = last !== null && last.version === this.version && needle.includes(last.needle)
    const ids = new Set<string>()
    const out: RunRecord[] = []
    for (const r of records) {
      if (narrowing && !last.ids.has(r.id)) continue
      if (this.text(r.id).includes(needle)) {
        out.push(r)
        ids.add(r.id)
      }
    }
    // Only a search over every run can serve as the base of the next one.
    this.last =
      records.length === this.source.count() ? { version: this.version, needle, ids } : null
    return out
  }

  /**
   * Builds the text of every run in slices of at most `sliceMs` of work, yielding to the event loop
   * between slices. Resolves when done.
   */
  build(ids: string[], sliceMs = 8): Promise<void> {
    return new Promise((resolve) => {
      let i = 0
      const step = (): void => {
        // At least one run per slice, however short the slice.
        const until = performance.now() + sliceMs
        do {
          const id = ids[i++]
          if (id !== undefined && this.source.get(id)) this.text(id)
        } while (i < ids.length && performance.now() < until)
        if (i < ids.length) setImmediate(step)
        else resolve()
      }
      setImmediate(step)
    })
  }
}
