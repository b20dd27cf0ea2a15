// Error lines and hints (docs/run-contract.md, 'Error lines and hints') from real runs on the real
// daemon: one run per error a beginner meets most. Run with and without TAKO_POOL=0 (warm and cold).
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultLimitsFor } from '../../src/main/app/run-request'
import { MiB } from '../../src/shared/units'
import { imageRef } from '../../src/main/environments/catalogue'
import { execute, py, expectNoSessionContainersLeft, type ExecuteBody } from './execute'
import { request, startInProcess } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server

interface HintedBody extends ExecuteBody {
  error_line: number | null
  error_hint: string | null
}

beforeAll(async () => {
  srv = await startInProcess()
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

async function run(body: Record<string, unknown>): Promise<HintedBody> {
  return (await execute(srv.url, body)) as HintedBody
}

describe('error_line and error_hint on POST /execute', () => {
  it.each([
    [
      'SyntaxError (unclosed bracket, with the caret)',
      py('x = 1', 'print("hi"', 'y = 2'),
      'syntax_error',
      2,
      ['line 2 `print("hi"` at the "("', 'add the matching ")"'],
    ],
    [
      'IndentationError',
      py('def f():', 'print(1)'),
      'syntax_error',
      2,
      ['indented by 4 more spaces'],
    ],
    [
      'NameError with Python\'s "Did you mean"',
      py('message = "hi"', 'print(mesage)'),
      'name_error',
      2,
      ['"mesage"', 'Did you mean "message"?'],
    ],
    [
      'TypeError str + int',
      py('age = 14', 'print("Age: " + age)'),
      'type_error',
      2,
      ['join text and a number', 'str('],
    ],
    [
      'TypeError int + str',
      py('age = 14', 'print(age + "1")'),
      'type_error',
      2,
      ['a number and a text', 'int('],
    ],
    [
      'ZeroDivisionError',
      py('def avg(xs):', '    return sum(xs) / len(xs)', 'print(avg([]))'),
      'division_error',
      2,
      ['divided by zero on line 2'],
    ],
    [
      'IndexError',
      py('names = ["a", "b", "c"]', 'print(names[3])'),
      'index_error',
      2,
      ['position in a list', 'start at 0'],
    ],
    [
      'KeyError',
      py('ages = {"bob": 14}', 'print(ages["alice"])'),
      'key_error',
      2,
      ["no key 'alice'"],
    ],
    [
      "ValueError from int('abc')",
      py('n = int("abc")'),
      'value_error',
      1,
      ["the text 'abc'", 'whole number'],
    ],
    [
      'EOFError (input without any input given)',
      py('print("hello")', 'name = input("Name? ")'),
      'runtime_error',
      2,
      ['asked for input on line 2 but none was given', 'input box', 'stdin'],
    ],
    [
      'RecursionError',
      py('def count(n):', '    return count(n + 1)', 'count(0)'),
      'recursion_error',
      2,
      ['calling itself'],
    ],
    [
      'ModuleNotFoundError (which environments have it)',
      py('import math', 'import numpy as np'),
      'import_error',
      2,
      ['"numpy"', '"default" environment', '"data-processing" or "ml-inference"'],
    ],
  ])('%s', async (_name, code, type, line, mentions) => {
    const r = await run({ code })
    expect(r.status).toBe('failed')
    expect(r.error_type).toBe(type)
    expect(r.error_line).toBe(line)
    expect(r.error_hint).toBeTruthy()
    for (const m of mentions) expect(r.error_hint).toContain(m)
    // Tako VM's fields keep their meaning.
    expect(r.error).toMatch(new RegExp(`\\(line ${line}\\)$`))
  })

  it('a ValueError from int(input()) with an empty line names the empty text', async () => {
    // No stdin: input() gets end of file; a blank line on stdin would give int('') — test that
    // text directly, without depending on the stdin channel.
    const r = await run({ code: py('text = ""', 'n = int(text)') })
    expect(r.error_line).toBe(2)
    expect(r.error_hint).toContain('an empty text')
  })

  it('timeout: a hint naming the limit, no line', async () => {
    const r = await run({ code: py('while True:', '    pass'), timeout: 2 })
    expect(r.status).toBe('timeout')
    expect(r.error_type).toBe('timeout')
    expect(r.error_line).toBeNull()
    expect(r.error_hint).toContain('time limit of 2 seconds')
    expect(r.error_hint).toContain('loop that never ends')
  })

  it('out of memory: a hint naming the limit, no line', async () => {
    const r = await run({
      code: py('chunks = []', 'while True:', "    chunks.append(b'x' * (50 * 2**20))"),
      memory_mb: 128,
      timeout: 60,
    })
    expect(r.status).toBe('oom')
    expect(r.error_line).toBeNull()
    expect(r.error_hint).toContain('more memory than its limit of 128 MiB')
  }, 90_000)

  it('a success has neither', async () => {
    const r = await run({ code: py('print(1)') })
    expect(r.status).toBe('succeeded')
    expect(r.error_line).toBeNull()
    expect(r.error_hint).toBeNull()
  })
})

describe('the output limit (engine, a small ceiling)', () => {
  it('a flood past the ceiling gets a hint about printing in a loop', async () => {
    const runId = `hints-${Date.now()}`
    const outcome = await srv.core.engine.run({
      runId,
      code: py('import sys', 'while True: sys.stdout.write("x" * 1000 + "\\n")'),
      inputData: {},
      environment: 'default',
      image: imageRef('default'),
      limits: { ...defaultLimitsFor('default'), outputCeilingBytes: 8 * MiB },
      runDir: path.join(srv.dataDir, 'engine-runs', runId),
    })
    expect(outcome.error?.type).toBe('output_limit')
    expect(outcome.error?.line).toBeNull()
    expect(outcome.error?.hint).toContain('print inside a loop')
  }, 60_000)
})

describe('the record and the job result carry them too', () => {
  it('GET /executions/{id}, /jobs/{id}/result and /jobs/{id}', async () => {
    const r = await run({ code: py('total = 0', 'for i in range(3):', '    totl += i') })
    expect(r.error_line).toBe(3)
    const rec = await request(`${srv.url}/executions/${r.execution_id}`)
    expect(rec.status).toBe(200)
    expect(rec.body.error).toMatchObject({ type: 'name_error', line: 3 })
    const recError = rec.body.error as { hint: string }
    expect(recError.hint).toContain('Did you mean "total"?')
    expect(rec.body.error_line).toBe(3)
    expect(rec.body.error_hint).toBe(recError.hint)
    const result = await request(`${srv.url}/jobs/${r.execution_id}/result`)
    expect(result.body.error_line).toBe(3)
    expect(result.body.error_hint).toBe(recError.hint)
    const status = await request(`${srv.url}/jobs/${r.execution_id}`)
    expect(status.body.error).toMatchObject({ line: 3, hint: recError.hint })
    const list = await request<{ items: Record<string, unknown>[] }>(
      `${srv.url}/executions?limit=5`,
    )
    const item = list.body.items.find((x) => x.execution_id === r.execution_id)
    expect(item?.error_line).toBe(3)
  })
})
