// Run bundles of a 100 MiB run, in this process, on a store in a temp folder (no Docker needed):
//  - export (the streamed zip written to a file) and import (verify everything, then write the run)
//  - each next to a plain copy of the same bytes (fs.copyFileSync of every file of the run)
//  - this process's RSS growth during each, sampled every 5 ms: the bundle is never held whole
//    by the export; the import holds the zip's bytes once (as the upload does)
// Medians over N rounds (default 5). Usage: npm run bench:bundle [-- N]
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeBundleFile } from '../src/main/app/bundle-files'
import { importBundle } from '../src/main/app/bundle-import'
import { RunStore } from '../src/main/store/run-store'
import { runRecord } from '../test/fixtures/run-record'
import { peakRssGrowth, percentile } from './stats'

const MiB = 1024 * 1024
const rounds = Number(process.argv[2] ?? 5)
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-bundle-'))
const store = new RunStore(path.join(root, 'data'))
const ID = 'bench-run-100mib'

/** A finished run whose artifacts total 100 MiB: 64 MiB of random bytes, 36 MiB of CSV text. */
function plant(): void {
  const dir = store.runDir(ID)
  const art = path.join(dir, 'artifacts')
  fs.mkdirSync(art, { recursive: true })
  const random = randomBytes(64 * MiB)
  const row = 'id,value,label\n'
  let csv = row
  for (let i = 0; csv.length < 36 * MiB - 64; i++)
    csv += `${i},${(i * 0.37).toFixed(3)},item-${i % 97}\n`
  const text = Buffer.from(csv.slice(0, 36 * MiB))
  fs.writeFileSync(path.join(art, 'data.bin'), random)
  fs.writeFileSync(path.join(art, 'table.csv'), text)
  fs.writeFileSync(path.join(dir, 'main.py'), 'print("made 100 MiB")\n')
  fs.writeFileSync(path.join(dir, 'input.json'), '{}')
  fs.writeFileSync(path.join(dir, 'stdout.txt'), 'made 100 MiB\n')
  fs.writeFileSync(path.join(dir, 'stderr.txt'), '')
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
  const now = new Date().toISOString()
  const record = runRecord(ID, {
    status: 'succeeded',
    image: 'tako-vm/default:0123456789ab',
    endedAt: now,
    durationMs: 1000,
    exitCode: 0,
    codePreview: 'print("made 100 MiB")',
    stdoutBytes: 13,
    artifacts: [
      {
        name: 'data.bin',
        sizeBytes: random.length,
        sha256: sha(random),
        contentType: 'application/octet-stream',
      },
      { name: 'table.csv', sizeBytes: text.length, sha256: sha(text), contentType: 'text/csv' },
    ],
  })
  store.save(record)
}

async function measure<T>(
  run: () => Promise<T> | T,
): Promise<{ ms: number; rssMiB: number; value: T }> {
  let value: T | undefined
  let ms = 0
  const rssMiB = await peakRssGrowth(async () => {
    const t = performance.now()
    value = await run()
    ms = performance.now() - t
  })
  return { ms, rssMiB, value: value as T }
}

function plainCopy(target: string): void {
  fs.rmSync(target, { recursive: true, force: true })
  fs.cpSync(store.runDir(ID), target, { recursive: true })
}

async function main(): Promise<void> {
  plant()
  const zip = path.join(root, 'bundle.zip')
  const copies = { copy: [] as number[], exp: [] as number[], imp: [] as number[] }
  const rss = { exp: [] as number[], imp: [] as number[] }
  let size = 0
  for (let i = 0; i < rounds; i++) {
    copies.copy.push((await measure(() => plainCopy(path.join(root, 'copy')))).ms)
    fs.rmSync(zip, { force: true })
    const e = await measure(() => writeBundleFile(store, ID, zip))
    copies.exp.push(e.ms)
    rss.exp.push(e.rssMiB)
    size = fs.statSync(zip).size
    const m = await measure(async () => importBundle(store, fs.readFileSync(zip)))
    copies.imp.push(m.ms)
    rss.imp.push(m.rssMiB)
    await store.delete(m.value.id)
  }
  const med = (v: number[]): number => percentile(v, 50)
  const line = (label: string, v: number[]): string =>
    `${label.padEnd(36)} median ${med(v).toFixed(0).padStart(6)} ms  (${(med(v) / med(copies.copy)).toFixed(2)}× the plain copy)`
  console.log(
    `run: 100 MiB of artifacts (64 MiB random, 36 MiB CSV); bundle ${(size / MiB).toFixed(1)} MiB; ${rounds} rounds`,
  )
  console.log(line('plain copy of the run folder', copies.copy))
  console.log(line('export (streamed zip to a file)', copies.exp))
  console.log(line('import (read, verify, write)', copies.imp))
  console.log(
    `RSS growth: export median ${med(rss.exp).toFixed(1)} MiB, import median ${med(rss.imp).toFixed(1)} MiB`,
  )
  fs.rmSync(root, { recursive: true, force: true })
}

void main()
