// A run killed for memory is `oom` even when Docker's OOMKilled misses it: Docker 20.10 sets the
// flag only when the cgroup's OOM event reaches it before the exit, and under gVisor the exit
// sometimes comes first (docs/security.md, 'gVisor'). The engine then reads the memory peak of the
// run's cgroup on the host (a fake v1 tree here), never anything the script printed.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Docker from 'dockerode'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { detectLayout, type CgroupLayout } from '../../src/main/engine/cgroup-files'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { UsageMonitor } from '../../src/main/engine/resource-usage'
import { RunEngine } from '../../src/main/engine/run-engine'
import { MiB } from '../../src/shared/units'
import { FakeContainerClient } from './fake-container-client'

const LIMIT = 64 * MiB

/**
 * A local cgroupfs daemon whose container ends with SIGKILL (137) and OOMKilled false; on create
 * the "kernel" charges `peak` bytes to the container's cgroup parent in the fake tree.
 */
class KilledClient extends FakeContainerClient {
  constructor(
    private readonly root: string,
    private readonly peak: number,
  ) {
    super()
  }
  cgroupInfo(): Promise<{ driver: string; version: string }> {
    return Promise.resolve({ driver: 'cgroupfs', version: '1' })
  }
  override async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    const parent = spec.HostConfig?.CgroupParent ?? ''
    expect(parent).not.toBe('')
    const dir = path.join(this.root, 'memory', parent)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'memory.max_usage_in_bytes'), `${this.peak}\n`)
    fs.writeFileSync(path.join(dir, 'memory.usage_in_bytes'), '0\n')
    return 'c1'
  }
  override async wait(): Promise<number> {
    return 137
  }
  override async inspect(): Promise<{ running: boolean; exitCode: number; oomKilled: boolean }> {
    return { running: false, exitCode: 137, oomKilled: false }
  }
}

let tmp: string
let layout: CgroupLayout

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-oom-'))
  fs.mkdirSync(path.join(tmp, 'cgroup', 'memory'), { recursive: true })
  fs.writeFileSync(path.join(tmp, 'cgroup', 'memory', 'memory.usage_in_bytes'), '0\n')
  layout = detectLayout(path.join(tmp, 'cgroup'))!
})
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

async function runKilled(peak: number): Promise<Awaited<ReturnType<RunEngine['run']>>> {
  // A local daemon's socket: the usage monitor measures only containers on this host.
  const client = Object.assign(new KilledClient(layout.root, peak), {
    endpoint: 'unix:///var/run/docker.sock',
  })
  const engine = new RunEngine({
    client,
    sessionId: 'session-1',
    user: { uid: 1000, gid: 1000 },
    usage: new UsageMonitor(client, { layout }),
  })
  const r = await engine.run({
    runId: 'run-1',
    code: 'print("hi")\n',
    inputData: {},
    environment: 'default',
    image: 'tako/default:test',
    limits: { ...DEFAULT_LIMITS, memoryBytes: LIMIT },
    runDir: path.join(tmp, 'run-1'),
  })
  expect(client.removed).toEqual(['c1'])
  return r
}

describe('RunEngine: a SIGKILL that Docker does not call OOM', () => {
  it('is oom when the run’s cgroup reached its memory limit (measured on gVisor: 12 KiB over)', async () => {
    const r = await runKilled(LIMIT + 12288)
    expect(r.status).toBe('oom')
    expect(r.exitCode).toBe(137)
    expect(r.error).toMatchObject({ type: 'oom', phase: 'execution' })
    expect(r.error?.message).toMatch(/exceeded the memory limit \(64 MiB\)/)
    expect(r.resourceUsage?.maxRssBytes).toBe(LIMIT + 12288)
  })

  it('stays killed when the memory stayed far below the limit', async () => {
    const r = await runKilled(20 * MiB)
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('killed')
    expect(r.resourceUsage?.maxRssBytes).toBe(20 * MiB)
  })
})
