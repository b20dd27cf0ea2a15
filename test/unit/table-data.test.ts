import { describe, expect, it } from 'vitest'
import {
  parseTable,
  TABLE_LIMITS,
  viewIndex,
  type TableData,
} from '../../src/renderer/src/table-data'

const small = { ...TABLE_LIMITS, sliceBytes: 16 }

describe('parseTable', () => {
  it('reads every row in slices, quoted newlines and delimiters across slice ends included', async () => {
    const text = 'name,note\r\n"a, b","line one\nline two"\nc,"he said ""hi"""\n\nd,e\n'
    const progress: number[] = []
    const t = await parseTable(text, ',', {
      limits: small,
      onProgress: (n) => progress.push(n),
    })
    expect(t.header).toEqual(['name', 'note'])
    expect(t.rows).toEqual([
      ['a, b', 'line one\nline two'],
      ['c', 'he said "hi"'],
      ['d', 'e'],
    ])
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toBe(3)
  })

  it('counts 100,000 rows of a 5 MiB-class file', async () => {
    const lines = ['id,value,label']
    for (let i = 0; i < 100_000; i++) lines.push(`${i},${(i * 7) % 1000},row number ${i}`)
    const t = await parseTable(lines.join('\n'), ',')
    expect(t.rows).toHaveLength(100_000)
    expect(t.rows[99_999]).toEqual(['99999', String((99_999 * 7) % 1000), 'row number 99999'])
  })

  it('caps columns and cell length, and says how wide the widest row was', async () => {
    const wide = Array.from({ length: 500 }, (_, i) => `c${i}`).join(',')
    const t = await parseTable(`${wide}\n${'x'.repeat(5000)},y\n`, ',')
    expect(t.header).toHaveLength(TABLE_LIMITS.columns)
    expect(t.totalColumns).toBe(500)
    expect(t.rows[0]?.[0]).toHaveLength(TABLE_LIMITS.charsPerCell + 1)
    expect(t.longCells).toBe(1)
  })

  it('stops when cancelled', async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `${i},x`).join('\n')
    let calls = 0
    const t = await parseTable(text, ',', { limits: small, isCancelled: () => ++calls > 2 })
    expect(t.rows.length).toBeLessThan(100)
  })
})

describe('viewIndex', () => {
  const data: TableData = {
    header: ['n', 'word'],
    rows: [
      ['10', 'pear'],
      ['9', 'Apple'],
      ['x', 'apple pie'],
      ['-1.5', 'fig'],
      ['9', 'kiwi'],
    ],
    totalColumns: 2,
    longCells: 0,
  }
  const rows = (idx: Uint32Array): string[] => [...idx].map((i) => data.rows[i]?.[0] ?? '?')

  it('keeps file order without sort or filter', () => {
    expect(rows(viewIndex(data, { sort: null, filter: { text: '', column: null } }))).toEqual([
      '10',
      '9',
      'x',
      '-1.5',
      '9',
    ])
  })

  it('sorts numbers by value before text, stably, both ways', () => {
    const asc = viewIndex(data, {
      sort: { column: 0, descending: false },
      filter: { text: '', column: null },
    })
    expect([...asc]).toEqual([3, 1, 4, 0, 2])
    const desc = viewIndex(data, {
      sort: { column: 0, descending: true },
      filter: { text: '', column: null },
    })
    expect(rows(desc)).toEqual(['x', '10', '9', '9', '-1.5'])
  })

  it('filters case-insensitively in one column or any', () => {
    expect(rows(viewIndex(data, { sort: null, filter: { text: 'APPLE', column: 1 } }))).toEqual([
      '9',
      'x',
    ])
    expect(rows(viewIndex(data, { sort: null, filter: { text: '9', column: null } }))).toEqual([
      '9',
      '9',
    ])
    expect(rows(viewIndex(data, { sort: null, filter: { text: '9', column: 1 } }))).toEqual([])
  })
})
