import { describe, it, expect } from 'vitest'
import { classifyExit, classifyTraceback } from '../../src/main/engine/error-classifier'

// Real CPython 3.11.7 stderr, produced by running each script as /code/main.py.
const tb = (lines: string[]): string => lines.join('\n') + '\n'

const SYNTAX = tb([
  '  File "/code/main.py", line 2',
  '    print("hi"',
  '         ^',
  "SyntaxError: '(' was never closed",
])

const INDENT = tb([
  '  File "/code/main.py", line 2',
  '    return 1',
  '    ^',
  'IndentationError: expected an indented block after function definition on line 1',
])

const ZERO = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 5, in <module>',
  '    f(1)',
  '  File "/code/main.py", line 2, in f',
  '    return a / 0',
  '           ~~^~~',
  'ZeroDivisionError: division by zero',
])

const KEY = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 2, in <module>',
  '    print(d["missing"])',
  '          ~^^^^^^^^^^^',
  "KeyError: 'missing'",
])

const MODULE = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 1, in <module>',
  '    import numpyy',
  "ModuleNotFoundError: No module named 'numpyy'",
])

const JSON_ERR = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 2, in <module>',
  '    json.loads("{bad")',
  '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads',
  '    return _default_decoder.decode(s)',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/usr/lib/python3.11/json/decoder.py", line 337, in decode',
  '    obj, end = self.raw_decode(s, idx=_w(s, 0).end())',
  '               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/usr/lib/python3.11/json/decoder.py", line 353, in raw_decode',
  '    obj, end = self.scan_once(s, idx)',
  '               ^^^^^^^^^^^^^^^^^^^^^^',
  'json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
])

const NOT_FOUND = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 1, in <module>',
  '    open("/nope/data.csv")',
  "FileNotFoundError: [Errno 2] No such file or directory: '/nope/data.csv'",
])

const RECURSION = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 3, in <module>',
  '    f(0)',
  '  File "/code/main.py", line 2, in f',
  '    return f(n + 1)',
  '           ^^^^^^^^',
  '  File "/code/main.py", line 2, in f',
  '    return f(n + 1)',
  '           ^^^^^^^^',
  '  [Previous line repeated 996 more times]',
  'RecursionError: maximum recursion depth exceeded',
])

const CHAINED = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 2, in <module>',
  '    {}["a"]',
  '    ~~^^^^^',
  "KeyError: 'a'",
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 4, in <module>',
  '    raise ValueError("bad value")',
  'ValueError: bad value',
])

const MULTILINE = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 1, in <module>',
  '    raise ValueError("first line\\nsecond: line\\nThirdError")',
  'ValueError: first line',
  'second: line',
  'ThirdError',
])

const CUSTOM = tb([
  'Traceback (most recent call last):',
  '  File "/code/main.py", line 3, in <module>',
  '    raise BadThing("nope\\nValueError: x")',
  'BadThing: nope',
  'ValueError: x',
])

