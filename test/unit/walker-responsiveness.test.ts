import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectArtifacts } from '../../src/main/engine/artifact-walker'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { removeTree } from '../../src/main/engine/remove-tree'

// A responsiveness bound, not a speed benchmark: whatever the disk's speed, the event loop must
// get turns all through the work. Before the walk was sliced, each took seconds in one block, the
// whole of the work. The bound is relative to the work's own duration, so a loaded machine, which
// slows both alike, cannot break it (an absolute 500 ms did, at a load average of 13).
const MAX_BLOCK_SHARE = 0.25
const FILES = 100_000

let base: string

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-flood-'))
})

afterEach(() => {
  execFileSync('rm', ['-rf', base])
})

/** 100,000 empty files as a script would leave them: most in one folder, some nested. */
function flood(dir: string): void {
  fs.mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true })
  const script =
    `const fs = require('fs'); const d = ${JSON.stringify(dir)};` +
    `for (let i = 0; i < ${FILES - 2_000}; i++) fs.writeFileSync(d + '/f' + i, '');` +
    `for (let i = 0; i < 1000; i++) fs.writeFileSync(d + '/nested/n' + i, 'x');` +
    `for (let i = 0; i < 1000; i++) fs.writeFileSync(d + '/nested/deeper/m' + i, 'y')`
  execFileSync(process.execPath, ['-e', script])
}

/** The longest stretch the event loop was held during `work`, and how long `work` took, in ms. */
async function loopDelay(work: () => Promise<unknown>): Promise<{ max: number; total: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  try {
    // the monitor records a delay from its second tick on: let it tick before the work starts
    await new Promise((resolve) => setTimeout(resolve, 20))
    const start = performance.now()
    await work()
    const total = performance.now() - start
    // let the monitor's timer fire once more, so a stretch blocked until the very end is recorded
    await new Promise((resolve) => setTimeout(resolve, 20))
    return { max: h.max / 1e6, total }
  } finally {
    h.disable()
  }
}

describe('collection and deletion of a flood of files keep the event loop responsive', () => {
  it(
    `collects from ${FILES} files without blocking the event loop`,
    { timeout: 300_000 },
    async () => {
      const out = path.join(base, 'artifacts')
      fs.mkdirSync(out)
      flood(out)
      let walked: Awaited<ReturnType<typeof collectArtifacts>> | undefined
      const delay = await loopDelay(async () => {
        walked = await collectArtifacts(out, DEFAULT_LIMITS)
      })
      expect(walked?.artifacts).toHaveLength(DEFAULT_LIMITS.artifactCount)
      expect(walked?.warnings.map((w) => w.code)).toEqual(['artifact_limit'])
      // the kept files stay; every other file is removed, the (now empty) folders stay
      expect(fs.readdirSync(out)).toHaveLength(DEFAULT_LIMITS.artifactCount + 1)
      expect(fs.readdirSync(path.join(out, 'nested'))).toEqual(['deeper'])
      expect(fs.readdirSync(path.join(out, 'nested', 'deeper'))).toEqual([])
      expect(delay.max).toBeLessThan(delay.total * MAX_BLOCK_SHARE)
    },
  )

  it(
    `deletes a run folder of ${FILES} files without blocking the event loop`,
    { timeout: 300_000 },
    async () => {
      const run = path.join(base, 'run')
      fs.mkdirSync(path.join(run, 'artifacts'), { recursive: true })
      fs.writeFileSync(path.join(run, 'record.json'), '{}')
      flood(path.join(run, 'artifacts'))
      const delay = await loopDelay(() => removeTree(run))
      expect(fs.existsSync(run)).toBe(false)
      expect(fs.readdirSync(base)).toEqual([])
      expect(delay.max).toBeLessThan(delay.total * MAX_BLOCK_SHARE)
    },
  )

  it('treats a folder that is already gone as deleted', async () => {
    await expect(removeTree(path.join(base, 'never-made'))).resolves.toBeUndefined()
    await expect(removeTree(path.join(base, 'no', 'parent'))).resolves.toBeUndefined()
  })

  it('deletes a link to a host folder, not the folder it points to', async () => {
    const hostDir = path.join(base, 'host')
    fs.mkdirSync(hostDir)
    fs.writeFileSync(path.join(hostDir, 'keep.txt'), 'keep')
    fs.symlinkSync(hostDir, path.join(base, 'run'))
    await removeTree(path.join(base, 'run'))
    expect(fs.existsSync(path.join(base, 'run'))).toBe(false)
    expect(fs.readFileSync(path.join(hostDir, 'keep.txt'), 'utf8')).toBe('keep')
  })
})
