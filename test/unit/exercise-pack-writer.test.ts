// Teacher mode's pack writer against a real RunStore holding recorded runs: what goes into
// exercise.json and the fixtures, every refusal with its reason, and the save path's rules.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { strFromU8, unzipSync, zipSync } from 'fflate'
import { beforeEach, describe, expect, it } from 'vitest'
import { FailedPrecondition, InvalidArgument, NotFound } from '../../src/main/app/errors'
import { readPackZip } from '../../src/main/app/exercise-pack'
import {
  buildPackZip,
  DEFAULT_TOLERANCE,
  exportPackToFile,
  PACK_WRITE_LIMITS,
  resultExpectations,
} from '../../src/main/app/exercise-pack-writer'
import { STDIN_FILE } from '../../src/main/engine/run-folder'
import { bundleSavePath } from '../../src/main/electron/save-dialog'
import { RunStore } from '../../src/main/store/run-store'
import { packDraftInput } from '../../src/shared/arg-schemas'
import type { ExerciseSpec, PackDraft, TestDraft } from '../../src/shared/exercise'
import { storeRun } from '../fixtures/stored-run'

let store: RunStore
let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-pack-writer-'))
  store = new RunStore(dir)
  storeRun(store, 'run-mean', {
    code: 'print(2.5)\n',
    input: '{"numbers": [1, 2, 3, 4]}',
    stdout: 'The mean is 2.5\n',
    output: '{"mean": 2.5, "stats": {"n": 4, "ok": true}, "values": [1, 2]}',
    artifacts: {
      'table.csv': 'x,y\n1,2\n',
      'plots/plot.png': Buffer.from([137, 80, 78, 71, 0, 1]),
    },
  })
  storeRun(store, 'run-stdin', {
    stdout: 'Hello, Ada!\n',
    record: { hasStdin: true },
  })
  fs.writeFileSync(path.join(store.runDir('run-stdin'), STDIN_FILE), 'Ada\n')
  storeRun(store, 'run-failed', { record: { status: 'failed', exitCode: 1 } })
})

function test(patch: Partial<TestDraft> = {}): TestDraft {
  return {
    name: 'prints the mean',
    points: 2,
    visibility: 'visible',
    fromRun: 'run-mean',
    expectStdout: 'contains',
    expectResult: false,
    expectFiles: [],
    ...patch,
  }
}

function draft(tests: TestDraft[], patch: Partial<PackDraft> = {}): PackDraft {
  return {
    id: 'mean-of-list',
    title: 'Average of a list',
    instructions: '# Mean\n\nPrint the mean.\n',
    starter: 'numbers = []\n',
    environment: 'default',
    tests,
    ...patch,
  }
}

function unpack(d: PackDraft): { spec: ExerciseSpec; files: Record<string, Uint8Array> } {
  const files = unzipSync(buildPackZip(store, d))
  return { spec: JSON.parse(strFromU8(files['exercise.json'])) as ExerciseSpec, files }
}

