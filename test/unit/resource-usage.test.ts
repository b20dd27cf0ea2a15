import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CgroupDir,
  cgroupOfPid,
  detectLayout,
  type CgroupLayout,
} from '../../src/main/engine/cgroup-files'
import type { ContainerClient } from '../../src/main/engine/docker-client'
import {
  CGROUP_BASE,
  noReadings,
  PARENT_PREFIX,
  UsageMonitor,
  usageFrom,
  type UsageReadings,
} from '../../src/main/engine/resource-usage'
import { processStartTime } from '../../src/main/engine/owner'
import { MiB } from '../../src/shared/units'

let root: string

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroup-fake-'))
})
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

/** Writes `files` (name → content) into `dir` below the fake root. */
function put(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(path.join(root, dir), { recursive: true })
  for (const [name, text] of Object.entries(files))
    fs.writeFileSync(path.join(root, dir, name), text)
}

/** A v1 tree with one cgroup `rel` in the memory, cpuacct and pids hierarchies. */
function fakeV1(
  rel: string,
  v: { peak: number; cur: number; cpu: number; pids: number; pidsPeak?: number },
): CgroupLayout {
  put('memory', { 'memory.usage_in_bytes': '0\n' })
  put(`memory/${rel}`, {
    'memory.max_usage_in_bytes': `${v.peak}\n`,
    'memory.usage_in_bytes': `${v.cur}\n`,
  })
  put(`cpuacct/${rel}`, { 'cpuacct.usage': `${v.cpu}\n` })
  put(`pids/${rel}`, {
    'pids.current': `${v.pids}\n`,
    ...(v.pidsPeak !== undefined ? { 'pids.peak': `${v.pidsPeak}\n` } : {}),
  })
  return detectLayout(root)!
}

