import { describe, expect, it } from 'vitest'
import {
  errorMessage,
  jsonErrorAt,
  parseJsonInput,
  stripAnsi,
  visibleName,
} from '../../src/renderer/src/format'
import { TakoCallError } from '../../src/shared/call-error'
import {
  PREVIEW_LIMITS,
  cutTable,
  cutText,
  describeCut,
} from '../../src/renderer/src/preview-limits'

/** The header and rows of a table preview, as one list (what the old reader returned). */
function allRows(t: ReturnType<typeof cutTable>): string[][] {
  return [t.header, ...t.rows]
}

describe('input JSON errors name the line', () => {
  it.each([
    ['{\n  "a": 1,\n  "b": \n}', 4, 1],
    ['{"a": 1,}', 1, 9],
    ['[1, 2', 1, 6],
    ["{'a': 1}", 1, 2],
    ['{"a": tru}', 1, 7],
    ['{} x', 1, 4],
  ])('%j → line %i column %i', (text, line, column) => {
    const r = parseJsonInput(text)
    expect(r.value).toBeUndefined()
    expect(r.error).toMatch(new RegExp(`^Line ${line}, column ${column}: expected`))
  })

  it('agrees with JSON.parse on valid documents', () => {
    for (const text of [
      '{}',
      '[]',
      '0',
      '-1.5e3',
      '"x\\"y"',
      '{"a":[true,false,null,{"b":"c"}]}',
    ]) {
      expect(jsonErrorAt(text)).toBeNull()
      expect(parseJsonInput(text)).toEqual({ value: JSON.parse(text) as unknown, error: null })
    }
  })
})

describe('terminal output is shown as plain text', () => {
  it('strips colours, OSC titles and hyperlinks, and control characters', () => {
    const text =
      '\x1b[31mred\x1b[0m \x1b]0;title\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2Jok\x00'
    expect(stripAnsi(text)).toBe('red link ok')
  })
  it('keeps newlines and tabs', () => {
    expect(stripAnsi('a\tb\nc\r\n')).toBe('a\tb\nc\r\n')
  })
})

describe('CSV/TSV preview parsing (papaparse, capped)', () => {
  it('handles quotes, escaped quotes, CRLF and delimiters inside quotes', () => {
    expect(allRows(cutTable('a,b\r\n"x, y","say ""hi"""\n1,2', ','))).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', '2'],
    ])
    expect(allRows(cutTable('a\tb\n1\t2\n', '\t'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
  })
  it('stops at the row cap and says there is more', () => {
    const r = cutTable('x\n'.repeat(50), ',', { ...PREVIEW_LIMITS, rows: 9 })
    expect(allRows(r)).toHaveLength(10)
    expect(r.totalRows).toBe(49)
    expect(describeCut({ shown: r.rows.length, total: r.totalRows, unit: 'rows' })).toBe(
      'Showing 9 of 49 rows',
    )
  })
  it('keeps at most the column cap of a row with a million columns, and counts them all', () => {
    const row = Array.from({ length: 1_000_000 }, (_, i) => String(i)).join(',')
    const r = cutTable(row, ',')
    expect(r.header).toHaveLength(PREVIEW_LIMITS.columns)
    expect(r.header.at(-1)).toBe(String(PREVIEW_LIMITS.columns - 1))
    expect(r.totalColumns).toBe(1_000_000)
    expect(r.rows).toEqual([])
    expect(describeCut({ columns: { shown: r.shownColumns, total: r.totalColumns } })).toBe(
      '50 of 1,000,000 columns',
    )
  })
  it('cuts long cells and counts them', () => {
    const r = cutTable(`h\n${'y'.repeat(5000)}\n`, ',')
    expect(r.rows[0][0]).toHaveLength(PREVIEW_LIMITS.charsPerCell + 1)
    expect(r.rows[0][0].endsWith('…')).toBe(true)
    expect(r.longCells).toBe(1)
    expect(describeCut({ long: { count: 1, unit: 'long cells', max: 200 } })).toBe(
      '1 long cell cut at 200 characters',
    )
    expect(describeCut({ long: { count: 3, unit: 'long cells', max: 200 } })).toBe(
      '3 long cells cut at 200 characters',
    )
  })
})

describe('text previews are capped', () => {
  it('keeps 2,000 of 1 MiB of newlines and counts every line', () => {
    const cut = cutText('\n'.repeat(1024 * 1024))
    expect(cut.lines).toHaveLength(PREVIEW_LIMITS.lines)
    expect(cut.totalLines).toBe(1024 * 1024 + 1)
    expect(
      describeCut({
        shown: cut.lines.length,
        total: cut.totalLines,
        unit: 'lines',
        bytes: { read: 1024 * 1024, size: 1024 * 1024 },
      }),
    ).toBe('Showing 2,000 of 1,048,577 lines')
  })
  it('cuts one very long line', () => {
    const cut = cutText('z'.repeat(1024 * 1024))
    expect(cut.lines).toHaveLength(1)
    expect(cut.lines[0]).toHaveLength(PREVIEW_LIMITS.charsPerLine + 1)
    expect(cut.longLines).toBe(1)
  })
  it('leaves a short text whole and says nothing', () => {
    const cut = cutText('a\nb\n')
    expect(cut.lines).toEqual(['a', 'b', ''])
    expect(cut.longLines).toBe(0)
    expect(
      describeCut({
        shown: cut.lines.length,
        total: cut.totalLines,
        unit: 'lines',
        long: { count: 0, unit: 'long lines', max: 2000 },
        bytes: { read: 4, size: 4 },
      }),
    ).toBeNull()
  })
  it('says when only the head of a file was read', () => {
    expect(describeCut({ bytes: { read: 1024 * 1024, size: 7 * 1024 * 1024 } })).toBe(
      'first 1.0 MiB of 7.0 MiB read',
    )
  })
})

describe('names show their invisible characters', () => {
  it.each([
    ['invoice\u202Egnp.exe', 'invoice⟨U+202E⟩gnp.exe'],
    ['a\u2066b\u2069c', 'a⟨U+2066⟩b⟨U+2069⟩c'],
    ['x\u200Fy\u200Ez\u061C', 'x⟨U+200F⟩y⟨U+200E⟩z⟨U+061C⟩'],
    ['zero\u200Bwidth\uFEFF', 'zero⟨U+200B⟩width⟨U+FEFF⟩'],
    [
      'tab\there\nnew\rline\u0000\u001b\u007f\u0085',
      'tab⟨U+0009⟩here⟨U+000A⟩new⟨U+000D⟩line⟨U+0000⟩⟨U+001B⟩⟨U+007F⟩⟨U+0085⟩',
    ],
    ['sep\u2028\u2029', 'sep⟨U+2028⟩⟨U+2029⟩'],
  ])('%j → %s', (name, shown) => {
    expect(visibleName(name)).toBe(shown)
  })
  it('leaves ordinary names alone, accents, CJK, emoji and markup included', () => {
    for (const name of ['plot.png', 'résumé.csv', '数据/表.csv', '📈.png', '<img src=x>.png']) {
      expect(visibleName(name)).toBe(name)
    }
  })
})

describe('error messages for notices', () => {
  it('reads errors, call errors, strings and other values', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom')
    expect(errorMessage(new TakoCallError('not_found', 'No such run'))).toBe('No such run')
    expect(errorMessage('plain')).toBe('plain')
    expect(errorMessage({ code: 1 })).toBe('{"code":1}')
    expect(errorMessage(undefined)).toBe('undefined')
  })
})
