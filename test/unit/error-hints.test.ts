import { describe, expect, it } from 'vitest'
import { classifyTraceback } from '../../src/main/engine/error-classifier'
import { explainException, withHint } from '../../src/main/engine/error-hints'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { classifyOutcome } from '../../src/main/engine/outcome'
import { environmentsWithModule } from '../../src/main/environments/catalogue'
import type { RunError } from '../../src/shared/run'

// Real CPython 3.11.2 stderr (tako-vm/default), each script run as /code/main.py.
const tb = (lines: string[]): string => lines.join('\n') + '\n'
const call = (line: number, src: string, marks: string, last: string): string =>
  tb([
    'Traceback (most recent call last):',
    `  File "/code/main.py", line ${line}, in <module>`,
    `    ${src}`,
    ...(marks ? [`    ${marks}`] : []),
    last,
  ])
const syntax = (line: number, src: string, caret: string | null, last: string): string =>
  tb([
    `  File "/code/main.py", line ${line}`,
    `    ${src}`,
    ...(caret !== null ? [`    ${caret}`] : []),
    last,
  ])

const ctx = { environment: 'default', environmentsWithModule }

function hintOf(stderr: string): { line: number | null; hint: string | null } {
  const err: RunError = { type: 'runtime_error', message: 'x', phase: 'execution' }
  const r = withHint(err, stderr, DEFAULT_LIMITS, ctx)
  return { line: r.line ?? null, hint: r.hint ?? null }
}

describe('error hints: syntax', () => {
  it('an unclosed bracket names the line, the code, the caret spot and the fix', () => {
    const h = hintOf(syntax(2, 'print("hi"', '     ^', "SyntaxError: '(' was never closed"))
    expect(h.line).toBe(2)
    expect(h.hint).toContain('line 2 `print("hi"` at the "("')
    expect(h.hint).toContain('add the matching ")"')
  })

  it('a missing colon says where Python stopped (the end of the line)', () => {
    const h = hintOf(syntax(1, 'if x == 1', '         ^', "SyntaxError: expected ':'"))
    expect(h.line).toBe(1)
    expect(h.hint).toContain('`if x == 1` at its end')
    expect(h.hint).toContain('colon (:)')
  })

  it('= in a condition suggests ==', () => {
    const h = hintOf(
      syntax(
        2,
        'if x = 1:',
        '   ^^^^^',
        "SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
      ),
    )
    expect(h.line).toBe(2)
    expect(h.hint).toContain('use ==')
  })

  it('unterminated strings and Python 2 print are explained', () => {
    expect(
      hintOf(
        syntax(
          1,
          'print("hi)',
          '      ^',
          'SyntaxError: unterminated string literal (detected at line 1)',
        ),
      ).hint,
    ).toContain('closing quote')
    expect(
      hintOf(
        syntax(
          1,
          'print "hi"',
          '^^^^^^^^^^',
          "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?",
        ),
      ).hint,
    ).toContain('print("hello")')
  })

  it('indentation errors, with and without a caret line', () => {
    const block = hintOf(
      syntax(
        2,
        'print(1)',
        '^',
        'IndentationError: expected an indented block after function definition on line 1',
      ),
    )
    expect(block.line).toBe(2)
    expect(block.hint).toContain('indented by 4 more spaces')
    const unexpected = hintOf(syntax(2, 'y = 2', null, 'IndentationError: unexpected indent'))
    expect(unexpected.line).toBe(2)
    expect(unexpected.hint).toContain('`y = 2`')
    expect(unexpected.hint).toContain('remove the spaces')
    const unindent = hintOf(
      syntax(
        3,
        'y = 2',
        '     ^',
        'IndentationError: unindent does not match any outer indentation level',
      ),
    )
    expect(unindent.line).toBe(3)
    expect(unindent.hint).toContain('does not line up')
  })
})

