// The run store on a real folder: start-up recovery touches only runs whose owner is gone, outputs
// live in their own file (older run.json files with the output inline still load), and output is
// kept on disk while it streams.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { runRecord as record } from '../fixtures/run-record'
import { currentOwner } from '../../src/main/engine/owner'
import { OUTPUT_FILE, RunStore, STDOUT_FILE } from '../../src/main/store/run-store'
import { deadOther, killLiveOthers, liveOther } from './other-processes'

afterAll(killLiveOthers)

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-store-'))
}

const liveOwner = (): string => liveOther().owner
const deadOwner = (): string => deadOther().owner

/** A run folder as another process (or an older version) left it: run.json written directly. */
function plant(dataDir: string, rec: Record<string, unknown>, partial?: string): void {
  const dir = path.join(dataDir, 'runs', rec.id as string)
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec))
  if (partial !== undefined) fs.writeFileSync(path.join(dir, 'artifacts', 'partial.txt'), partial)
}

describe('RunStore.reconcile', () => {
  it("leaves a live owner's queued and running runs untouched", async () => {
    const data = tempDir()
    const owner = liveOwner()
    plant(data, { ...record('live-running', { owner }) }, 'still being written')
    plant(data, { ...record('live-queued', { owner, status: 'queued', startedAt: null }) })
    const runJson = fs.readFileSync(path.join(data, 'runs', 'live-running', 'run.json'), 'utf8')
    const store = new RunStore(data)
    expect(await store.reconcile()).toEqual([])
    expect(store.get('live-running')).toMatchObject({ status: 'running', owner, error: null })
    expect(store.get('live-queued')).toMatchObject({ status: 'queued', owner })
    expect(fs.readFileSync(path.join(data, 'runs', 'live-running', 'run.json'), 'utf8')).toBe(
      runJson,
    )
    // Nor can it be deleted through this store while its owner runs it.
    expect(await store.delete('live-running')).toBe(false)
    expect(fs.existsSync(path.join(data, 'runs', 'live-running', 'artifacts', 'partial.txt'))).toBe(
      true,
    )
  })

  it("interrupts a dead owner's run (and an ownerless older one), keeping partial artifacts and output", async () => {
    const data = tempDir()
    plant(data, { ...record('dead-running', { owner: deadOwner() }) }, 'half')
    fs.writeFileSync(path.join(data, 'runs', 'dead-running', STDOUT_FILE), 'line 1\nline 2\n')
    plant(data, { ...record('old-queued', { status: 'queued', startedAt: null }) })
    plant(data, {
      ...record('dead-clipped', {
        owner: deadOwner(),
        limits: { ...DEFAULT_LIMITS, stdoutBytes: 4 },
      }),
    })
    fs.writeFileSync(
      path.join(data, 'runs', 'dead-clipped', STDOUT_FILE),
      'line\n[live copy stops after 4 bytes; the run went on printing]\n',
    )
    plant(data, { ...record('done', { owner: deadOwner(), status: 'succeeded', exitCode: 0 }) })
    const store = new RunStore(data)
    const fixed = await store.reconcile()
    expect(fixed.map((r) => r.id).sort()).toEqual(['dead-clipped', 'dead-running', 'old-queued'])
    expect(store.get('dead-clipped')).toMatchObject({
      stdoutTruncated: true,
      stderrTruncated: false,
    })
    expect(store.get('dead-running')).toMatchObject({
      status: 'failed',
      error: { type: 'interrupted', phase: 'execution' },
      stdoutBytes: 'line 1\nline 2\n'.length,
      stdoutTruncated: false,
      artifacts: [expect.objectContaining({ name: 'partial.txt', sizeBytes: 4 })],
      owner: currentOwner(),
    })
    expect(store.get('old-queued')).toMatchObject({
      status: 'failed',
      error: { type: 'interrupted', phase: null },
    })
    expect(store.get('done')).toMatchObject({ status: 'succeeded', exitCode: 0 })
    expect(store.readText('dead-running', STDOUT_FILE)).toBe('line 1\nline 2\n')
  })
})