describe('classifyTraceback on real Python 3.11 tracebacks', () => {
  const cases: [string, string, string, string, number | null][] = [
    // name, stderr, exception, type, line
    ['SyntaxError (no Traceback header)', SYNTAX, 'SyntaxError', 'syntax_error', 2],
    ['IndentationError', INDENT, 'IndentationError', 'syntax_error', 2],
    ['ZeroDivisionError', ZERO, 'ZeroDivisionError', 'division_error', 2],
    ['KeyError', KEY, 'KeyError', 'key_error', 2],
    ['ModuleNotFoundError', MODULE, 'ModuleNotFoundError', 'import_error', 1],
    ['dotted JSONDecodeError', JSON_ERR, 'json.decoder.JSONDecodeError', 'json_error', 2],
    ['FileNotFoundError', NOT_FOUND, 'FileNotFoundError', 'file_not_found', 1],
    ['RecursionError', RECURSION, 'RecursionError', 'recursion_error', 2],
    ['chained exception (the last one wins)', CHAINED, 'ValueError', 'value_error', 4],
    ['multi-line message', MULTILINE, 'ValueError', 'value_error', 1],
  ]
  for (const [name, stderr, exception, type, line] of cases) {
    it(`classifies ${name}`, () => {
      const c = classifyTraceback(stderr)
      expect(c).not.toBeNull()
      expect(c?.exception).toBe(exception)
      expect(c?.type).toBe(type)
      expect(c?.line).toBe(line)
    })
  }

  it('builds the message from the short name, the detail and the script line', () => {
    expect(classifyTraceback(ZERO)?.message).toBe('ZeroDivisionError: division by zero (line 2)')
    expect(classifyTraceback(JSON_ERR)?.message).toBe(
      'JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1) (line 2)',
    )
    expect(classifyTraceback(SYNTAX)?.message).toBe("SyntaxError: '(' was never closed (line 2)")
    expect(classifyTraceback(MULTILINE)?.message).toBe('ValueError: first line (line 1)')
  })

  it('takes the line number from /code/main.py frames, not library frames', () => {
    // the innermost frame is json/decoder.py line 353; the script's own frame is line 2
    expect(classifyTraceback(JSON_ERR)?.line).toBe(2)
    const lib = tb([
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3.11/runpy.py", line 88, in _run_code',
      '    exec(code, run_globals)',
      'TypeError: boom',
    ])
    expect(classifyTraceback(lib)).toMatchObject({ type: 'type_error', line: null })
    expect(classifyTraceback(lib)?.message).toBe('TypeError: boom')
  })

  it('handles a bare exception name without a message', () => {
    const bare = tb([
      'Traceback (most recent call last):',
      '  File "/code/main.py", line 1, in <module>',
      '    raise KeyError',
      'KeyError',
    ])
    expect(classifyTraceback(bare)).toMatchObject({
      type: 'key_error',
      message: 'KeyError (line 1)',
    })
  })

  it('does not take a message line of a custom exception for the exception', () => {
    expect(classifyTraceback(CUSTOM)).toBeNull()
  })

  it('accepts CRLF line endings', () => {
    expect(classifyTraceback(KEY.replace(/\n/g, '\r\n'))?.type).toBe('key_error')
  })

  it('caps the message length', () => {
    const long = tb([
      'Traceback (most recent call last):',
      '  File "/code/main.py", line 1, in <module>',
      '    raise ValueError("x" * 100000)',
      `ValueError: ${'x'.repeat(100_000)}`,
    ])
    expect(classifyTraceback(long)?.message.length).toBe(4096)
  })
})

describe('classifyTraceback refuses loose text', () => {
  it('does not classify a printed "ValueError: x" without a traceback', () => {
    expect(classifyTraceback('ValueError: x\n')).toBeNull()
    expect(classifyTraceback('some log\nKeyError: not really\nTypeError\n')).toBeNull()
  })

  it('does not classify an exception name printed before any traceback structure', () => {
    expect(classifyTraceback('ValueError: x\nTraceback (most recent call last):\n')).toBeNull()
  })

  it('returns null for empty stderr', () => {
    expect(classifyTraceback('')).toBeNull()
  })
})

describe('classifyExit', () => {
  it('uses the traceback when there is one', () => {
    expect(classifyExit(1, ZERO)).toEqual({
      type: 'division_error',
      message: 'ZeroDivisionError: division by zero (line 2)',
      phase: 'execution',
    })
  })

  it('falls back to runtime_error naming the exit code and the last stderr line', () => {
    expect(classifyExit(1, 'ValueError: x\n')).toEqual({
      type: 'runtime_error',
      message: 'Process exited with code 1: ValueError: x',
      phase: 'execution',
    })
    // sys.exit("fatal: config missing")
    expect(classifyExit(1, 'fatal: config missing\n').message).toBe(
      'Process exited with code 1: fatal: config missing',
    )
  })

  it('falls back to runtime_error for an unknown exception class', () => {
    expect(classifyExit(1, CUSTOM)).toMatchObject({ type: 'runtime_error' })
    expect(classifyExit(1, CUSTOM).message).toBe('Process exited with code 1: ValueError: x')
  })

  it('says only the exit code when stderr is empty or blank', () => {
    expect(classifyExit(3, '')).toEqual({
      type: 'runtime_error',
      message: 'Process exited with code 3',
      phase: 'execution',
    })
    expect(classifyExit(2, '\n   \n').message).toBe('Process exited with code 2')
  })

  it('cuts a long last line to 200 characters', () => {
    const msg = classifyExit(1, 'y'.repeat(1000)).message
    expect(msg).toBe(`Process exited with code 1: ${'y'.repeat(200)}`)
  })
})