describe('error hints: exceptions', () => {
  it('NameError passes on Python\'s "Did you mean"', () => {
    const h = hintOf(
      call(
        2,
        'print(mesage)',
        '      ^^^^^^',
        "NameError: name 'mesage' is not defined. Did you mean: 'message'?",
      ),
    )
    expect(h).toEqual({
      line: 2,
      hint: 'Python does not know the name "mesage" on line 2. Did you mean "message"? Names must be spelled the same way every time.',
    })
  })

  it('NameError without a suggestion says misspelled or not given a value', () => {
    const h = hintOf(
      call(
        1,
        'print(undefined_thing)',
        '      ^^^^^^^^^^^^^^^',
        "NameError: name 'undefined_thing' is not defined",
      ),
    )
    expect(h.line).toBe(1)
    expect(h.hint).toContain('"undefined_thing"')
    expect(h.hint).toContain('misspelled')
    expect(h.hint).not.toContain('Did you mean')
  })

  it('the line is the last frame in main.py, not a library frame', () => {
    const stderr = tb([
      'Traceback (most recent call last):',
      '  File "/code/main.py", line 5, in <module>',
      '    f(1)',
      '  File "/code/main.py", line 2, in f',
      '    return a / 0',
      '           ~~^~~',
      '  File "/usr/lib/python3.11/x.py", line 9, in g',
      '    pass',
      'ZeroDivisionError: division by zero',
    ])
    expect(hintOf(stderr).line).toBe(2)
    expect(hintOf(stderr).hint).toContain('divided by zero on line 2')
  })

  it('str + int and int + str', () => {
    const a = hintOf(
      call(
        2,
        'print("age: " + age)',
        '      ~~~~~~~~^~~~~',
        'TypeError: can only concatenate str (not "int") to str',
      ),
    )
    expect(a.line).toBe(2)
    expect(a.hint).toContain('str(')
    const b = hintOf(
      call(
        2,
        'print(age + "x")',
        '      ~~~~^~~~~',
        "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
      ),
    )
    expect(b.line).toBe(2)
    expect(b.hint).toContain('int(')
    // A TypeError we do not explain gets no hint, but still its line.
    const other = hintOf(
      call(4, 'len(5)', '^^^^^^', "TypeError: object of type 'int' has no len()"),
    )
    expect(other).toEqual({ line: 4, hint: null })
  })

  it('IndexError, KeyError, ValueError from int(), RecursionError', () => {
    const idx = hintOf(call(2, 'print(a[5])', '      ~^^^', 'IndexError: list index out of range'))
    expect(idx.line).toBe(2)
    expect(idx.hint).toContain('position in a list')
    expect(hintOf(call(1, 's[9]', '~^^^', 'IndexError: string index out of range')).hint).toContain(
      'position in a text',
    )
    const key = hintOf(call(2, 'print(d["b"])', '      ~^^^^^', "KeyError: 'b'"))
    expect(key.line).toBe(2)
    expect(key.hint).toContain("no key 'b'")
    const val = hintOf(
      call(
        1,
        'n = int("abc")',
        '    ^^^^^^^^^^',
        "ValueError: invalid literal for int() with base 10: 'abc'",
      ),
    )
    expect(val.line).toBe(1)
    expect(val.hint).toContain("'abc'")
    expect(val.hint).toContain('whole number')
    expect(
      hintOf(
        call(1, 'n = int(input())', '', "ValueError: invalid literal for int() with base 10: ''"),
      ).hint,
    ).toContain('an empty text')
    const rec = tb([
      'Traceback (most recent call last):',
      '  File "/code/main.py", line 3, in <module>',
      '    f(1)',
      '  File "/code/main.py", line 2, in f',
      '    return f(n+1)',
      '           ^^^^^^',
      '  [Previous line repeated 996 more times]',
      'RecursionError: maximum recursion depth exceeded',
    ])
    expect(hintOf(rec).line).toBe(2)
    expect(hintOf(rec).hint).toContain('calling itself')
  })

  it('EOFError says input was asked for and where to give it', () => {
    const h = hintOf(
      call(
        1,
        'n = int(input("Age? "))',
        '        ^^^^^^^^^^^^^^',
        'EOFError: EOF when reading a line',
      ),
    )
    expect(h.line).toBe(1)
    expect(h.hint).toContain('asked for input on line 1 but none was given')
    expect(h.hint).toContain('input box')
    expect(h.hint).toContain('stdin')
  })

  it('ModuleNotFoundError names the environments that have the module', () => {
    const np = hintOf(call(1, 'import numpy', '', "ModuleNotFoundError: No module named 'numpy'"))
    expect(np.line).toBe(1)
    expect(np.hint).toContain('"default" environment')
    expect(np.hint).toContain('"data-processing" or "ml-inference"')
    const sk = hintOf(
      call(1, 'import sklearn.linear_model', '', "ModuleNotFoundError: No module named 'sklearn'"),
    )
    expect(sk.hint).toContain('"ml-inference"')
    expect(sk.hint).not.toContain('data-processing')
    const none = hintOf(
      call(1, 'import requests', '', "ModuleNotFoundError: No module named 'requests'"),
    )
    expect(none.hint).toContain('no environment of this app has it')
  })

  it('explainException is null for an exception it does not know', () => {
    const exc = classifyTraceback(call(1, 'assert False', '', 'AssertionError'))
    expect(exc).not.toBeNull()
    if (exc) expect(explainException(exc)).toBeNull()
  })
})

describe('error hints: limits, through classifyOutcome', () => {
  const base = {
    infra: null,
    oomKilled: false,
    exitCode: 137,
    stderrText: '',
    limits: { ...DEFAULT_LIMITS, timeoutMs: 2_000, memoryBytes: 64 * 2 ** 20 },
    hints: ctx,
  }

  it('timeout, out of memory and the output limit get a hint and no line', () => {
    const t = classifyOutcome({ ...base, stop: { reason: 'timeout' } }).error
    expect(t).toMatchObject({ type: 'timeout', line: null })
    expect(t?.hint).toContain('time limit of 2 seconds')
    const m = classifyOutcome({ ...base, stop: null, oomKilled: true }).error
    expect(m).toMatchObject({ type: 'oom', line: null })
    expect(m?.hint).toContain('64 MiB')
    const o = classifyOutcome({ ...base, stop: { reason: 'output_limit' } }).error
    expect(o).toMatchObject({ type: 'output_limit', line: null })
    expect(o?.hint).toContain('loop that never ends')
  })

  it('a run that waited too long for input says so, not "a loop that never ends"', () => {
    const stop = {
      reason: 'timeout' as const,
      message: 'The run waited for input for more than 600 s',
    }
    const w = classifyOutcome({ ...base, stop }).error
    expect(w).toMatchObject({ type: 'timeout', line: null })
    expect(w?.hint).toContain('waited for input')
    expect(w?.hint).not.toContain('loop')
  })

  it("the host's own troubles get no hint, and Tako VM's type and message stay", () => {
    const floor = classifyOutcome({ ...base, stop: { reason: 'disk_floor', message: 'disk full' } })
    expect(floor.error?.hint).toBeUndefined()
    const killed = classifyOutcome({ ...base, stop: null })
    expect(killed.error?.type).toBe('killed')
    expect(killed.error?.hint).toBeUndefined()
    const exc = classifyOutcome({
      ...base,
      stop: null,
      exitCode: 1,
      stderrText: call(1, 'print(1/0)', '      ~^~', 'ZeroDivisionError: division by zero'),
    }).error
    expect(exc).toMatchObject({
      type: 'division_error',
      message: 'ZeroDivisionError: division by zero (line 1)',
      line: 1,
    })
  })
})
