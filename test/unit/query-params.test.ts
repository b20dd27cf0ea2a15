// Bounded query parameters: the default when absent, the number when it parses and is in range,
// else FastAPI's 422 entry naming the parameter, the bounds and what was given.
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/main/server/http-util'
import { queryInt, queryNumber } from '../../src/main/server/router'

const url = (query: string): URL => new URL(`http://127.0.0.1:8000/jobs?${query}`)

function refusal(read: () => number): unknown {
  try {
    read()
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, detail: err.detail }
    throw err
  }
  throw new Error('the parameter was accepted')
}

describe('queryInt', () => {
  it('gives the default when absent and the integer when in range', () => {
    expect(queryInt(url(''), 'limit', 20, 1, 100)).toBe(20)
    expect(queryInt(url('limit=100'), 'limit', 20, 1, 100)).toBe(100)
    expect(queryInt(url('limit=-0'), 'limit', 20, -1, 1)).toBe(-0)
  })
  it.each(['1.5', '', ' 7', 'x', '101', '0'])('refuses limit=%j', (raw) => {
    expect(refusal(() => queryInt(url(`limit=${raw}`), 'limit', 20, 1, 100))).toEqual({
      status: 422,
      detail: [
        {
          type: 'int_parsing',
          loc: ['query', 'limit'],
          msg: 'Input should be an integer between 1 and 100',
          input: raw,
        },
      ],
    })
  })
})

describe('queryNumber', () => {
  it('gives the default when absent and the number when in range', () => {
    expect(queryNumber(url(''), 'wait', 0, 0, 30)).toBe(0)
    expect(queryNumber(url('wait=2.5'), 'wait', 0, 0, 30)).toBe(2.5)
    expect(queryNumber(url('wait=%201e1'), 'wait', 0, 0, 30)).toBe(10)
  })
  it.each(['', '  ', 'x', 'Infinity', '30.01', '-1'])('refuses wait=%j', (raw) => {
    expect(
      refusal(() => queryNumber(url(`wait=${encodeURIComponent(raw)}`), 'wait', 0, 0, 30)),
    ).toEqual({
      status: 422,
      detail: [
        {
          type: 'float_parsing',
          loc: ['query', 'wait'],
          msg: 'Input should be a number between 0 and 30',
          input: raw,
        },
      ],
    })
  })
})
