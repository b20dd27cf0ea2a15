// Comparing two runs with 1,000 artifacts each (825 the same, 100 changed text files, 50 changed
// CSVs, 25 removed, 25 added; 4 KiB each) plus 1 MiB of stdout each with a few lines changed,
// through the comparison builder on a real store — against a plain copy of the same bytes (both
// runs' artifact and output files copied with fs.copyFileSync) in the same process.
// Usage: npm run bench:compare [-- rounds]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { compareRuns } from '../src/main/app/compare'
import { RunStore, STDOUT_FILE } from '../src/main/store/run-store'
import { storeRun } from '../test/fixtures/stored-run'
import { percentile } from './stats'

const ROUNDS = Number(process.argv[2] ?? 9)
const FILES = 1000

function text(seed: string, lines: number): string {
  return Array.from({ length: lines }, (_, i) => `${seed} line ${i} ${'x'.repeat(40)}`).join('\n')
}

function csv(v: number): string {
  return Array.from({ length: 100 }, (_, r) =>
    Array.from({ length: 8 }, (__, c) => (r === 50 && c === 3 ? v : r * 8 + c)).join(','),
  ).join('\n')
}

function artifacts(side: 'a' | 'b'): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < 825; i++) out[`same/${i}.txt`] = text(`same ${i}`, 70)
  for (let i = 0; i < 100; i++)
    out[`text/${i}.txt`] = text(`t ${i}`, 70).replace('line 35', `line 35 ${side}`)
  for (let i = 0; i < 50; i++) out[`csv/${i}.csv`] = csv(side === 'a' ? -1 : -2)
  for (let i = 0; i < 25; i++)
    out[`${side === 'a' ? 'removed' : 'added'}/${i}.txt`] = text(side, 70)
  return out
}

const stdout = (side: string): string =>
  text('out', 17_000).replace('line 8000 ', `line 8000 ${side} `)

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-compare-'))
const store = new RunStore(dataDir)
for (const side of ['a', 'b'] as const) {
  const rec = storeRun(store, `run-${side}`, {
    stdout: stdout(side),
    output: JSON.stringify({
      values: Array.from({ length: 5000 }, (_, i) =>
        side === 'a' ? i : i + (i % 100 === 0 ? 1 : 0),
      ),
    }),
    artifacts: artifacts(side),
  })
  if (rec.artifacts.length !== FILES) throw new Error(`expected ${FILES} artifacts`)
}

const copies: string[] = []

/** Copies both runs' artifacts and stdout (removing the copy is left out of the time). */
function plainCopy(): void {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-copy-'))
  copies.push(dest)
  for (const id of ['run-a', 'run-b']) {
    const rec = store.get(id)!
    for (const a of rec.artifacts) {
      const to = path.join(dest, id, a.name)
      fs.mkdirSync(path.dirname(to), { recursive: true })
      fs.copyFileSync(path.join(store.artifactsDir(id), a.name), to)
    }
    fs.copyFileSync(path.join(store.runDir(id), STDOUT_FILE), path.join(dest, id, STDOUT_FILE))
  }
}

function time(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

const compare: number[] = []
const copy: number[] = []
let last = compareRuns(store, 'run-a', 'run-b')
for (let i = 0; i < ROUNDS; i++) {
  // Alternate, so that drift on a shared machine falls on both.
  compare.push(time(() => (last = compareRuns(store, 'run-a', 'run-b'))))
  copy.push(time(plainCopy))
}
const bytes = (['run-a', 'run-b'] as const).reduce(
  (n, id) => n + store.get(id)!.artifacts.reduce((m, a) => m + a.sizeBytes, 0),
  0,
)
const { artifacts: d } = last
console.log(
  `two runs × ${FILES} artifacts (${(bytes / 1024 / 1024).toFixed(1)} MiB) + 1 MiB stdout each; ` +
    `found: ${d.same.length} same, ${d.changed.length} changed (${d.changed.filter((c) => c.text ?? c.csv).length} diffed), ` +
    `${d.added.length} added, ${d.removed.length} removed; stdout −${last.stdout.linesRemoved} +${last.stdout.linesAdded}; ` +
    `${last.output.changes.length} result changes`,
)
const p50 = (v: number[]): number => percentile(v, 50)
console.log(
  `compareRuns   n=${ROUNDS}  median ${p50(compare).toFixed(1)} ms  p95 ${percentile(compare, 95).toFixed(1)} ms`,
)
console.log(
  `plain copy    n=${ROUNDS}  median ${p50(copy).toFixed(1)} ms  p95 ${percentile(copy, 95).toFixed(1)} ms`,
)
console.log(`ratio (median) ${(p50(compare) / p50(copy)).toFixed(2)}×`)
for (const dir of [dataDir, ...copies]) fs.rmSync(dir, { recursive: true, force: true })