describe('cgroup files', () => {
  it('detects v1 by its memory hierarchy and v2 by the unified root', () => {
    expect(detectLayout(root)).toBeNull()
    put('memory', { 'memory.usage_in_bytes': '1' })
    expect(detectLayout(root)).toEqual({ version: 1, root })
    put('', { 'cgroup.controllers': 'cpu memory pids' })
    expect(detectLayout(root)).toEqual({ version: 2, root })
  })

  it('reads v1 peak, current, CPU nanoseconds and tasks', () => {
    const layout = fakeV1('docker/abc', {
      peak: 150 * MiB,
      cur: 3 * MiB,
      cpu: 1_234_567_890,
      pids: 4,
      pidsPeak: 7,
    })
    const cg = new CgroupDir(layout, 'docker/abc')
    expect(cg.exists()).toBe(true)
    expect(cg.memoryPeak()).toBe(150 * MiB)
    expect(cg.memoryCurrent()).toBe(3 * MiB)
    expect(cg.cpuNs()).toBe(1_234_567_890)
    expect(cg.pidsCurrent()).toBe(4)
    expect(cg.pidsPeak()).toBe(7)
  })

  it('reads v2 memory.peak, memory.current, cpu.stat usage_usec and pids', () => {
    put('', { 'cgroup.controllers': 'cpu memory pids' })
    put('tako/r1', {
      'memory.peak': '200\n',
      'memory.current': '100\n',
      'cpu.stat': 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n',
      'pids.current': '3\n',
      'pids.peak': '9\n',
    })
    const cg = new CgroupDir(detectLayout(root)!, 'tako/r1')
    expect(cg.memoryPeak()).toBe(200)
    expect(cg.memoryCurrent()).toBe(100)
    expect(cg.cpuNs()).toBe(2_500_000)
    expect(cg.pidsPeak()).toBe(9)
  })

  it('answers null, never throws, for a missing cgroup or garbage in a file', () => {
    const layout = fakeV1('docker/abc', { peak: 1, cur: 1, cpu: 1, pids: 1 })
    const gone = new CgroupDir(layout, 'docker/gone')
    expect(gone.exists()).toBe(false)
    expect([gone.memoryPeak(), gone.memoryCurrent(), gone.cpuNs(), gone.pidsCurrent()]).toEqual([
      null,
      null,
      null,
      null,
    ])
    // No pids.peak on this kernel.
    expect(new CgroupDir(layout, 'docker/abc').pidsPeak()).toBeNull()
    fs.writeFileSync(path.join(root, 'memory/docker/abc/memory.usage_in_bytes'), 'max\n')
    expect(new CgroupDir(layout, 'docker/abc').memoryCurrent()).toBeNull()
  })

  it('resets the v1 peak by writing 0 (the kernel then restarts it at current use)', () => {
    const layout = fakeV1('p', { peak: 90, cur: 10, cpu: 0, pids: 1 })
    const window = new CgroupDir(layout, 'p').openPeakWindow()
    expect(window).not.toBeNull()
    expect(fs.readFileSync(path.join(root, 'memory/p/memory.max_usage_in_bytes'), 'utf8')).toBe('0')
    fs.writeFileSync(path.join(root, 'memory/p/memory.max_usage_in_bytes'), '40')
    expect(window!.read()).toBe(40)
  })

  it('gives no peak window when the peak file cannot be written', () => {
    const layout = fakeV1('p', { peak: 90, cur: 10, cpu: 0, pids: 1 })
    fs.rmSync(path.join(root, 'memory/p'), { recursive: true })
    expect(new CgroupDir(layout, 'p').openPeakWindow()).toBeNull()
  })

  it('finds a process cgroup: the memory line on v1, the 0:: line on v2', () => {
    const proc = path.join(root, 'proc')
    put('proc/42', {
      cgroup: '9:name=systemd:/docker/abc\n4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n',
    })
    put('proc/43', { cgroup: '0::/system.slice/docker-def.scope\n' })
    expect(cgroupOfPid({ version: 1, root }, 42, proc)).toBe('docker/abc')
    expect(cgroupOfPid({ version: 2, root }, 43, proc)).toBe('system.slice/docker-def.scope')
    expect(cgroupOfPid({ version: 1, root }, 44, proc)).toBeNull()
  })

  it('removes a cgroup from every v1 hierarchy; a busy one is reported, not forced', () => {
    const layout = fakeV1('tako/x', { peak: 1, cur: 1, cpu: 1, pids: 1 })
    // Real cgroup folders are removed with rmdir while they look full of files; the fake's files
    // would make rmdir fail, which is what a busy cgroup does.
    expect(new CgroupDir(layout, 'tako/x').remove()).toBe(false)
    for (const h of ['memory', 'cpuacct', 'pids'])
      for (const f of fs.readdirSync(path.join(root, h, 'tako/x')))
        fs.rmSync(path.join(root, h, 'tako/x', f))
    expect(new CgroupDir(layout, 'tako/x').remove()).toBe(true)
    for (const h of ['memory', 'cpuacct', 'pids'])
      expect(fs.existsSync(path.join(root, h, 'tako/x'))).toBe(false)
  })
})

function readings(over: Partial<UsageReadings>): UsageReadings {
  return { ...noReadings(false), peakIsRunOnly: true, ...over }
}
const FACTS = { oomKilled: false, memoryLimitBytes: 512 * MiB }

