import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveInputFiles } from '../../src/main/app/input-files'
import { inputProblem } from '../../src/main/app/run-request'
import { buildContainerSpec } from '../../src/main/engine/container-spec'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import {
  inputFileMounts,
  placeInputFiles,
  writeInputFiles,
} from '../../src/main/engine/input-files'
import {
  INPUT_FILE_CAPS,
  inputFileNameProblem,
  inputFilesProblem,
} from '../../src/shared/input-files'

const b64 = (s: string): string => Buffer.from(s).toString('base64')

describe('input file names', () => {
  it.each([
    ['data.csv', null],
    ['my file: v2 (été).txt', null],
    ['__proto__', null],
    ['.hidden', null],
    ['', /not a file name/],
    ['.', /not a file name/],
    ['..', /not a file name/],
    ['../x', /plain file name/],
    ['a/b', /plain file name/],
    ['a\\b', /plain file name/],
    ['tab\there', /control character/],
    ['nul\0', /control character/],
    ['del\u007f', /control character/],
    ['data.json', /reserved/],
    ['Data.JSON', /reserved/],
    ['e\u0301.txt', /normal form C/],
    ['é'.repeat(128), /longer than 255 bytes/],
  ])('%j → %s', (name, problem) => {
    const why = inputFileNameProblem(name)
    if (problem === null) expect(why).toBeNull()
    else expect(why).toMatch(problem)
  })

  it('sets: the same name twice (in any case), per-file, total and count caps', () => {
    expect(
      inputFilesProblem([
        { name: 'a', size: 1 },
        { name: 'A', size: 1 },
      ]),
    ).toMatch(/twice/)
    expect(inputFilesProblem([{ name: 'a', size: INPUT_FILE_CAPS.perFileBytes }])).toBeNull()
    expect(inputFilesProblem([{ name: 'a', size: INPUT_FILE_CAPS.perFileBytes + 1 }])).toMatch(
      /over the cap of 20971520 bytes/,
    )
    const three = ['a', 'b', 'c'].map((name) => ({ name, size: 18 * 1024 * 1024 }))
    expect(inputFilesProblem(three)).toMatch(/total 56623104 bytes, over the cap of 52428800/)
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `f${i}`, size: 0 }))
    expect(inputFilesProblem(many)).toMatch(/101 input files, over the cap of 100/)
    expect(inputFilesProblem(many.slice(0, 100))).toBeNull()
  })
})

describe('resolveInputFiles', () => {
  it('decodes strict base64 only', () => {
    const [f] = resolveInputFiles([{ name: 'a.txt', data: b64('hello') }], undefined)
    expect(f.data!.toString()).toBe('hello')
    for (const bad of ['aGVsbG8', 'aGVsbG8=x', 'aGV sbG8=', 'aGVsbG9=', '!!!!', 'QUJD=']) {
      expect(() => resolveInputFiles([{ name: 'a.txt', data: bad }], undefined), bad).toThrow(
        /"a.txt" is not valid base64/,
      )
    }
    // Line breaks (as MIME tools write them) are allowed.
    const wrapped = `${b64('x'.repeat(60)).slice(0, 76)}\n${b64('x'.repeat(60)).slice(76)}`
    expect(resolveInputFiles([{ name: 'w', data: wrapped }], undefined)[0].data!.length).toBe(60)
  })

  it('refuses a hostile name before reading anything, and references without a store', () => {
    expect(() =>
      resolveInputFiles([{ name: '../etc', fromRun: 'x', path: 'y' }], undefined),
    ).toThrow(/plain file name/)
    expect(() => resolveInputFiles([{ name: 'a', fromRun: 'x', path: 'y' }], undefined)).toThrow(
      /cannot be referred to here/,
    )
  })

  it('names the field for both transports (inputFiles → input_files)', () => {
    try {
      resolveInputFiles([{ name: 'data.json', data: '' }], undefined)
      expect.unreachable()
    } catch (err) {
      expect((err as { issues: { field: string }[] }).issues[0].field).toBe('inputFiles')
    }
  })
})

describe('any JSON value as input', () => {
  it('lists, numbers, strings and null are taken; Maps, Dates, NaN and undefined are not', () => {
    for (const ok of [[1, 2, 3], 42, 'text', null, true, { a: [null] }])
      expect(inputProblem(ok)).toBeNull()
    for (const bad of [new Map(), new Date(), NaN, Infinity, undefined, { a: undefined }, [1n]])
      expect(inputProblem(bad)).toMatch(/not a JSON value/)
  })
})

describe('the engine side', () => {
  it('binds each file read-only at /input/<name> with Mounts (a colon survives)', () => {
    const mounts = inputFileMounts('/runs/r1', [{ name: 'a:b.csv' }])
    expect(mounts).toEqual([
      {
        Type: 'bind',
        Source: '/runs/r1/input-files/a:b.csv',
        Target: '/input/a:b.csv',
        ReadOnly: true,
      },
    ])
    const spec = buildContainerSpec({
      runId: 'r1',
      sessionId: 's',
      image: 'img',
      limits: DEFAULT_LIMITS,
      user: { uid: 1000, gid: 1000 },
      codeFile: '/runs/r1/main.py',
      inputFile: '/runs/r1/input.json',
      outputDir: '/runs/r1/artifacts',
      inputMounts: mounts,
    })
    expect(spec.HostConfig?.Mounts).toEqual(mounts)
    expect(spec.HostConfig?.Binds).toContain('/runs/r1/input.json:/input/data.json:ro')
    expect(() => inputFileMounts('/runs/r1', [{ name: '../../etc/passwd' }])).toThrow(/refused/)
  })

  it("writes files read-only and gives a warm slot exactly this run's files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-inf-'))
    const slot = path.join(dir, 'slot')
    fs.mkdirSync(slot)
    fs.writeFileSync(path.join(slot, 'data.json'), '{}')
    fs.writeFileSync(path.join(slot, 'left-over.txt'), 'another run')
    writeInputFiles(dir, [{ name: 'a.csv', data: Buffer.from('1,2') }])
    expect(fs.statSync(path.join(dir, 'input-files', 'a.csv')).mode & 0o777).toBe(0o444)
    placeInputFiles(dir, [{ name: 'a.csv' }], slot)
    expect(fs.readdirSync(slot).sort()).toEqual(['a.csv', 'data.json'])
    expect(fs.readFileSync(path.join(slot, 'a.csv'), 'utf8')).toBe('1,2')
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
