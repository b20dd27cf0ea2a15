import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, it, expect } from 'vitest'
import {
  MAX_RESULT_DEPTH,
  normalizePythonJson,
  readResultJson,
  type ParsedResult,
} from '../../src/main/engine/result-parser'

const MAX = 16 * 1024 * 1024
let dir: string
let outside: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-result-'))
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-host-'))
})

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.rmSync(outside, { recursive: true, force: true })
})

function write(text: string): void {
  fs.writeFileSync(path.join(dir, 'result.json'), text)
}

function expectValue(r: ParsedResult, value: unknown): void {
  expect(r.output).toEqual(value)
  expect(r.warning).toBeNull()
}

function expectInvalid(r: ParsedResult, message: string): void {
  expect(r.output).toBeNull()
  expect(r.raw).toBeNull()
  expect(r.warning?.code).toBe('result_invalid')
  expect(r.warning?.path).toBe('result.json')
  expect(r.warning?.message).toContain(message)
}

describe('readResultJson: values', () => {
  it('returns null and no warning when result.json is missing', () => {
    const r = readResultJson(dir, MAX)
    expectValue(r, null)
    expect(r.raw).toBeNull()
  })

  it('accepts any top-level JSON value', () => {
    const values: unknown[] = [{ a: [1, { b: 'c' }] }, [], [1, 2], 'x', 42, -1.5e3, true, null]
    for (const v of values) {
      write(JSON.stringify(v))
      const r = readResultJson(dir, MAX)
      expectValue(r, v)
      expect(r.raw).toBe(JSON.stringify(v))
    }
  })

  it('reads UTF-8 content and Python json.dump spacing', () => {
    write('{"name": "Zoë €😀", "n": [1, 2]}\n')
    expect(readResultJson(dir, MAX).output).toEqual({ name: 'Zoë €😀', n: [1, 2] })
  })

  it('reports malformed JSON as result_invalid, naming the parse error', () => {
    write('not valid json {')
    const r = readResultJson(dir, MAX)
    expectInvalid(r, 'result.json is not valid JSON: ')
    let parseMessage = ''
    try {
      JSON.parse('not valid json {')
    } catch (err) {
      parseMessage = (err as Error).message
    }
    expect(r.warning?.message).toContain(parseMessage)
  })

  it('treats an empty file as invalid JSON', () => {
    write('')
    expectInvalid(readResultJson(dir, MAX), 'not valid JSON')
  })
})

describe('readResultJson: NaN and Infinity (tolerant policy)', () => {
  it('maps NaN, Infinity and -Infinity to null with a result_nonstandard warning', () => {
    // what json.dump({'v': nan, 'w': [inf, -inf]}) writes
    write('{"v": NaN, "w": [Infinity, -Infinity], "ok": 1}')
    const r = readResultJson(dir, MAX)
    expect(r.output).toEqual({ v: null, w: [null, null], ok: 1 })
    expect(r.raw).toBe('{"v": null, "w": [null, null], "ok": 1}')
    expect(r.warning?.code).toBe('result_nonstandard')
    expect(r.warning?.message).toContain('3 NaN/Infinity')
  })

  it('maps a top-level NaN', () => {
    write('NaN')
    const r = readResultJson(dir, MAX)
    expect(r.output).toBeNull()
    expect(r.warning?.code).toBe('result_nonstandard')
  })

  it('leaves NaN and Infinity inside strings untouched, escapes included', () => {
    write('{"s": "NaN Infinity -Infinity", "q": "a\\"NaN\\\\", "NaN": 1}')
    expectValue(readResultJson(dir, MAX), { s: 'NaN Infinity -Infinity', q: 'a"NaN\\', NaN: 1 })
  })

  it('normalizePythonJson counts replacements and depth', () => {
    expect(normalizePythonJson('[NaN,{"a":[-Infinity]}]')).toEqual({
      text: '[null,{"a":[null]}]',
      replaced: 2,
      depth: 3,
    })
    expect(normalizePythonJson('"[[[["')).toEqual({ text: '"[[[["', replaced: 0, depth: 0 })
  })
})

describe('readResultJson: nesting', () => {
  const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n)

  it(`accepts nesting up to ${MAX_RESULT_DEPTH} levels`, () => {
    write(nested(MAX_RESULT_DEPTH))
    const r = readResultJson(dir, MAX)
    expect(r.warning).toBeNull()
    expect(Array.isArray(r.output)).toBe(true)
  })

  it('rejects deeper nesting as result_invalid before parsing', () => {
    write(nested(MAX_RESULT_DEPTH + 1))
    expectInvalid(readResultJson(dir, MAX), `nested ${MAX_RESULT_DEPTH + 1} levels`)
  })

  it('rejects a 100,000-deep unterminated bracket bomb without crashing', () => {
    write('['.repeat(100_000))
    expectInvalid(readResultJson(dir, MAX), 'nested 100000 levels')
  })
})

describe('readResultJson: hostile files', () => {
  it('refuses a symlink to a host file and never reads its target', () => {
    const secret = path.join(outside, 'secret.json')
    fs.writeFileSync(secret, '{"secret": "host data"}')
    fs.symlinkSync(secret, path.join(dir, 'result.json'))
    const r = readResultJson(dir, MAX)
    expectInvalid(r, 'symbolic link')
    expect(JSON.stringify(r)).not.toContain('host data')
    expect(fs.readFileSync(secret, 'utf8')).toBe('{"secret": "host data"}')
  })

  it('refuses a dangling symlink as result_invalid, not as missing', () => {
    fs.symlinkSync(path.join(outside, 'nothing-here'), path.join(dir, 'result.json'))
    expectInvalid(readResultJson(dir, MAX), 'symbolic link')
  })

  it('refuses a FIFO without hanging', async () => {
    const fifo = path.join(dir, 'result.json')
    execFileSync('mkfifo', [fifo])
    // A writer that unblocks a blocking open after 2 s, so a regression fails on the 1 s bound
    // below instead of hanging the test run forever.
    const writer = spawn('sh', ['-c', `sleep 2; echo '{"fed":1}' > "${fifo}"`], { stdio: 'ignore' })
    try {
      const t0 = Date.now()
      const r = readResultJson(dir, MAX)
      expect(Date.now() - t0).toBeLessThan(1000)
      expectInvalid(r, 'not a regular file')
    } finally {
      writer.kill('SIGKILL')
      await new Promise((resolve) => writer.once('exit', resolve))
    }
  })

  it('refuses a directory', () => {
    fs.mkdirSync(path.join(dir, 'result.json'))
    fs.writeFileSync(path.join(dir, 'result.json', 'x'), '{}')
    expectInvalid(readResultJson(dir, MAX), 'folder')
  })

  it('refuses a file over maxBytes and accepts one exactly at it', () => {
    write(JSON.stringify('x'.repeat(98))) // 100 bytes
    expectValue(readResultJson(dir, 100), 'x'.repeat(98))
    write(JSON.stringify('x'.repeat(99))) // 101 bytes
    expectInvalid(readResultJson(dir, 100), '101 bytes, over the 100-byte limit')
  })

  it('checks the size of a sparse file before reading it', () => {
    const fd = fs.openSync(path.join(dir, 'result.json'), 'w')
    fs.ftruncateSync(fd, 1024 * 1024 * 1024 * 64)
    fs.closeSync(fd)
    expectInvalid(readResultJson(dir, MAX), '68719476736 bytes')
  })
})
