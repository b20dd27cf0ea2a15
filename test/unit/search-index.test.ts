// The history's search index on a real run store: what it finds (ids, environment, error type and
// message, code, the head of stdout), that it follows saves, output writes and deletes, that it
// stays within its bounds, and that the start-up build yields to the event loop.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { SearchIndex, SEARCH_LIMITS, readHead } from '../../src/main/store/search-index'
import { runRecord } from '../fixtures/run-record'

function store(): RunStore {
  return new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'tako-search-')))
}

function addRun(s: RunStore, id: string, code: string, stdout = '', patch = {}): void {
  s.save(runRecord(id, { status: 'succeeded', codePreview: code.slice(0, 200), ...patch }))
  fs.writeFileSync(path.join(s.runDir(id), 'main.py'), code)
  s.writeOutput(id, stdout, '')
}

const ids = (s: RunStore, q: string): string[] =>
  s.list({ q, limit: 100, offset: 0, sort: 'oldest' }).items.map((r) => r.id)

describe('the history search index', () => {
  it('finds runs by id, code, stdout, error type and message, environment; case-insensitive', () => {
    const s = store()
    addRun(s, 'run-aaa', 'print("alpha")', 'Alpha Output\n')
    addRun(s, 'run-bbb', 'import json', 'nothing here\n', {
      status: 'failed',
      error: { type: 'value_error', message: 'ValueError: bad temperature', phase: 'execution' },
      environment: 'data-processing',
    })
    expect(ids(s, 'ALPHA OUTPUT')).toEqual(['run-aaa'])
    expect(ids(s, 'print("alpha")')).toEqual(['run-aaa'])
    expect(ids(s, 'run-bb')).toEqual(['run-bbb'])
    expect(ids(s, 'value_error')).toEqual(['run-bbb'])
    expect(ids(s, 'bad temperature')).toEqual(['run-bbb'])
    expect(ids(s, 'data-processing')).toEqual(['run-bbb'])
    expect(ids(s, 'run-')).toEqual(['run-aaa', 'run-bbb'])
    expect(ids(s, 'no such text')).toEqual([])
    // A query never matches across two fields (the end of the code and the start of stdout).
    expect(ids(s, 'print("alpha")alpha')).toEqual([])
  })

  it('follows new output, changed records and deletes', async () => {
    const s = store()
    addRun(s, 'run-1', 'print(1)', 'first\n')
    expect(ids(s, 'first')).toEqual(['run-1'])
    s.writeOutput('run-1', 'second\n', '')
    expect(ids(s, 'first')).toEqual([])
    expect(ids(s, 'second')).toEqual(['run-1'])
    s.update('run-1', {
      status: 'failed',
      error: { type: 'timeout', message: 'too slow', phase: null },
    })
    expect(ids(s, 'too slow')).toEqual(['run-1'])
    addRun(s, 'run-2', 'print(2)', 'second again\n')
    expect(ids(s, 'second')).toEqual(['run-1', 'run-2'])
    // Narrowing the previous search still sees a change made in between.
    s.writeOutput('run-1', 'other\n', '')
    expect(ids(s, 'second again')).toEqual(['run-2'])
    expect(ids(s, 'second')).toEqual(['run-2'])
    await s.delete('run-2')
    expect(ids(s, 'second')).toEqual([])
    expect(s.search.size().runs).toBeLessThanOrEqual(1)
  })

  it('keeps only the head of stdout and code, and no more than its total bound', () => {
    const s = store()
    const tail = 'TAIL_MARKER'
    addRun(s, 'big', 'x = 1\n', 'a'.repeat(SEARCH_LIMITS.stdoutBytes) + tail)
    expect(ids(s, 'aaaa')).toEqual(['big'])
    expect(ids(s, tail)).toEqual([])
    const text = s.search.text('big')
    expect(text.length).toBeLessThanOrEqual(
      SEARCH_LIMITS.codeBytes + SEARCH_LIMITS.stdoutBytes + SEARCH_LIMITS.errorChars + 200,
    )

    // A tiny bound: runs past it are still found (read from disk), but not kept.
    const runs = new Map([
      ['r1', runRecord('r1')],
      ['r2', runRecord('r2')],
    ])
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-search-'))
    fs.writeFileSync(path.join(dir, 'code'), 'print("kept or not")')
    const small = new SearchIndex(
      {
        get: (id) => runs.get(id),
        count: () => runs.size,
        codeFile: () => path.join(dir, 'code'),
        stdoutFile: () => path.join(dir, 'missing'),
      },
      { ...SEARCH_LIMITS, totalChars: 40 },
    )
    expect(small.filter([...runs.values()], 'kept or not').map((r) => r.id)).toEqual(['r1', 'r2'])
    expect(small.size().runs).toBe(1)
    expect(small.size().chars).toBeLessThanOrEqual(40)
  })

  it('builds the whole index at start-up in slices, letting timers run in between', async () => {
    const s = store()
    for (let i = 0; i < 100; i++) addRun(s, `run-${i}`, `print(${i})`, `line ${i}\n`)
    const fresh = new RunStore(s.dataDir)
    expect(fresh.search.size().runs).toBe(0)
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    // A slice of at most 0 ms: one run per turn of the event loop.
    await fresh.search.build(
      fresh.all().map((r) => r.id),
      0,
    )
    clearInterval(timer)
    expect(fresh.search.size().runs).toBe(100)
    expect(ticks).toBeGreaterThan(1)
  }, 30_000)

  it('reads only the head of a file, and nothing for a missing one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-search-'))
    fs.writeFileSync(path.join(dir, 'f'), 'héllo world')
    expect(readHead(path.join(dir, 'f'), 6)).toBe('héllo')
    expect(readHead(path.join(dir, 'none'), 6)).toBe('')
  })
})

describe('history order', () => {
  it('sorts by newest, oldest, duration and peak memory (runs without a value last)', () => {
    const s = store()
    const at = (i: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()
    addRun(s, 'a', 'a', '', { createdAt: at(1), durationMs: 50, resourceUsage: null })
    addRun(s, 'b', 'b', '', {
      createdAt: at(2),
      durationMs: 900,
      resourceUsage: { maxRssBytes: 10, cpuTimeMs: null, peakPids: null, outputBytes: null },
    })
    addRun(s, 'c', 'c', '', {
      createdAt: at(3),
      durationMs: null,
      resourceUsage: { maxRssBytes: 99, cpuTimeMs: null, peakPids: null, outputBytes: null },
    })
    const order = (sort: 'newest' | 'oldest' | 'duration' | 'memory'): string[] =>
      s.list({ sort, limit: 10, offset: 0 }).items.map((r) => r.id)
    expect(order('newest')).toEqual(['c', 'b', 'a'])
    expect(order('oldest')).toEqual(['a', 'b', 'c'])
    expect(order('duration')).toEqual(['b', 'a', 'c'])
    expect(order('memory')).toEqual(['c', 'b', 'a'])
    expect(s.list({ limit: 10, offset: 0 }).items.map((r) => r.id)).toEqual(['c', 'b', 'a'])
    expect(s.list({ ids: ['a', 'c', 'zz'], limit: 10, offset: 0 }).items.map((r) => r.id)).toEqual([
      'c',
      'a',
    ])
  })
})
