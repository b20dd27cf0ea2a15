// The exercise pack reader and storage on real folders: the example pack is read from its folder and
// from a zip (with or without its folder's name inside), stored with a manifest, and every bad pack
// is refused with the exact reason and nothing stored: a missing file, an unknown key, a path out of
// the pack, a JSONPath outside the subset, a check that does not exist, a zip bomb, links,
// duplicate names, a manifest that does not match, and more.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { readPackFolder, readPackZip, PackRefused } from '../../src/main/app/exercise-pack'
import { importPack, type Exercises } from '../../src/main/app/exercise-service'
import type { ExerciseGrader } from '../../src/main/app/exercise-grader'
import { ExerciseStore, INTERRUPTED_MESSAGE } from '../../src/main/store/exercise-store'
import { declareSize, makeZip, S_IFLNK, sha, type Entry } from '../fixtures/bundle-zip'
import { EXAMPLE, examplePack, zipPack, type PackFiles } from '../fixtures/exercise-pack'

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-packs-'))
}

function listing(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      out.push(r)
      if (e.isDirectory()) walk(path.join(d, e.name), r)
    }
  }
  walk(dir, '')
  return out.sort()
}

/** An Exercises whose grader is never asked to grade (the reader and the store are what is tested). */
function exercises(dataDir: string): Exercises {
  const grader = { grading: () => false } as unknown as ExerciseGrader
  return { store: new ExerciseStore(dataDir), grader }
}

async function refusal(bytes: Buffer): Promise<string> {
  const dir = tempDir()
  const ex = exercises(dir)
  const before = listing(dir)
  const err = await importPack(ex, bytes, 300).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(PackRefused)
  expect(listing(dir)).toEqual(before)
  expect(ex.store.list()).toEqual([])
  return (err as Error).message
}

function without(name: string): Buffer {
  const f = examplePack()
  delete f[name]
  return zipPack(f)
}

/** The example pack's entries for makeZip, then `more`. */
function exampleEntries(...more: Entry[]): Entry[] {
  return [
    ...Object.entries(examplePack()).map(([name, d]) => ({
      name,
      data: typeof d === 'string' ? new TextEncoder().encode(d) : d,
    })),
    ...more,
  ]
}

const edit = (f: (spec: Record<string, unknown>) => void): Buffer => zipPack(examplePack(f))
type Test = Record<string, unknown> & { expect?: Record<string, unknown> }
const tests = (spec: Record<string, unknown>): Test[] => spec.tests as Test[]

describe('reading a pack', () => {
  it('reads the example folder and the same pack zipped, to the same content hash', async () => {
    const folder = readPackFolder(EXAMPLE)
    expect(folder.spec.id).toBe('mean-of-list')
    expect([...folder.files.keys()].sort()).toEqual([
      'checks/check_mean.py',
      'exercise.json',
      'fixtures/expected_mean_5.json',
      'fixtures/summary_2_4_9.csv',
      'instructions.md',
      'starter.py',
    ])
    const files = examplePack()
    files['exercise.json'] = fs.readFileSync(path.join(EXAMPLE, 'exercise.json'))
    const zipped = await readPackZip(zipPack(files))
    expect(zipped.packSha256).toBe(folder.packSha256)
    // Zipped with its folder, as a file manager does (with directory entries).
    const nested: PackFiles = {}
    for (const [k, v] of Object.entries(files)) nested[`mean-of-list/${k}`] = v
    const withDirs = makeZip([
      { name: 'mean-of-list/', data: new Uint8Array(), attrs: 0x10 },
      ...Object.entries(nested).map(([name, data]) => ({
        name,
        data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
      })),
    ])
    expect((await readPackZip(withDirs)).packSha256).toBe(folder.packSha256)
  })

  it('stores a pack with a manifest, refuses a file changed on disk afterwards', async () => {
    const dir = tempDir()
    const ex = exercises(dir)
    const summary = await importPack(ex, zipPack(examplePack()), 300)
    expect(summary).toMatchObject({ id: 'mean-of-list', testCount: 4, maxScore: 10 })
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, 'exercises', 'mean-of-list', 'manifest.json'), 'utf8'),
    ) as { files: { path: string; sha256: string }[] }
    const starter = fs.readFileSync(path.join(EXAMPLE, 'starter.py'))
    expect(manifest.files.find((f) => f.path === 'starter.py')?.sha256).toBe(sha(starter))
    // The same pack again is the same exercise; the store reloads from disk.
    expect(await importPack(ex, zipPack(examplePack()), 300)).toEqual(summary)
    expect(new ExerciseStore(dir).list()).toEqual([summary])
    const file = path.join(dir, 'exercises', 'mean-of-list', 'pack', 'starter.py')
    fs.chmodSync(file, 0o644)
    fs.writeFileSync(file, 'print("changed")')
    expect(() => ex.store.packFile('mean-of-list', 'starter.py')).toThrow(
      'starter.py of exercise mean-of-list changed on disk since it was imported',
    )
  })

  it('checks a manifest.json the pack carries against every file', async () => {
    const files = examplePack()
    const list = Object.entries(files).map(([p, d]) => ({
      path: p,
      size: typeof d === 'string' ? Buffer.byteLength(d) : d.length,
      sha256: sha(d),
    }))
    const ok = await readPackZip(
      zipPack({ ...files, 'manifest.json': JSON.stringify({ format: 1, files: list }) }),
    )
    expect(ok.files.has('manifest.json')).toBe(false)
    const tampered = { ...files, 'starter.py': 'print("other")' }
    expect(
      await refusal(
        zipPack({ ...tampered, 'manifest.json': JSON.stringify({ format: 1, files: list }) }),
      ),
    ).toBe('Pack refused: "starter.py" does not match its sha256 in manifest.json')
  })
})

