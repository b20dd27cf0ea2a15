import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { measureTree } from '../../src/main/engine/disk-usage'
import type { OutputGuardBreach } from '../../src/main/engine/output-guard'
import { PerRunOutputGuard, type PerRunGuardOptions } from '../../src/main/engine/output-quota'

const MiB = 1024 * 1024
let base: string
const disposers: (() => void)[] = []

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-quota-'))
})

afterEach(() => {
  for (const d of disposers.splice(0)) d()
  execFileSync('rm', ['-rf', base])
})

function outDir(name: string): string {
  const dir = path.join(base, name)
  fs.mkdirSync(dir)
  return dir
}

function files(dir: string, n: number, size = 0): void {
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `f${i}`), Buffer.alloc(size, 1))
}

const free = (): fs.StatsFs => fs.statfsSync(base)

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Watches two runs, A and B, and records what each was stopped for. */
function watchTwo(options: PerRunGuardOptions, a: string, b: string) {
  const guard = new PerRunOutputGuard({ floorCheckMs: 10, sampleMs: 20, ...options })
  const breaches: Record<string, OutputGuardBreach[]> = { A: [], B: [] }
  disposers.push(guard.watch('A', a, (x) => breaches.A.push(x)))
  disposers.push(guard.watch('B', b, (x) => breaches.B.push(x)))
  return { guard, breaches }
}

describe('measureTree', () => {
  it('counts entries and bytes on disk, folders included, without following links', async () => {
    const dir = outDir('out')
    fs.mkdirSync(path.join(dir, 'sub'))
    fs.writeFileSync(path.join(dir, 'sub', 'one.bin'), Buffer.alloc(MiB, 1))
    files(dir, 3)
    const host = outDir('host')
    files(host, 50, 4096)
    fs.symlinkSync(host, path.join(dir, 'link'))
    const u = await measureTree(dir, { bytes: Infinity, entries: Infinity })
    expect(u.entries).toBe(6) // sub, sub/one.bin, f0..f2, link
    expect(u.bytes).toBeGreaterThanOrEqual(MiB)
    expect(u.bytes).toBeLessThan(MiB + 64 * 1024)
    expect(u).toMatchObject({ capped: false, tooDeep: false })
  })

  it('stops counting once past a bound', async () => {
    const dir = outDir('out')
    files(dir, 500)
    const u = await measureTree(dir, { bytes: Infinity, entries: 100 })
    expect(u).toMatchObject({ entries: 101, capped: true })
  })
})

describe('PerRunOutputGuard', () => {
  it('stops only the run past its own byte quota, saying which quota and how much', async () => {
    const a = outDir('a')
    const b = outDir('b')
    const { breaches } = watchTwo({ maxBytes: 2 * MiB }, a, b)
    fs.writeFileSync(path.join(b, 'result.json'), '{"ok": true}')
    fs.writeFileSync(path.join(a, 'big.bin'), Buffer.alloc(3 * MiB, 1))
    await until(() => breaches.A.length > 0, 'A to be stopped')
    expect(breaches.A.map((x) => x.reason)).toEqual(['output_quota'])
    expect(breaches.A[0]?.message).toMatch(
      /took 3(\.\d)? MiB on disk, over this run's quota of 2 MiB/,
    )
    expect(breaches.B).toEqual([])
  })

  it('stops only the run past its own entry quota', async () => {
    const a = outDir('a')
    const b = outDir('b')
    files(b, 5)
    const { breaches } = watchTwo({ maxEntries: 40 }, a, b)
    files(a, 60)
    await until(() => breaches.A.length > 0, 'A to be stopped')
    expect(breaches.A).toEqual([
      {
        reason: 'output_quota',
        message: "Stopped: /output held at least 41 files and folders, over this run's quota of 40",
      },
    ])
    expect(breaches.B).toEqual([])
  })

  it('below the free-space floor, stops the run that grew the most, never the one that wrote next to nothing', async () => {
    const a = outDir('a')
    const b = outDir('b')
    fs.writeFileSync(path.join(a, 'grown.bin'), Buffer.alloc(2 * MiB, 1))
    fs.writeFileSync(path.join(b, 'result.json'), '{}')
    const st = free()
    // A floor above today's free space: the disk counts as full without filling it.
    const { guard, breaches } = watchTwo(
      { minFreeBytes: st.bavail * st.bsize + 1024 * MiB, minGrowthBytes: MiB },
      a,
      b,
    )
    await until(() => breaches.A.length > 0, 'A to be stopped')
    expect(breaches.A.map((x) => x.reason)).toEqual(['disk_floor'])
    expect(breaches.A[0]?.message).toMatch(
      /disk had less than .* MiB free, and this run's \/output grew the most \(2(\.\d)? MiB on disk\)/,
    )
    // B is still watched after many more floor checks and samples, and never stopped.
    await new Promise((r) => setTimeout(r, 300))
    expect(breaches.B).toEqual([])
    expect(guard.watched).toBe(1)
    expect(guard.checkBeforeStart(b)).toMatch(/^Not enough free disk space for a run/)
  })

  it('below the free-inode floor, stops the run with the most files', async () => {
    const a = outDir('a')
    const b = outDir('b')
    files(a, 300)
    files(b, 2)
    const st = free()
    const { breaches } = watchTwo(
      { minFreeInodes: st.ffree + 1_000_000, minGrowthEntries: 100 },
      a,
      b,
    )
    await until(() => breaches.A.length > 0, 'A to be stopped')
    expect(breaches.A.map((x) => x.reason)).toEqual(['disk_floor'])
    expect(breaches.A[0]?.message).toMatch(
      /had less than [\d,]+ free files \(inodes\), and this run's \/output grew the most \(300 files and folders\)/,
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(breaches.B).toEqual([])
  })

  it('lets runs start and go on above the floors, and stops its timers when the last run ends', async () => {
    const a = outDir('a')
    const guard = new PerRunOutputGuard({ floorCheckMs: 10, sampleMs: 20 })
    expect(guard.checkBeforeStart(a)).toBeNull()
    const seen: OutputGuardBreach[] = []
    const stop = guard.watch('A', a, (x) => seen.push(x))
    files(a, 10, 1000)
    await new Promise((r) => setTimeout(r, 200))
    expect(seen).toEqual([])
    stop()
    expect(guard.watched).toBe(0)
  })

  it('refuses to start a run when free inodes are below the floor', () => {
    const guard = new PerRunOutputGuard({ minFreeInodes: free().ffree + 1_000_000 })
    expect(guard.checkBeforeStart(base)).toMatch(
      /^Not enough free files \(inodes\) on the disk for a run: [\d,]+ free where the app's data is kept, at least [\d,]+ needed$/,
    )
  })
})
