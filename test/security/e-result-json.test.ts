// docs/security.md, group E (#28–#32): `/output/result.json` is the script's data, read by the host
// after the container stopped — never trusted for its type, size, depth or number syntax. (The
// symlink, FIFO and folder forms of result.json are group B, #16 and #18.)
import { describe, expect, it } from 'vitest'
import { MAX_RESULT_DEPTH } from '../../src/main/engine/result-parser'
import { request } from '../integration/helpers'
import { MiB, py, run, securitySuite } from './harness'

const sec = securitySuite()

/** Python that writes the given text as /output/result.json, exactly. */
function writesResult(text: string, ...more: string[]): string {
  return py(`open("/output/result.json", "w").write(${JSON.stringify(text)})`, ...more)
}

/** The run as the app sees it (`runs:get` over the app's RPC). */
async function appView(id: string): Promise<{ outputJson: string | null; warnings: unknown[] }> {
  const res = await request<{
    ok: boolean
    value: { outputJson: string | null; warnings: unknown[] }
  }>(`${sec.ctx.srv.url}/api/rpc/runs:get`, { method: 'POST', json: { id } })
  expect(res.body.ok).toBe(true)
  return res.body.value
}

describe('E. result.json', () => {
  it('#28 missing: success, output null, no warning', async () => {
    const r = await run(sec.ctx, { code: 'print("no result")' })
    expect(r).toMatchObject({ success: true, status: 'succeeded', output: null, warnings: [] })
    expect(r.stdout).toBe('no result\n')
  })

  it('#29 malformed: output null, a result_invalid warning naming the parse error; status, stdout and artifacts kept', async () => {
    const r = await run(sec.ctx, {
      code: writesResult(
        'not valid json {',
        'open("/output/other.txt", "w").write("still here")',
        'print("printed anyway")',
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.success).toBe(true)
    expect(r.output).toBeNull()
    expect(r.stdout).toBe('printed anyway\n')
    expect(r.artifacts.map((a) => a.name)).toEqual(['other.txt', 'result.json'])
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatchObject({ code: 'result_invalid', path: 'result.json' })
    expect(r.warnings[0]?.message).toMatch(
      /^result\.json is not valid JSON: .*(Unexpected token|not valid JSON)/,
    )
  })

  it('#29 malformed result.json does not change a failed status either', async () => {
    const r = await run(sec.ctx, { code: writesResult('{"a": ', 'raise ValueError("boom")') })
    expect(r.status).toBe('failed')
    expect(r.error_type).toBe('value_error')
    expect(r.output).toBeNull()
    expect(r.warnings.map((w) => w.code)).toEqual(['result_invalid'])
  })

  it.each([
    ['[]', []],
    ['"x"', 'x'],
    ['42', 42],
    ['null', null],
    ['false', false],
    ['-0.5e3', -500],
    ['{"__proto__": {"polluted": true}, "constructor": 1}', null],
  ] as [string, unknown][])(
    '#30 a top-level %s is accepted as the JSON value it is, in the API and the app',
    async (text, value) => {
      const r = await run(sec.ctx, { code: writesResult(text) })
      expect(r.status).toBe('succeeded')
      expect(r.warnings).toEqual([])
      if (text.startsWith('{"__proto__"')) {
        // The key stays an own property: nothing is merged into a prototype on the host.
        expect(Object.getOwnPropertyDescriptor(r.output, '__proto__')?.value).toEqual({
          polluted: true,
        })
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      } else {
        expect(r.output).toEqual(value)
      }
      expect((await appView(r.execution_id)).outputJson).toBe(text)
    },
  )

  it('#31 NaN/Infinity (Python’s default json.dump): tolerant policy — stored as null with a result_nonstandard warning', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import json',
        'json.dump({"v": float("nan"), "w": [float("inf"), -float("inf"), 1.5], "s": "NaN Infinity"},',
        '          open("/output/result.json", "w"))',
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.output).toEqual({ v: null, w: [null, null, 1.5], s: 'NaN Infinity' })
    expect(r.warnings).toEqual([
      {
        code: 'result_nonstandard',
        path: 'result.json',
        message: 'result.json contained 3 NaN/Infinity value(s); they were stored as null',
      },
    ])
    expect((await appView(r.execution_id)).outputJson).toBe(
      '{"v": null, "w": [null, null, 1.5], "s": "NaN Infinity"}',
    )
  })

  it('#31 a top-level NaN is null with the warning; allow_nan=False makes the script itself fail', async () => {
    const top = await run(sec.ctx, { code: writesResult('NaN') })
    expect(top.status).toBe('succeeded')
    expect(top.output).toBeNull()
    expect(top.warnings.map((w) => w.code)).toEqual(['result_nonstandard'])
    const strict = await run(sec.ctx, {
      code: py(
        'import json',
        'json.dump(float("nan"), open("/output/result.json", "w"), allow_nan=False)',
      ),
    })
    expect(strict.status).toBe('failed')
    expect(strict.error_type).toBe('value_error')
    expect(strict.error).toMatch(/Out of range float values are not JSON compliant/)
  })

  it('#32 a huge result.json is stopped at fsize (100 MiB) in the sandbox and refused by size, unread, on the host', async () => {
    const t0 = performance.now()
    const r = await run(sec.ctx, {
      code: py(
        'import errno',
        'try:',
        '    with open("/output/result.json", "w") as f:',
        '        f.write("[")',
        '        for _ in range(1024):',
        '            f.write("1," * (2**19))',
        'except OSError as e:',
        '    print(errno.errorcode[e.errno])',
      ),
      timeout: 120,
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.stdout).toBe('EFBIG\n')
    expect(r.output).toBeNull()
    expect(r.warnings.find((w) => w.code === 'result_invalid')?.message).toBe(
      `result.json is ${100 * MiB} bytes, over the ${16 * MiB}-byte limit; it was not read`,
    )
    expect(r.artifacts.find((a) => a.name === 'result.json')?.size_bytes).toBe(100 * MiB)
    expect(performance.now() - t0).toBeLessThan(60_000)
  })

  it('#32 a sparse result.json (seek to 99 MiB) is refused by its size without being read', async () => {
    const r = await run(sec.ctx, {
      code: py('f = open("/output/result.json", "wb")', 'f.seek(99 * 2**20)', 'f.write(b"1")'),
    })
    expect(r.status).toBe('succeeded')
    expect(r.output).toBeNull()
    expect(r.warnings.find((w) => w.code === 'result_invalid')?.message).toMatch(
      /over the 16777216-byte limit; it was not read/,
    )
    expect(r.timing?.collect_ms).toBeLessThan(5_000)
  })

  it("#32 '[' * 100000 (and a closed 100 000-deep nest) is refused by depth before parsing; the app answers", async () => {
    for (const expr of ['"[" * 100000', '"[" * 100000 + "]" * 100000']) {
      const r = await run(sec.ctx, {
        code: py(`open("/output/result.json", "w").write(${expr})`),
      })
      expect(r.status).toBe('succeeded')
      expect(r.output).toBeNull()
      expect(r.warnings).toEqual([
        {
          code: 'result_invalid',
          path: 'result.json',
          message: `result.json is nested 100000 levels deep, over the limit of ${MAX_RESULT_DEPTH}`,
        },
      ])
    }
    const ok = await run(sec.ctx, {
      code: writesResult('['.repeat(MAX_RESULT_DEPTH) + ']'.repeat(MAX_RESULT_DEPTH)),
    })
    expect(ok.warnings).toEqual([])
    expect(JSON.stringify(ok.output)).toBe(
      '['.repeat(MAX_RESULT_DEPTH) + ']'.repeat(MAX_RESULT_DEPTH),
    )
  })

  it('a result.json left open (never closed) is flushed and read as in a cold run', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import json',
        'f = open("/output/result.json", "w")',
        'json.dump({"kept": True}, f)',
        'log = open("/output/log.txt", "w")',
        'log.write("buffered, never closed")',
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.output).toEqual({ kept: true })
    expect(r.warnings).toEqual([])
    expect(r.artifacts.find((a) => a.name === 'log.txt')?.size_bytes).toBe(22)
  })

  it('result.json with invalid UTF-8, a BOM or a NUL is handled as data: a warning or a value, never a crash', async () => {
    const bad = await run(sec.ctx, {
      code: py('open("/output/result.json", "wb").write(b\'{"k": "\\xff\\xfe\\x00"}\')'),
    })
    expect(bad.status).toBe('succeeded')
    expect(bad.warnings.map((w) => w.code)).toEqual(['result_invalid'])
    const bom = await run(sec.ctx, {
      code: py('open("/output/result.json", "wb").write(b"\\xef\\xbb\\xbf{}")'),
    })
    expect(bom.status).toBe('succeeded')
    expect(bom.warnings.length).toBeLessThanOrEqual(1)
    const lone = await run(sec.ctx, {
      code: writesResult('{"s": "\\ud800 lone surrogate", "n": 1e400}'),
    })
    expect(lone.status).toBe('succeeded')
    expect((lone.output as { s: string }).s).toContain('lone surrogate')
  })
})
