// Run bundles on a real store folder: an exported run imports as an identical new run, and every
// hostile bundle (each built here with fflate) is refused with its exact reason before anything
// is written: the data folder is byte-for-byte the same listing afterwards.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { deflateSync, unzipSync } from 'fflate'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportBundle } from '../../src/main/app/bundle-export'
import { MAX_UNCOMPRESSED_BYTES } from '../../src/main/app/bundle-format'
import { importBundle } from '../../src/main/app/bundle-import'
import { BundleRefused } from '../../src/main/app/bundle-zip'
import { RunStore } from '../../src/main/store/run-store'
import {
  declareSize,
  enc,
  entriesOf,
  entryRange,
  makeZip,
  remanifest,
  S_IFLNK,
  sha,
  withRecord,
  type Entry,
} from '../fixtures/bundle-zip'
import { runRecord } from '../fixtures/run-record'

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bundle-'))
}

/** Every path under `dir` with its size (and content hash for files). */
function listing(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => {
      const p = path.join(d.parentPath, d.name)
      const st = fs.lstatSync(p)
      return `${path.relative(dir, p)} ${st.isFile() ? sha(fs.readFileSync(p)) : 'dir'}`
    })
    .sort()
}

const PNG = randomBytes(200_000)
const CSV = enc('a,b\n1,2\n'.repeat(1000))

/** A finished run written into `store` the way the engine leaves one. */
function plantRun(store: RunStore, id: string): void {
  const dir = store.runDir(id)
  fs.mkdirSync(path.join(dir, 'artifacts', 'tables'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'main.py'), 'print("hi")\n')
  fs.writeFileSync(path.join(dir, 'input.json'), '{"n":3}')
  fs.writeFileSync(path.join(dir, 'stdout.txt'), 'hi\n')
  fs.writeFileSync(path.join(dir, 'stderr.txt'), '')
  fs.writeFileSync(path.join(dir, 'stdin.txt'), 'line one\n')
  fs.writeFileSync(path.join(dir, 'output.json'), '{"answer": 42.0}')
  fs.writeFileSync(path.join(dir, 'artifacts', 'plot.png'), PNG)
  fs.writeFileSync(path.join(dir, 'artifacts', 'tables', 'data.csv'), CSV)
  store.save(
    runRecord(id, {
      status: 'succeeded',
      endedAt: new Date().toISOString(),
      durationMs: 812,
      exitCode: 0,
      hasStdin: true,
      stdoutBytes: 3,
      artifacts: [
        { name: 'plot.png', sizeBytes: PNG.length, sha256: sha(PNG), contentType: 'image/png' },
        {
          name: 'tables/data.csv',
          sizeBytes: CSV.length,
          sha256: sha(CSV),
          contentType: 'text/csv',
        },
      ],
      timing: { startupMs: 1, executionMs: 2, collectMs: 3, totalMs: 6, phaseAtExit: 'completed' },
      idempotencyKey: 'key-1',
    }),
  )
}

async function exported(store: RunStore, id: string): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  await exportBundle(store, id, out)
  out.end()
  return Buffer.concat(chunks)
}

let source: RunStore
let bundle: Buffer
let entries: Entry[]

beforeAll(async () => {
  source = new RunStore(tempDir())
  plantRun(source, 'orig-run-1')
  bundle = await exported(source, 'orig-run-1')
  entries = entriesOf(bundle)
})

describe('bundle export', () => {
  it('holds every file of the run, the record and a manifest with sizes and sha256', () => {
    const files = unzipSync(bundle)
    expect(Object.keys(files).sort()).toEqual(
      [
        'artifacts/plot.png',
        'artifacts/tables/data.csv',
        'code/main.py',
        'input/data.json',
        'manifest.json',
        'output/result.json',
        'run.json',
        'stderr.txt',
        'stdin.txt',
        'stdout.txt',
      ].sort(),
    )
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
      format: string
      formatVersion: number
      appVersion: string
      environment: { name: string; recipeHash: string | null }
      files: { path: string; size: number; sha256: string }[]
    }
    expect(manifest).toMatchObject({ format: 'tako-vm-run-bundle', formatVersion: 1 })
    expect(manifest.appVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(manifest.environment.name).toBe('default')
    for (const [name, data] of Object.entries(files)) {
      if (name === 'manifest.json') continue
      expect(manifest.files.find((f) => f.path === name)).toEqual({
        path: name,
        size: data.length,
        sha256: sha(data),
      })
    }
    expect(new TextDecoder().decode(files['output/result.json'])).toBe('{"answer": 42.0}')
    const record = JSON.parse(new TextDecoder().decode(files['run.json'])) as { owner?: string }
    expect(record.owner).toBeUndefined()
  })

  it('records the recipe hash of a catalogue image tag', async () => {
    const store = new RunStore(tempDir())
    plantRun(store, 'tagged')
    store.update('tagged', { image: 'tako-vm/default:0123456789ab' })
    const files = unzipSync(await exported(store, 'tagged'))
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
      environment: unknown
    }
    expect(manifest.environment).toEqual({
      name: 'default',
      image: 'tako-vm/default:0123456789ab',
      recipeHash: '0123456789ab',
    })
  })

  it('refuses a run that has not finished', async () => {
    const store = new RunStore(tempDir())
    store.save(runRecord('live'))
    await expect(exported(store, 'live')).rejects.toThrow('Only a finished run can be exported')
  })
})

