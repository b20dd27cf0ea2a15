import { describe, expect, it } from 'vitest'
import { exceptionName, tracebackOf } from '../../src/renderer/src/error-view'
import { stdinArgs } from '../../src/renderer/src/run-input'

describe('tracebackOf', () => {
  it('keeps the last traceback, without what was printed before it', () => {
    const stderr =
      'warning: x\nTraceback (most recent call last):\n  File "/code/main.py", line 1, in <module>\n    1/0\nZeroDivisionError: division by zero\n'
    expect(tracebackOf(stderr)).toBe(
      'Traceback (most recent call last):\n  File "/code/main.py", line 1, in <module>\n    1/0\nZeroDivisionError: division by zero',
    )
  })

  it('a SyntaxError has no header: from its first frame', () => {
    const stderr =
      '  File "/code/main.py", line 2\n    print("hi"\n         ^\nSyntaxError: \'(\' was never closed\n'
    expect(tracebackOf(stderr)).toBe(stderr.trimEnd())
  })

  it('null without a traceback; a very long one keeps its last 60 lines', () => {
    expect(tracebackOf('just text\n')).toBeNull()
    const frames = Array.from({ length: 100 }, (_, i) => `  File "/code/main.py", line ${i}, in f`)
    const long = ['Traceback (most recent call last):', ...frames, 'RecursionError: x'].join('\n')
    const kept = tracebackOf(long)?.split('\n') ?? []
    expect(kept).toHaveLength(61)
    expect(kept[0]).toBe('…')
    expect(kept.at(-1)).toBe('RecursionError: x')
  })
})

describe('exceptionName', () => {
  it('reads the exception class from the message', () => {
    expect(exceptionName("NameError: name 'x' is not defined (line 2)")).toBe('NameError')
    expect(exceptionName('Process exited with code 3')).toBeNull()
  })
})

describe('stdinArgs (the Input lines box)', () => {
  it('empty: interactive, no stdin', () => {
    expect(stdinArgs('')).toEqual({ interactive: true })
  })

  it('lines: sent as stdin ending with a newline, not interactive', () => {
    expect(stdinArgs('Alice\n14')).toEqual({ stdin: 'Alice\n14\n', interactive: false })
    expect(stdinArgs('Alice\n')).toEqual({ stdin: 'Alice\n', interactive: false })
  })
})