describe('usageFrom', () => {
  it('a cold run: the counters as read, CPU in ms with one decimal', () => {
    expect(
      usageFrom(readings({ peakEnd: 180 * MiB, cpuEndNs: 1_234_560_000, pidsPeakEnd: 7 }), FACTS),
    ).toEqual({ maxRssBytes: 180 * MiB, cpuTimeMs: 1234.6, peakPids: 7, warmBaselineBytes: null })
  })

  it("a cold run's task peak leaves out the runtime's start-up unless the script went past it", () => {
    const cold = { pidsPeakAtDispatch: 6, sampledMaxPids: 2 }
    expect(usageFrom(readings({ ...cold, pidsPeakEnd: 6 }), FACTS).peakPids).toBe(2)
    expect(usageFrom(readings({ ...cold, pidsPeakEnd: 7 }), FACTS).peakPids).toBe(7)
  })

  it('a warm run with a reset peak: the baseline and the warm-up CPU are left out', () => {
    const u = usageFrom(
      readings({
        warm: true,
        baselineBytes: 60 * MiB,
        peakEnd: 62 * MiB,
        cpuAtDispatchNs: 900e6,
        cpuEndNs: 950e6,
        pidsPeakAtDispatch: 5,
        pidsPeakEnd: 5,
        sampledMaxPids: 3,
      }),
      FACTS,
    )
    expect(u).toEqual({
      maxRssBytes: 2 * MiB,
      cpuTimeMs: 50,
      // The lifetime task peak (5) was the warm-up's: the samples of the run say 3.
      peakPids: 3,
      warmBaselineBytes: 60 * MiB,
    })
  })

  it('a warm run whose peak could not be reset: a new high is exact, else the samples', () => {
    const base = { warm: true, baselineBytes: 10, peakIsRunOnly: false, peakAtDispatch: 500 }
    expect(
      usageFrom(readings({ ...base, peakEnd: 800, sampledMaxBytes: 300 }), FACTS).maxRssBytes,
    ).toBe(790)
    expect(
      usageFrom(readings({ ...base, peakEnd: 500, sampledMaxBytes: 300 }), FACTS).maxRssBytes,
    ).toBe(290)
  })

  it('an OOM-killed run reached its limit even when a sample missed the top', () => {
    const u = usageFrom(readings({ sampledMaxBytes: 40 * MiB, peakIsRunOnly: true }), {
      oomKilled: true,
      memoryLimitBytes: 64 * MiB,
    })
    expect(u.maxRssBytes).toBe(64 * MiB)
  })

  it('nothing read: nulls, not zeros', () => {
    expect(usageFrom(readings({ warm: true }), FACTS)).toEqual({
      maxRssBytes: null,
      cpuTimeMs: null,
      peakPids: null,
      warmBaselineBytes: null,
    })
  })
})

/** Our ContainerClient with only what the monitor uses. */
function fakeClient(over: Partial<ContainerClient>): ContainerClient {
  return {
    endpoint: 'unix:///var/run/docker.sock',
    inspect: () => Promise.resolve({ running: true, exitCode: 0, oomKilled: false, pid: 42 }),
    ...over,
  } as ContainerClient
}