describe('bundle import', () => {
  it('adds the run under a new id, same record and files, marked imported', async () => {
    const store = new RunStore(tempDir())
    const now = new Date('2026-12-01T10:00:00.000Z')
    const rec = await importBundle(store, bundle, now)
    const orig = source.get('orig-run-1')!
    expect(rec.id).not.toBe(orig.id)
    expect(rec.imported).toEqual({
      originalId: 'orig-run-1',
      originalCreatedAt: orig.createdAt,
      importedAt: now.toISOString(),
    })
    const strip = (r: Record<string, unknown>): Record<string, unknown> => {
      const rest = { ...r }
      for (const k of ['id', 'imported', 'owner', 'idempotencyKey', 'fingerprint']) delete rest[k]
      return rest
    }
    expect(strip({ ...rec })).toEqual(strip({ ...orig }))
    expect(rec.idempotencyKey).toBeNull()
    // A fresh store on the same folder sees it as a normal finished run.
    const reloaded = new RunStore(store.dataDir)
    expect(reloaded.get(rec.id)).toMatchObject({ status: 'succeeded', imported: rec.imported })
    expect(reloaded.readCode(rec.id)).toBe('print("hi")\n')
    expect(reloaded.readOutput(rec.id)).toBe('{"answer": 42.0}')
    expect(fs.readFileSync(path.join(reloaded.runDir(rec.id), 'stdin.txt'), 'utf8')).toBe(
      'line one\n',
    )
    expect(sha(fs.readFileSync(path.join(reloaded.artifactsDir(rec.id), 'plot.png')))).toBe(
      sha(PNG),
    )
    expect(fs.readFileSync(path.join(reloaded.artifactsDir(rec.id), 'tables', 'data.csv'))).toEqual(
      Buffer.from(CSV),
    )
    // No staging folder is left.
    expect(fs.readdirSync(store.runsDir)).toEqual([rec.id])
  })

  it('imports a bundle rebuilt by another zip writer (sizes in local headers, deflate)', async () => {
    const store = new RunStore(tempDir())
    const rebuilt = makeZip(entries.map((e) => ({ ...e, deflate: true })))
    expect((await importBundle(store, rebuilt)).imported?.originalId).toBe('orig-run-1')
  })
})

