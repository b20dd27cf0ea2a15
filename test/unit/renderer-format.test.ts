import { describe, expect, it } from 'vitest'
import {
  jsonErrorAt,
  parseDelimited,
  parseJsonInput,
  stripAnsi,
} from '../../src/renderer/src/format'

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

describe('CSV/TSV preview parsing', () => {
  it('handles quotes, escaped quotes, CRLF and delimiters inside quotes', () => {
    expect(parseDelimited('a,b\r\n"x, y","say ""hi"""\n1,2', ',').rows).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', '2'],
    ])
    expect(parseDelimited('a\tb\n1\t2\n', '\t').rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
  })
  it('stops at the row cap and says there is more', () => {
    const r = parseDelimited('x\n'.repeat(50), ',', 10)
    expect(r.rows).toHaveLength(10)
    expect(r.more).toBe(true)
  })
})
