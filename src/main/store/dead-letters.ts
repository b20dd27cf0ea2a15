import fs from 'node:fs'
import path from 'node:path'
import type { RunRecord } from '../../shared/record'
import { writeFileAtomic } from './atomic-write'
import type { RunStore } from './run-store'

/**
 * Error types that mean the run failed for a reason outside the script: Docker, the image, the app
 * stopping mid-run, or the app itself (`internal_error`, what Tako VM's queue holds).
 */
export const DEAD_LETTER_TYPES: readonly string[] = [
  'service_unavailable',
  'interrupted',
  'image_missing',
  'internal_error',
]

const DISMISSED_FILE = 'dlq-dismissed.json'

export interface DeadLetterPage {
  items: RunRecord[]
  hasMore: boolean
}

/**
 * Tako VM's dead-letter queue, derived from the run history: an entry is a failed run whose error
 * is one of `DEAD_LETTER_TYPES`; its id is the run's id. An entry leaves when it is removed
 * (`DELETE /dlq/{id}`, remembered in `dlq-dismissed.json`; the run itself stays in the history) or
 * when its run is deleted. See docs/api.md, "Dead-letter queue".
 */
export class DeadLetterQueue {
  private readonly file: string

  constructor(private readonly store: RunStore) {
    this.file = path.join(store.dataDir, DISMISSED_FILE)
    store.onDelete((id) => {
      const dismissed = this.dismissed()
      if (dismissed.delete(id)) this.saveDismissed(dismissed)
    })
  }

  /** Entries, newest first. */
  entries(): RunRecord[] {
    const dismissed = this.dismissed()
    return this.store
      .all()
      .filter(
        (r) =>
          r.status === 'failed' &&
          r.error !== null &&
          DEAD_LETTER_TYPES.includes(r.error.type) &&
          !dismissed.has(r.id),
      )
      .sort((a, b) => enteredAt(b).localeCompare(enteredAt(a)) || b.id.localeCompare(a.id))
  }

  page(limit: number, offset: number): DeadLetterPage {
    const all = this.entries()
    const items = all.slice(offset, offset + limit)
    return { items, hasMore: offset + items.length < all.length }
  }

  stats(): { total: number; by_error_type: Record<string, number> } {
    const byType: Record<string, number> = {}
    const all = this.entries()
    for (const r of all) {
      const type = r.error?.type ?? 'unknown'
      byType[type] = (byType[type] ?? 0) + 1
    }
    return { total: all.length, by_error_type: byType }
  }

  /** Takes an entry off the queue (the run stays in the history). False when there is no such entry. */
  remove(id: string): boolean {
    if (!this.entries().some((r) => r.id === id)) return false
    const dismissed = this.dismissed()
    dismissed.add(id)
    this.saveDismissed(dismissed)
    return true
  }

  private dismissed(): Set<string> {
    try {
      const list = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown
      return new Set(Array.isArray(list) ? list.filter((x) => typeof x === 'string') : [])
    } catch {
      return new Set()
    }
  }

  private saveDismissed(ids: Set<string>): void {
    // Only ids of runs that still exist: the file cannot grow past the history.
    writeFileAtomic(this.file, JSON.stringify([...ids].filter((id) => this.store.has(id))))
  }
}

/** When a run entered the queue: when it ended (a reconciled run: when it was marked interrupted). */
export function enteredAt(r: RunRecord): string {
  return r.endedAt ?? r.createdAt
}