describe('UsageMonitor', () => {
  it('uses cgroup parents only with the cgroupfs driver and a writable tree', async () => {
    const layout = fakeV1('x', { peak: 1, cur: 1, cpu: 1, pids: 1 })
    const info = (driver: string) => () => Promise.resolve({ driver, version: '1' })
    // The fake tree is ours, so writable.
    expect(
      await new UsageMonitor(fakeClient({ cgroupInfo: info('cgroupfs') }), { layout }).ready(),
    ).toBe('parent')
    fs.chmodSync(path.join(root, 'memory'), 0o555)
    if (process.getuid?.() !== 0)
      expect(
        await new UsageMonitor(fakeClient({ cgroupInfo: info('cgroupfs') }), { layout }).ready(),
      ).toBe('sample')
    fs.chmodSync(path.join(root, 'memory'), 0o755)
    expect(
      await new UsageMonitor(fakeClient({ cgroupInfo: info('systemd') }), { layout }).ready(),
    ).toBe('sample')
    // A remote daemon's containers are not on this host; a client that cannot say: not measured.
    const remote = fakeClient({ endpoint: 'tcp://10.0.0.2:2376', cgroupInfo: info('cgroupfs') })
    expect(await new UsageMonitor(remote, { layout }).ready()).toBe('none')
    expect(await new UsageMonitor(fakeClient({}), { layout }).ready()).toBe('none')
    expect(
      await new UsageMonitor(fakeClient({ cgroupInfo: info('cgroupfs') }), {
        layout: null,
      }).ready(),
    ).toBe('none')
  })

  it('names a parent per container below its own owner folder', async () => {
    const layout = fakeV1('x', { peak: 1, cur: 1, cpu: 1, pids: 1 })
    const m = new UsageMonitor(
      fakeClient({ cgroupInfo: () => Promise.resolve({ driver: 'cgroupfs', version: '1' }) }),
      { layout },
    )
    const parent = await m.parentFor('run-1')
    expect(parent).toMatch(new RegExp(`^/docker/${PARENT_PREFIX}${process.pid}-\\d+-run-1$`))
    expect(CGROUP_BASE).toBe('docker')
  })

  it("sample mode: reads the container's own cgroup, found from its init's /proc entry", async () => {
    const id = 'c0ffee'
    const layout = fakeV1(`docker/${id}`, {
      peak: 120 * MiB,
      cur: 100 * MiB,
      cpu: 2e9,
      pids: 3,
      pidsPeak: 4,
    })
    put('proc/42', { cgroup: `4:memory:/docker/${id}\n` })
    const m = new UsageMonitor(
      fakeClient({ cgroupInfo: () => Promise.resolve({ driver: 'systemd', version: '1' }) }),
      { layout, proc: path.join(root, 'proc') },
    )
    expect(await m.ready()).toBe('sample')
    const meter = m.meter(id, null, false)
    await meter.dispatch()
    meter.started()
    await new Promise((r) => setTimeout(r, 50))
    // The script starts a thread: the task peak passes the runtime's start-up (4).
    fs.writeFileSync(path.join(root, 'pids/docker', id, 'pids.peak'), '5\n')
    await new Promise((r) => setTimeout(r, 300))
    // The container exits: its cgroup goes; the meter keeps what it read last.
    for (const h of ['memory', 'cpuacct', 'pids'])
      fs.rmSync(path.join(root, h, 'docker', id), { recursive: true })
    const u = await meter.finish(FACTS)
    expect(u).toEqual({
      maxRssBytes: 120 * MiB,
      cpuTimeMs: 2000,
      peakPids: 5,
      warmBaselineBytes: null,
    })
  })

  it('sample mode: a pid whose cgroup is not the container’s is not read', async () => {
    const layout = fakeV1('docker/other', { peak: 1, cur: 1, cpu: 1, pids: 1 })
    put('proc/42', { cgroup: '4:memory:/docker/other\n' })
    const m = new UsageMonitor(
      fakeClient({ cgroupInfo: () => Promise.resolve({ driver: 'systemd', version: '1' }) }),
      { layout, proc: path.join(root, 'proc') },
    )
    await m.ready()
    const meter = m.meter('c0ffee', null, false)
    meter.started()
    await new Promise((r) => setTimeout(r, 50))
    expect((await meter.finish(FACTS)).maxRssBytes).toBeNull()
  })

  it('sweeps the parents of owners that are gone and keeps live ones and Docker’s own', () => {
    const layout = fakeV1('x', { peak: 1, cur: 1, cpu: 1, pids: 1 })
    const dir = (name: string): string => path.join(root, 'memory', 'docker', name)
    const live = `${PARENT_PREFIX}${process.pid}-${processStartTime(process.pid)}-run-c`
    const names = [
      `${PARENT_PREFIX}999999999-1-run-a`,
      // Our pid with another start time: a dead process that had our pid.
      `${PARENT_PREFIX}${process.pid}-1-pool-x`,
      live,
      'c0ffee',
    ]
    for (const n of names) fs.mkdirSync(dir(n), { recursive: true })
    new UsageMonitor(fakeClient({}), { layout }).sweep()
    expect(names.filter((n) => fs.existsSync(dir(n)))).toEqual([live, 'c0ffee'])
  })
})