describe('RunStore outputs', () => {
  it('keeps the output in output.json, out of run.json and out of the index', () => {
    const data = tempDir()
    const store = new RunStore(data)
    store.save(record('r1', { status: 'succeeded' }))
    store.writeResultOutput('r1', '{"answer": 42.0}')
    expect(store.readOutput('r1')).toBe('{"answer": 42.0}')
    const runJson = fs.readFileSync(path.join(data, 'runs', 'r1', 'run.json'), 'utf8')
    expect(runJson).not.toContain('answer')
    expect(JSON.stringify(store.all())).not.toContain('answer')
    expect(new RunStore(data).readOutput('r1')).toBe('{"answer": 42.0}')
    store.writeResultOutput('r1', null)
    expect(store.readOutput('r1')).toBeNull()
    expect(store.readOutput('unknown-run')).toBeNull()
  })

  it('loads an older run folder whose run.json holds the output inline, and moves it out on the next save', () => {
    const data = tempDir()
    plant(data, { ...record('legacy', { status: 'succeeded' }), outputJson: '{"old": [1, 2]}' })
    plant(data, { ...record('legacy-none', { status: 'failed' }), outputJson: null })
    const store = new RunStore(data)
    expect(store.readOutput('legacy')).toBe('{"old": [1, 2]}')
    expect(store.readOutput('legacy-none')).toBeNull()
    expect(store.get('legacy')).not.toHaveProperty('outputJson')
    expect(JSON.stringify(store.list({ limit: 10, offset: 0 }))).not.toContain('old')
    store.update('legacy', { warnings: [] })
    const runJson = JSON.parse(
      fs.readFileSync(path.join(data, 'runs', 'legacy', 'run.json'), 'utf8'),
    ) as Record<string, unknown>
    expect(runJson).not.toHaveProperty('outputJson')
    expect(fs.readFileSync(path.join(data, 'runs', 'legacy', OUTPUT_FILE), 'utf8')).toBe(
      '{"old": [1, 2]}',
    )
    expect(new RunStore(data).readOutput('legacy')).toBe('{"old": [1, 2]}')
  })
})

describe('live output', () => {
  it('appends each chunk as it comes, keeps the head up to the cap and says where it stopped', () => {
    const data = tempDir()
    const store = new RunStore(data)
    store.save(record('r2'))
    const live = store.openLiveOutput('r2', { stdoutBytes: 16, stderrBytes: 1024 })
    live.append('stdout', 'line 1\n')
    expect(store.readText('r2', STDOUT_FILE)).toBe('line 1\n')
    live.append('stderr', 'warn\n')
    live.append('stdout', 'line 2\nline 3\n')
    live.append('stdout', 'line 4\n')
    live.close()
    live.append('stdout', 'after close\n')
    const text = store.readText('r2', STDOUT_FILE)
    expect(text.startsWith('line 1\nline 2\nli\n[live copy stops after 16 bytes')).toBe(true)
    expect(text).not.toContain('line 4')
    expect(store.readText('r2', 'stderr.txt')).toBe('warn\n')
    // The final capped text replaces the live copy.
    store.writeOutput('r2', 'final out', 'final err')
    expect(store.readText('r2', STDOUT_FILE)).toBe('final out')
  })

  it('does not follow a symlink planted where the live file goes', () => {
    const data = tempDir()
    const store = new RunStore(data)
    store.save(record('r3'))
    const outside = path.join(data, 'outside.txt')
    fs.writeFileSync(outside, 'keep')
    fs.symlinkSync(outside, path.join(store.runDir('r3'), STDOUT_FILE))
    expect(() => store.openLiveOutput('r3', DEFAULT_LIMITS)).toThrow(/ELOOP/)
    expect(fs.readFileSync(outside, 'utf8')).toBe('keep')
  })
})