/** Each hostile bundle and the exact reason it is refused. */
const hostile: [string, () => Buffer, string][] = [
  [
    'a changed byte in an artifact (stored)',
    () => {
      const b = Buffer.from(bundle)
      const at = b.indexOf(PNG.subarray(0, 32)) + 1000
      b[at] = (b[at] ?? 0) ^ 0xff
      return b
    },
    '"artifacts/plot.png" is corrupt (CRC mismatch)',
  ],
  [
    'a changed artifact with a fresh CRC',
    () =>
      makeZip(
        entries.map((e) =>
          e.name === 'artifacts/tables/data.csv'
            ? { ...e, data: enc('a,b\n9,9\n'.repeat(1000)) }
            : e,
        ),
      ),
    '"artifacts/tables/data.csv" does not match its sha256 in the manifest',
  ],
  [
    'an artifact that differs from the record (manifest rewritten to match)',
    () =>
      makeZip(
        remanifest(
          entries.map((e) =>
            e.name === 'artifacts/tables/data.csv' ? { ...e, data: enc('x,y\n') } : e,
          ),
        ),
      ),
    'artifact "tables/data.csv" differs from what run.json records',
  ],
  [
    'a truncated file',
    () => bundle.subarray(0, bundle.length - 40),
    'not a complete zip archive (no end-of-archive record; truncated?)',
  ],
  [
    'a file cut in the middle',
    () => bundle.subarray(0, bundle.length >> 1),
    'not a complete zip archive (no end-of-archive record; truncated?)',
  ],
  [
    'random bytes',
    () => randomBytes(5000),
    'not a complete zip archive (no end-of-archive record; truncated?)',
  ],
  [
    'zip-slip with ../',
    () => makeZip(remanifest([...entries, { name: 'artifacts/../../evil.txt', data: enc('x') }])),
    '"artifacts/../../evil.txt" leads out of the bundle (..)',
  ],
  [
    'an absolute path',
    () => makeZip(remanifest([...entries, { name: '/etc/cron.d/evil', data: enc('x') }])),
    '"/etc/cron.d/evil" is an absolute path',
  ],
  [
    'a drive letter',
    () => makeZip(remanifest([...entries, { name: 'C:/evil.txt', data: enc('x') }])),
    '"C:/evil.txt" is an absolute path',
  ],
  [
    'backslashes',
    () => makeZip(remanifest([...entries, { name: 'artifacts\\..\\evil.txt', data: enc('x') }])),
    '"artifacts\\\\..\\\\evil.txt" contains a backslash',
  ],
  [
    'a symlink entry',
    () =>
      makeZip(
        remanifest([
          ...entries,
          {
            name: 'artifacts/link',
            data: enc('/etc/passwd'),
            os: 3,
            attrs: (S_IFLNK | 0o777) << 16,
          },
        ]),
      ),
    '"artifacts/link" is a symbolic link',
  ],
  [
    'the same name twice',
    () => makeZip([...entries, { name: 'artifacts/plot.png', data: PNG }]),
    '"artifacts/plot.png" appears twice',
  ],
  [
    'names equal when case-folded',
    () => makeZip(remanifest([...entries, { name: 'artifacts/PLOT.png', data: enc('x') }])),
    '"artifacts/PLOT.png" and "artifacts/plot.png" name the same file on a case-insensitive or normalising file system',
  ],
  [
    'names equal when Unicode-normalised',
    () =>
      makeZip(
        remanifest([
          ...entries,
          { name: 'artifacts/caf\u00e9.txt', data: enc('x') },
          { name: 'artifacts/cafe\u0301.txt', data: enc('y') },
        ]),
      ),
    '"artifacts/cafe\u0301.txt" and "artifacts/caf\u00e9.txt" name the same file on a case-insensitive or normalising file system',
  ],
  [
    'an entry not in the manifest',
    () => makeZip([...entries, { name: 'artifacts/extra.txt', data: enc('x') }]),
    '"artifacts/extra.txt" is not in the manifest',
  ],
  [
    'a manifest entry missing from the zip',
    () =>
      makeZip(
        remanifest(entries, (m) => {
          ;(m.files as unknown[]).push({ path: 'artifacts/gone.txt', size: 1, sha256: sha('x') })
        }),
      ),
    '"artifacts/gone.txt" is in the manifest but not in the bundle',
  ],
  [
    'an artifact the record does not list',
    () => makeZip(remanifest([...entries, { name: 'artifacts/extra.txt', data: enc('x') }])),
    '"artifacts/extra.txt" is not an artifact of the run',
  ],
  [
    'no manifest (an ordinary zip)',
    () => makeZip([{ name: 'notes.txt', data: enc('hello') }]),
    'manifest.json is missing: not a run bundle',
  ],
  [
    'a file a bundle never holds',
    () => makeZip(remanifest([...entries, { name: 'notes.txt', data: enc('hello') }])),
    '"notes.txt" is not a file a bundle holds',
  ],
  [
    'no manifest (only bundle names)',
    () => makeZip(entries.filter((e) => e.name !== 'manifest.json')),
    'manifest.json is missing: not a run bundle',
  ],
  [
    'an artifact over the per-file cap (declared)',
    () =>
      declareSize(
        makeZip(entries.map((e) => ({ ...e, deflate: true }))),
        'artifacts/plot.png',
        100 * 1024 * 1024 + 1,
      ),
    `"artifacts/plot.png" is ${100 * 1024 * 1024 + 1} bytes, over its cap of ${100 * 1024 * 1024}`,
  ],
  [
    'more artifacts than the cap',
    () =>
      makeZip(
        remanifest([
          ...entries,
          ...Array.from({ length: 10_000 }, (_, i) => ({ name: `artifacts/f${i}`, data: enc('') })),
        ]),
      ),
    '10010 entries, more than the 10008 a bundle may have',
  ],
  [
    'artifacts over the total cap',
    () => {
      const big = randomBytes(256 * 1024)
      let zip = makeZip(
        remanifest([
          ...entries,
          ...Array.from({ length: 6 }, (_, i) => ({
            name: `artifacts/big${i}.bin`,
            data: big,
            deflate: true,
          })),
        ]),
      )
      for (let i = 0; i < 6; i++) zip = declareSize(zip, `artifacts/big${i}.bin`, 90 * 1024 * 1024)
      return zip
    },
    `artifacts total ${6 * 90 * 1024 * 1024 + PNG.length + CSV.length} bytes, over the cap of ${500 * 1024 * 1024}`,
  ],
  [
    'a bomb: a tiny entry declaring a huge size',
    () =>
      declareSize(
        makeZip(
          remanifest([
            ...entries,
            { name: 'artifacts/b.bin', data: new Uint8Array(4096), deflate: true },
          ]),
        ),
        'artifacts/b.bin',
        90 * 1024 * 1024,
      ),
    '"artifacts/b.bin" claims a compression ratio deflate cannot reach (94371840 bytes from 20): a zip bomb',
  ],
  [
    'a bomb: an entry inflating past its declared size',
    () =>
      declareSize(
        makeZip(
          remanifest([
            ...entries,
            { name: 'artifacts/b.bin', data: new Uint8Array(8 * 1024 * 1024), deflate: true },
          ]),
        ),
        'artifacts/b.bin',
        1024 * 1024,
      ),
    '"artifacts/b.bin" is 1048576 bytes, the manifest says 8388608',
  ],
  [
    'a bomb: declared and listed small, inflating far larger',
    () => {
      const small = randomBytes(1024 * 1024)
      const built = makeZip(
        remanifest([...entries, { name: 'artifacts/b.bin', data: small, deflate: true }]),
      )
      // Behind the same headers (sizes, CRC and manifest all say 1 MiB of these bytes), the
      // compressed data becomes 16 MiB of zeros: the inflater must stop at the declared size.
      const [start, end] = entryRange(built, 'artifacts/b.bin')
      const bomb = deflateSync(new Uint8Array(16 * 1024 * 1024), { level: 9 })
      expect(bomb.length).toBeLessThan(end - start)
      const out = Buffer.from(built)
      out.set(bomb, start)
      return out
    },
    '"artifacts/b.bin" inflates past its declared size of 1048576 bytes',
  ],
  [
    'the whole bundle over the uncompressed cap',
    () => {
      let zip = makeZip(
        remanifest(
          entries.map((e) =>
            e.name === 'stdout.txt' ? { ...e, data: randomBytes(64 * 1024), deflate: true } : e,
          ),
        ),
      )
      zip = declareSize(zip, 'stdout.txt', MAX_UNCOMPRESSED_BYTES + 1)
      return zip
    },
    `"stdout.txt" is ${MAX_UNCOMPRESSED_BYTES + 1} bytes, over its cap of`,
  ],
  [
    'run.json that is not JSON',
    () =>
      makeZip(
        remanifest(entries.map((e) => (e.name === 'run.json' ? { ...e, data: enc('{nope') } : e))),
      ),
    'run.json is not valid JSON',
  ],
  [
    'run.json of a run still running',
    () => makeZip(withRecord(entries, (r) => (r.status = 'running'))),
    'run.json is not a valid run record (status:',
  ],
  [
    'run.json with a path as its id',
    () => makeZip(withRecord(entries, (r) => (r.id = '../../x'))),
    'run.json is not a valid run record (id: not a valid run id)',
  ],
  [
    'run.json claiming stdin the bundle lacks',
    () => makeZip(remanifest(entries.filter((e) => e.name !== 'stdin.txt'))),
    'stdin.txt is missing',
  ],
]

describe('bundle import refuses hostile bundles, creating nothing', () => {
  it.each(hostile)('%s', async (_label, build, reason) => {
    const store = new RunStore(tempDir())
    plantRun(store, 'already-here')
    const before = listing(store.dataDir)
    const zip = build()
    const err = await importBundle(store, zip).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BundleRefused)
    expect((err as Error).message).toContain(`Bundle refused: ${reason}`)
    expect(listing(store.dataDir)).toEqual(before)
    expect(store.all().map((r) => r.id)).toEqual(['already-here'])
  })
})