describe('buildPackZip', () => {
  it('writes exercise.json, the instructions, the starter and the fixtures from the runs', () => {
    const { spec, files } = unpack(
      draft(
        [
          test({ expectResult: true, expectFiles: ['table.csv'], existFiles: ['plots/plot.png'] }),
          test({
            name: 'greets',
            points: 1,
            visibility: 'hidden',
            fromRun: 'run-stdin',
            expectStdout: 'equals',
          }),
          test({ name: 'says the number', stdoutText: '2.5' }),
        ],
        { limits: { timeoutS: 10, memoryMb: 256 } },
      ),
    )
    expect(Object.keys(files).sort()).toEqual([
      'exercise.json',
      'fixtures/test-1/table.csv',
      'instructions.md',
      'manifest.json',
      'starter.py',
    ])
    expect(strFromU8(files['instructions.md'])).toBe('# Mean\n\nPrint the mean.\n')
    expect(strFromU8(files['starter.py'])).toBe('numbers = []\n')
    expect(strFromU8(files['fixtures/test-1/table.csv'])).toBe('x,y\n1,2\n')
    expect(spec).toEqual({
      format: 1,
      id: 'mean-of-list',
      title: 'Average of a list',
      instructions: 'instructions.md',
      environment: 'default',
      limits: { timeout: 10, memory_mb: 256 },
      starter: 'starter.py',
      tests: [
        {
          name: 'prints the mean',
          points: 2,
          visibility: 'visible',
          input_data: { numbers: [1, 2, 3, 4] },
          expect: {
            stdout: { contains: 'The mean is 2.5' },
            result: [
              { path: '$.mean', equals: 2.5, tolerance: DEFAULT_TOLERANCE },
              { path: '$.stats.n', equals: 4, tolerance: DEFAULT_TOLERANCE },
              { path: '$.stats.ok', equals: true },
              { path: '$.values[0]', equals: 1, tolerance: DEFAULT_TOLERANCE },
              { path: '$.values[1]', equals: 2, tolerance: DEFAULT_TOLERANCE },
            ],
            files: [
              {
                path: 'table.csv',
                equals_file: 'fixtures/test-1/table.csv',
                tolerance: DEFAULT_TOLERANCE,
              },
              { path: 'plots/plot.png', exists: true },
            ],
          },
        },
        {
          name: 'greets',
          points: 1,
          visibility: 'hidden',
          stdin: 'Ada\n',
          expect: { stdout: { equals: 'Hello, Ada!\n' } },
        },
        {
          name: 'says the number',
          points: 2,
          visibility: 'visible',
          input_data: { numbers: [1, 2, 3, 4] },
          expect: { stdout: { contains: '2.5' } },
        },
      ],
    })
  })

  it('copies a binary file as it is, and names fixtures by test', () => {
    const { spec, files } = unpack(
      draft([test({ expectStdout: null, expectFiles: ['plots/plot.png'] })]),
    )
    expect([...files['fixtures/test-1/plots/plot.png']]).toEqual([137, 80, 78, 71, 0, 1])
    expect(spec.tests[0].expect?.files).toEqual([
      { path: 'plots/plot.png', equals_file: 'fixtures/test-1/plots/plot.png' },
    ])
  })

  it('refuses a draft it cannot make into a pack the solution passes, with the reason', () => {
    const refusals: [TestDraft[], new (...a: never[]) => Error, string][] = [
      [[test({ fromRun: 'nope' })], NotFound, 'run nope not found'],
      [[test({ fromRun: 'run-failed' })], FailedPrecondition, 'ended failed'],
      [[test({ stdoutText: '3.5' })], InvalidArgument, 'would fail its own test'],
      [[test({ expectStdout: 'equals', stdoutText: '2.5' })], InvalidArgument, 'own test'],
      [[test({ fromRun: 'run-stdin', expectResult: true })], InvalidArgument, 'no result.json'],
      [[test({ expectFiles: ['missing.csv'] })], InvalidArgument, 'has no file "missing.csv"'],
      [[test({ expectFiles: ['../run.json'] })], InvalidArgument, 'has no file "../run.json"'],
      [[test({ existFiles: ['missing.png'] })], InvalidArgument, 'has no file "missing.png"'],
      [[test({ expectStdout: null })], InvalidArgument, 'checks nothing'],
      [[test(), test({ points: 1 })], InvalidArgument, 'Two tests are named "prints the mean"'],
    ]
    for (const [tests, type, reason] of refusals) {
      const attempt = (): Uint8Array => buildPackZip(store, draft(tests))
      expect(attempt).toThrow(type)
      expect(attempt).toThrow(reason)
    }
  })

  it('refuses stdout that was cut, and a file over the limit', () => {
    storeRun(store, 'run-cut', { stdout: 'a lot', record: { stdoutTruncated: true } })
    expect(() => buildPackZip(store, draft([test({ fromRun: 'run-cut' })]))).toThrow(
      'printed more than was kept',
    )
    storeRun(store, 'run-big', {
      artifacts: { 'big.bin': Buffer.alloc(PACK_WRITE_LIMITS.fileBytes + 1) },
    })
    expect(() =>
      buildPackZip(store, draft([test({ fromRun: 'run-big', expectFiles: ['big.bin'] })])),
    ).toThrow(`more than the ${PACK_WRITE_LIMITS.fileBytes} a pack file may have`)
  })
})