describe('every bad pack is refused with the exact reason, nothing stored', () => {
  const cases: [string, () => Buffer, string][] = [
    [
      'a missing file',
      () => without('instructions.md'),
      'Pack refused: instructions: "instructions.md" is not in the pack',
    ],
    [
      'no exercise.json',
      () => without('exercise.json'),
      'Pack refused: exercise.json is missing: not an exercise pack',
    ],
    [
      'an unknown key at the top',
      () => edit((s) => (s.author = 'me')),
      'Pack refused: exercise.json: (top level): Unrecognized key: "author"',
    ],
    [
      'an unknown key in a test',
      () => edit((s) => (tests(s)[0].timeout = 3)),
      'Pack refused: exercise.json: tests.0: Unrecognized key: "timeout"',
    ],
    [
      'a format it does not know',
      () => edit((s) => (s.format = 2)),
      'Pack refused: exercise.json: format: Invalid input: expected 1',
    ],
    [
      'a path escaping the pack',
      () => edit((s) => (s.starter = '../../etc/passwd')),
      'Pack refused: starter: "../../etc/passwd" is not a plain path inside the pack',
    ],
    [
      'an absolute path',
      () => edit((s) => (tests(s)[3].check = '/etc/passwd')),
      'Pack refused: tests[3] ("custom check"): check: "/etc/passwd" is not a plain path inside the pack',
    ],
    [
      'a zip-slip entry',
      () => zipPack({ ...examplePack(), '../evil.py': 'x' }),
      'Pack refused: "../evil.py" leads out of the pack (..)',
    ],
    [
      'a bad JSONPath',
      () =>
        edit((s) => {
          tests(s)[1].expect = { result: [{ path: '$..mean', equals: 15 }] }
        }),
      'Pack refused: tests[1] ("writes mean to result.json"): expect.result[0]: path "$..mean" unexpected "..mean" (only $, .key and [n] are supported)',
    ],
    [
      'a JSONPath filter',
      () =>
        edit((s) => {
          tests(s)[1].expect = { result: [{ path: '$.items[?(@.x)]', exists: true }] }
        }),
      'Pack refused: tests[1] ("writes mean to result.json"): expect.result[0]: path "$.items[?(@.x)]" unexpected "[?(@.x)]" (only $, .key and [n] are supported)',
    ],
    [
      'a check that does not exist',
      () => edit((s) => (tests(s)[3].check = 'checks/nope.py')),
      'Pack refused: tests[3] ("custom check"): check: "checks/nope.py" is not in the pack',
    ],
    [
      'a fixture outside fixtures/',
      () => edit((s) => (tests(s)[3].fixtures = ['starter.py'])),
      'Pack refused: tests[3] ("custom check"): fixtures: "starter.py" must be under fixtures/',
    ],
    [
      'two kinds of stdout expectation',
      () =>
        edit((s) => {
          tests(s)[0].expect = { stdout: { contains: '2.5', equals: '2.5' } }
        }),
      'Pack refused: tests[0] ("prints the mean"): expect.stdout needs exactly one of equals, contains, regex (it has equals, contains)',
    ],
    [
      'a regex that does not compile',
      () =>
        edit((s) => {
          tests(s)[0].expect = { stdout: { regex: '(2.5' } }
        }),
      'Pack refused: tests[0] ("prints the mean"): expect.stdout.regex is not usable: Invalid regular expression: /(2.5/: Unterminated group',
    ],
    [
      'a regex too long',
      () =>
        edit((s) => {
          tests(s)[0].expect = { stdout: { regex: 'a'.repeat(1001) } }
        }),
      'Pack refused: tests[0] ("prints the mean"): expect.stdout.regex is not usable: longer than 1000 characters',
    ],
    [
      'an environment that does not exist',
      () => edit((s) => (s.environment = 'tensorflow')),
      'Pack refused: environment "tensorflow" does not exist (known: default, data-processing, ml-inference)',
    ],
    [
      'a timeout over the ceiling',
      () => edit((s) => (s.limits = { timeout: 600 })),
      'Pack refused: limits: timeout must be less than or equal to the configured max_timeout (300 seconds)',
    ],
    [
      'two tests with one name',
      () => edit((s) => (tests(s)[1].name = 'prints the mean')),
      'Pack refused: two tests are named "prints the mean"',
    ],
    [
      'a test id with a path in it',
      () => edit((s) => (s.id = '../x')),
      'Pack refused: exercise.json: id: must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    ],
    [
      'a symbolic link',
      () =>
        makeZip(
          exampleEntries({
            name: 'fixtures/link',
            data: new TextEncoder().encode('/etc/passwd'),
            os: 3,
            attrs: (S_IFLNK | 0o777) << 16,
          }),
        ),
      'Pack refused: "fixtures/link" is a symbolic link',
    ],
    [
      'a duplicate name, case-folded',
      () => zipPack({ ...examplePack(), 'Starter.py': 'x' }),
      'Pack refused: "Starter.py" and "starter.py" name the same file on a case-insensitive or normalising file system',
    ],
    [
      'a zip bomb (a header claiming more than deflate can give)',
      () => {
        const bomb = makeZip(
          exampleEntries({
            name: 'fixtures/big.bin',
            data: new Uint8Array(200_000),
            deflate: true,
          }),
        )
        return declareSize(bomb, 'fixtures/big.bin', 30 * 1024 * 1024)
      },
      'Pack refused: "fixtures/big.bin" claims a compression ratio deflate cannot reach',
    ],
    [
      'a real zip bomb (more than the pack may hold)',
      () =>
        makeZip(
          exampleEntries({
            name: 'fixtures/big.bin',
            data: new Uint8Array(40 * 1024 * 1024),
            deflate: true,
          }),
        ),
      'Pack refused: "fixtures/big.bin" is 41943040 bytes, over its cap of 33554432',
    ],
    ['not a zip', () => Buffer.from('hello'), 'Pack refused: not a zip archive (too short)'],
  ]
  for (const [what, make, reason] of cases) {
    // Deflating 40 MiB with fflate takes a few seconds.
    it(
      what,
      async () => {
        expect(await refusal(make())).toContain(reason)
      },
      30_000,
    )
  }

  it('a folder pack with a link in it', () => {
    const dir = tempDir()
    fs.cpSync(EXAMPLE, dir, { recursive: true })
    fs.symlinkSync('/etc/passwd', path.join(dir, 'fixtures', 'passwd'))
    expect(() => readPackFolder(dir)).toThrow('Pack refused: "fixtures/passwd" is a symbolic link')
  })

  it('deflate data that lies about its size', async () => {
    const zip = makeZip(
      exampleEntries({ name: 'fixtures/a.bin', data: new Uint8Array(5000).fill(7), deflate: true }),
    )
    expect(await refusal(declareSize(zip, 'fixtures/a.bin', 4000))).toBe(
      'Pack refused: "fixtures/a.bin" inflates past its declared size of 4000 bytes',
    )
  })
})

describe('submissions across a restart', () => {
  it('a submission a dead process left running is failed with the reason; a live one is left', () => {
    const dir = tempDir()
    const store = new ExerciseStore(dir)
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim()
    const base = {
      exerciseId: 'mean-of-list',
      createdAt: new Date().toISOString(),
      endedAt: null,
      score: null,
      maxScore: 10,
      total: 4,
      tests: [],
      results: null,
      error: null,
      packSha256: 'x',
    }
    store.createSubmission(
      { ...base, id: 'gone', status: 'running', owner: `${os.hostname()}:${dead}:1` },
      'print(1)',
    )
    store.createSubmission(
      { ...base, id: 'mine', status: 'running', owner: store.owner },
      'print(2)',
    )
    const fixed = new ExerciseStore(dir).reconcile()
    expect(fixed.map((s) => s.id)).toEqual(['gone'])
    const after = new ExerciseStore(dir)
    expect(after.getSubmission('gone')).toMatchObject({
      status: 'failed',
      error: INTERRUPTED_MESSAGE,
    })
    expect(after.getSubmission('mine')?.status).toBe('running')
    expect(after.readSubmissionCode('gone')).toBe('print(1)')
  })
})
