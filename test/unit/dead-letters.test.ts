// The dead-letter queue derived from the run store (a real RunStore on a temp folder).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/shared/record'
import type { RunError, RunStatus } from '../../src/shared/run'
import { runRecord } from '../fixtures/run-record'
import { DeadLetterQueue } from '../../src/main/store/dead-letters'
import { RunStore } from '../../src/main/store/run-store'

function record(id: string, status: RunStatus, error: RunError | null, endedAt: string): RunRecord {
  return runRecord(id, {
    status,
    image: 'tako-vm/default:x',
    createdAt: '2026-12-01T10:00:00.000Z',
    startedAt: null,
    endedAt,
    durationMs: 0,
    error,
    codeHash: 'c',
    inputHash: 'i',
    codePreview: 'print(1)',
  })
}

const err = (type: RunError['type']): RunError => ({ type, message: type, phase: null })

function seeded(): { store: RunStore; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-dlq-'))
  const store = new RunStore(dir)
  store.save(record('a', 'failed', err('interrupted'), '2026-12-01T10:00:01.000Z'))
  store.save(record('b', 'failed', err('service_unavailable'), '2026-12-01T10:00:03.000Z'))
  store.save(record('c', 'failed', err('image_missing'), '2026-12-01T10:00:02.000Z'))
  store.save(record('d', 'failed', err('division_error'), '2026-12-01T10:00:04.000Z'))
  store.save(record('e', 'timeout', err('timeout'), '2026-12-01T10:00:05.000Z'))
  store.save(record('f', 'cancelled', err('cancelled'), '2026-12-01T10:00:06.000Z'))
  store.save(record('g', 'succeeded', null, '2026-12-01T10:00:07.000Z'))
  store.save(record('h', 'failed', err('internal_error'), '2026-12-01T10:00:00.000Z'))
  return { store, dir }
}

describe('DeadLetterQueue', () => {
  it('holds only runs failed for an infrastructure reason, newest first', () => {
    const { store } = seeded()
    const dlq = new DeadLetterQueue(store)
    expect(dlq.entries().map((r) => r.id)).toEqual(['b', 'c', 'a', 'h'])
    expect(dlq.stats()).toEqual({
      total: 4,
      by_error_type: {
        interrupted: 1,
        service_unavailable: 1,
        image_missing: 1,
        internal_error: 1,
      },
    })
    expect(dlq.page(2, 0)).toMatchObject({ hasMore: true })
    expect(dlq.page(2, 2).items.map((r) => r.id)).toEqual(['a', 'h'])
    expect(dlq.page(2, 2).hasMore).toBe(false)
  })

  it('removal keeps the run, survives a new store on the same folder, refuses non-entries', () => {
    const { store, dir } = seeded()
    const dlq = new DeadLetterQueue(store)
    expect(dlq.remove('b')).toBe(true)
    expect(dlq.remove('b')).toBe(false)
    expect(dlq.remove('d')).toBe(false)
    expect(dlq.remove('nope')).toBe(false)
    expect(store.get('b')?.status).toBe('failed')
    const reopened = new DeadLetterQueue(new RunStore(dir))
    expect(reopened.entries().map((r) => r.id)).toEqual(['c', 'a', 'h'])
  })

  it('a deleted run leaves the queue and the list of removed entries', () => {
    const { store, dir } = seeded()
    const dlq = new DeadLetterQueue(store)
    dlq.remove('b')
    store.delete('a')
    store.delete('b')
    expect(dlq.entries().map((r) => r.id)).toEqual(['c', 'h'])
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'dlq-dismissed.json'), 'utf8'))).toEqual([])
  })

  it('an unreadable list of removed entries counts as empty, not as an error', () => {
    const { store, dir } = seeded()
    fs.writeFileSync(path.join(dir, 'dlq-dismissed.json'), '{not json')
    expect(new DeadLetterQueue(store).stats().total).toBe(4)
  })
})