describe('the round trip', () => {
  it('writes a pack the reader takes whole, its manifest matching every file', async () => {
    const d = draft([
      test({ expectResult: true, expectFiles: ['table.csv', 'plots/plot.png'] }),
      test({ name: 'greets', visibility: 'hidden', fromRun: 'run-stdin', expectStdout: 'equals' }),
    ])
    const zip = buildPackZip(store, d)
    const read = await readPackZip(zip)
    expect(read.spec).toEqual(JSON.parse(strFromU8(unzipSync(zip)['exercise.json'])))
    expect([...read.files.keys()].sort()).toEqual([
      'exercise.json',
      'fixtures/test-1/plots/plot.png',
      'fixtures/test-1/table.csv',
      'instructions.md',
      'starter.py',
    ])
    expect(read.manifest.files.map((f) => f.path)).toEqual([...read.files.keys()].sort())
    // A byte changed after writing is caught by the manifest.
    const files = unzipSync(zip)
    files['starter.py'] = new TextEncoder().encode('print("changed")\n')
    await expect(readPackZip(zipSync(files))).rejects.toThrow(
      '"starter.py" does not match its sha256 in manifest.json',
    )
  })
})

describe('resultExpectations', () => {
  it('checks an object with a key the path subset cannot name as a whole', () => {
    expect(resultExpectations({ a: { 'odd key': 1 }, b: [] })).toEqual([
      { path: '$.a', equals: { 'odd key': 1 } },
      { path: '$.b', equals: [] },
    ])
    expect(resultExpectations(3)).toEqual([{ path: '$', equals: 3, tolerance: DEFAULT_TOLERANCE }])
  })

  it('refuses more values than it checks one by one', () => {
    const many = Object.fromEntries(
      Array.from({ length: PACK_WRITE_LIMITS.resultValues + 1 }, (_, i) => [`k${i}`, i]),
    )
    expect(() => resultExpectations(many)).toThrow('too many to check one by one')
  })
})

describe('the draft schema', () => {
  it('takes a draft and refuses a bad id, no tests and unknown fields', () => {
    expect(packDraftInput.safeParse(draft([test()])).success).toBe(true)
    expect(packDraftInput.safeParse(draft([test()], { id: '../x' })).success).toBe(false)
    expect(packDraftInput.safeParse(draft([])).success).toBe(false)
    expect(packDraftInput.safeParse({ ...draft([test()]), extra: 1 }).success).toBe(false)
  })
})

describe('exportPackToFile', () => {
  it('writes the pack where the person picks, as a complete file', async () => {
    const target = path.join(dir, 'out', 'pack.zip')
    fs.mkdirSync(path.dirname(target))
    const asked: [string, string][] = []
    const r = await exportPackToFile(store, draft([test()]), async (name, kind) => {
      asked.push([name, kind])
      return target
    })
    expect(r).toEqual({ path: target })
    expect(asked).toEqual([['mean-of-list.zip', 'exercise']])
    expect(fs.readdirSync(path.dirname(target))).toEqual(['pack.zip'])
    expect(Object.keys(unzipSync(fs.readFileSync(target)))).toContain('exercise.json')
  })

  it('says cancelled when the dialog is cancelled, and refuses without a dialog', async () => {
    expect(await exportPackToFile(store, draft([test()]), async () => null)).toEqual({
      cancelled: true,
    })
    await expect(exportPackToFile(store, draft([test()]), undefined)).rejects.toThrow(
      'exercises:buildPack',
    )
  })

  it('asks no question for a draft it refuses', async () => {
    let asked = false
    await expect(
      exportPackToFile(store, draft([test({ fromRun: 'nope' })]), async () => {
        asked = true
        return path.join(dir, 'x.zip')
      }),
    ).rejects.toThrow(NotFound)
    expect(asked).toBe(false)
  })

  it("titles Electron's save dialog for an exercise pack", async () => {
    const seen: unknown[] = []
    const choose = bundleSavePath(
      {
        showSaveDialog: async (options) => {
          seen.push(options)
          return { canceled: false, filePath: '/d/p.zip' }
        },
      },
      '/d',
    )
    expect(await choose('mean-of-list.zip', 'exercise')).toBe('/d/p.zip')
    expect(seen).toEqual([
      {
        title: 'Export exercise pack',
        defaultPath: '/d/mean-of-list.zip',
        filters: [{ name: 'Tako exercise pack', extensions: ['zip'] }],
      },
    ])
  })
})
