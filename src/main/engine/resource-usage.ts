import os from 'node:os'
import type { ResourceUsage } from '../../shared/run'
import {
  CgroupDir,
  cgroupOfPid,
  cgroupsWritable,
  detectLayout,
  listChildren,
  type CgroupLayout,
  type PeakWindow,
} from './cgroup-files'
import type { ContainerClient } from './docker-client'
import { ownerAlive, processStartTime } from './owner'

/**
 * How a run's resource use is measured (see docs/run-contract.md, 'Resource use'):
 * - `parent`: each container gets a cgroup parent of its own (`/tako-vm-desktop/<owner>/<label>`).
 *   The kernel removes a container's own cgroup the moment it exits, but charges every ancestor as
 *   it goes, so the parent still holds the exact peak memory, CPU time and peak task count after the
 *   exit; it is read, then removed. Needs a local daemon with the cgroupfs driver and a process
 *   allowed to remove cgroups (root).
 * - `sample`: the container's own cgroup is read every SAMPLE_MS while it runs (a user who may read
 *   but not remove cgroups, or the systemd driver): peaks are exact while the container lives; the
 *   last moments before the exit are not seen, CPU time is a lower bound.
 * - `none`: no cgroup files of the daemon's containers on this host (Docker Desktop's VM, a remote
 *   daemon): only `outputBytes` is measured.
 */
export type UsageMode = 'parent' | 'sample' | 'none'

const SAMPLE_MS = 200
/** The first samples come sooner, so a run of a few dozen milliseconds is seen at least once. */
const FIRST_SAMPLES_MS = [10, 25, 50, 100]
/**
 * Our cgroup parents sit beside the containers Docker places itself (`/docker/<id>`), one per
 * container, so each run keeps the CPU share it had as a direct child of `/docker`.
 */
export const CGROUP_BASE = 'docker'
/** Names of our parents: `tako-vm-desktop-<pid>-<start time>-<run id or pool slot>`. */
export const PARENT_PREFIX = 'tako-vm-desktop-'

/** What the meter saw; turned into the run's figures by `usageFrom`. */
export interface UsageReadings {
  warm: boolean
  /** Memory the container held at dispatch (warm), subtracted from the run's peak. */
  baselineBytes: number | null
  /** Peak memory at the end: of the window opened at dispatch, else of the cgroup's life. */
  peakEnd: number | null
  /** Whether `peakEnd` covers this run only (a fresh container or a peak reset at dispatch). */
  peakIsRunOnly: boolean
  /** The lifetime peak at dispatch (warm, peak not reset). */
  peakAtDispatch: number | null
  sampledMaxBytes: number | null
  cpuEndNs: number | null
  cpuAtDispatchNs: number | null
  pidsPeakEnd: number | null
  /** The lifetime task peak at dispatch (warm) or just after the start (cold: runc's own tasks). */
  pidsPeakAtDispatch: number | null
  sampledMaxPids: number | null
}

/** Readings before anything was read. */
export function noReadings(warm: boolean): UsageReadings {
  return {
    warm,
    baselineBytes: null,
    peakEnd: null,
    peakIsRunOnly: !warm,
    peakAtDispatch: null,
    sampledMaxBytes: null,
    cpuEndNs: null,
    cpuAtDispatchNs: null,
    pidsPeakEnd: null,
    pidsPeakAtDispatch: null,
    sampledMaxPids: null,
  }
}

/** A counter's value during the run alone: exact when it rose past its warm-up value, else sampled. */
function runPeak(
  end: number | null,
  atDispatch: number | null,
  runOnly: boolean,
  sampled: number | null,
): number | null {
  if (end !== null && (runOnly || atDispatch === null || end > atDispatch)) {
    return sampled !== null ? Math.max(end, sampled) : end
  }
  return sampled
}

/**
 * The run's figures from the readings. Warm runs subtract what the container held and used before
 * dispatch; a run Docker reports as OOM-killed reached its limit, whatever a sample saw.
 */
export function usageFrom(
  r: UsageReadings,
  facts: { oomKilled: boolean; memoryLimitBytes: number },
): Omit<ResourceUsage, 'outputBytes'> {
  let total = runPeak(r.peakEnd, r.peakAtDispatch, r.peakIsRunOnly, r.sampledMaxBytes)
  if (facts.oomKilled && total !== null) total = Math.max(total, facts.memoryLimitBytes)
  const baseline = r.warm ? (r.baselineBytes ?? null) : 0
  const maxRssBytes = total === null || baseline === null ? null : Math.max(0, total - baseline)
  const cpu =
    r.cpuEndNs === null
      ? null
      : r.warm
        ? r.cpuAtDispatchNs === null
          ? null
          : Math.max(0, r.cpuEndNs - r.cpuAtDispatchNs)
        : r.cpuEndNs
  const peakPids = runPeak(r.pidsPeakEnd, r.pidsPeakAtDispatch, false, r.sampledMaxPids)
  return {
    maxRssBytes,
    cpuTimeMs: cpu === null ? null : Math.round(cpu / 1e5) / 10,
    peakPids,
    warmBaselineBytes: r.warm ? baseline : null,
  }
}

/** The container's own memory peak during the run (a warm baseline counted back in), or null. */
export function containerPeakBytes(u: Omit<ResourceUsage, 'outputBytes'>): number | null {
  return u.maxRssBytes === null ? null : u.maxRssBytes + (u.warmBaselineBytes ?? 0)
}

/** One container's run, from dispatch to exit. */
export interface RunMeter {
  /** Before the script starts: the warm container's baseline, its peak window. */
  dispatch(): Promise<void>
  /** The script has started: sampling begins. */
  started(): void
  /** After the exit, before the container is removed. */
  finish(facts: {
    oomKilled: boolean
    memoryLimitBytes: number
  }): Promise<Omit<ResourceUsage, 'outputBytes'>>
}

/** Who owns our cgroup parents: this process, by pid and start time (as container owners). */
function ownerKey(): string {
  return `${process.pid}-${processStartTime(process.pid) ?? '0'}`
}

/** Measures runs' resource use through the host's cgroup files; one per app process. */
export class UsageMonitor {
  private mode: Promise<UsageMode> | null = null
  private resolved: UsageMode = 'none'
  private readonly key = ownerKey()

  private readonly layout: CgroupLayout | null
  private readonly proc: string
  private readonly log: (event: string, fields: Record<string, unknown>) => void

  /** `layout` and `proc` are the host's cgroup tree and /proc (a fake tree in tests). */
  constructor(
    private readonly client: ContainerClient,
    options: {
      layout?: CgroupLayout | null
      proc?: string
      log?: ((event: string, fields: Record<string, unknown>) => void) | undefined
    } = {},
  ) {
    this.layout = options.layout === undefined ? detectLayout() : options.layout
    this.proc = options.proc ?? '/proc'
    this.log = options.log ?? (() => undefined)
  }

  /** How runs are measured here (asks the daemon once). */
  ready(): Promise<UsageMode> {
    this.mode ??= this.detect()
    return this.mode
  }

  private async detect(): Promise<UsageMode> {
    if (!this.layout || !this.client.cgroupInfo || !/^unix:/.test(this.client.endpoint))
      return 'none'
    try {
      const info = await this.client.cgroupInfo()
      const mode = info.driver === 'cgroupfs' && cgroupsWritable(this.layout) ? 'parent' : 'sample'
      this.resolved = mode
      this.log('usage-mode', { mode, driver: info.driver, version: info.version })
      return mode
    } catch {
      this.mode = null // ask again with the next run
      return 'none'
    }
  }

  /** The cgroup parent for a new container (`parent` mode), else undefined. */
  async parentFor(label: string): Promise<string | undefined> {
    if ((await this.ready()) !== 'parent') return undefined
    return `/${CGROUP_BASE}/${PARENT_PREFIX}${this.key}-${label}`
  }

  /** A meter for one run's container (measures nothing before `ready()` said how). */
  meter(containerId: string, cgroupParent: string | null, warm: boolean): RunMeter {
    if (!this.layout || this.resolved === 'none') return NULL_METER
    return new CgroupMeter(this.layout, this.proc, this.client, containerId, cgroupParent, warm)
  }

  /** Removes a container's cgroup parent once its container's own cgroup is gone. */
  release(cgroupParent: string | null | undefined, attempts = 20): void {
    if (!cgroupParent || !this.layout) return
    const dir = new CgroupDir(this.layout, cgroupParent.replace(/^\/+/, ''))
    if (dir.remove()) return
    if (attempts <= 1) {
      this.log('cgroup-remove-failed', { cgroupParent })
      return
    }
    setTimeout(() => this.release(cgroupParent, attempts - 1), 500).unref()
  }

  /** Removes the cgroup parents of app processes that are gone (a crash); busy ones stay. */
  sweep(): void {
    if (!this.layout) return
    for (const name of listChildren(this.layout, CGROUP_BASE)) {
      if (!name.startsWith(PARENT_PREFIX)) continue
      const [pid, start] = name.slice(PARENT_PREFIX.length).split('-')
      if (`${pid}-${start}` === this.key || ownerAlive(`${os.hostname()}:${pid}:${start}`)) continue
      new CgroupDir(this.layout, `${CGROUP_BASE}/${name}`).remove()
    }
  }
}

const NULL_METER: RunMeter = {
  dispatch: () => Promise.resolve(),
  started: () => undefined,
  finish: () =>
    Promise.resolve({
      maxRssBytes: null,
      cpuTimeMs: null,
      peakPids: null,
      warmBaselineBytes: null,
    }),
}

const maxOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b)

class CgroupMeter implements RunMeter {
  private cg: CgroupDir | null
  private window: PeakWindow | null = null
  private timer: NodeJS.Timeout | null = null
  private ended = false
  private readonly r: UsageReadings

  constructor(
    private readonly layout: CgroupLayout,
    private readonly proc: string,
    private readonly client: ContainerClient,
    private readonly containerId: string,
    cgroupParent: string | null,
    warm: boolean,
  ) {
    this.cg = cgroupParent ? new CgroupDir(layout, cgroupParent.replace(/^\/+/, '')) : null
    this.r = noReadings(warm)
  }

  /** The container's own cgroup (`sample` mode), from its init's /proc entry; null once it exited. */
  private async locate(): Promise<void> {
    if (this.cg) return
    try {
      const { pid } = await this.client.inspect(this.containerId)
      const rel = pid ? cgroupOfPid(this.layout, pid, this.proc) : null
      // The pid must be the container's: a daemon in a VM reports pids of another namespace.
      if (rel && rel.includes(this.containerId)) this.cg = new CgroupDir(this.layout, rel)
    } catch {
      // gone or the daemon did not answer: nothing to read
    }
  }

  async dispatch(): Promise<void> {
    if (!this.r.warm) return
    await this.locate()
    const cg = this.cg
    if (!cg) return
    this.r.baselineBytes = cg.memoryCurrent()
    this.r.cpuAtDispatchNs = cg.cpuNs()
    this.r.pidsPeakAtDispatch = cg.pidsPeak()
    this.window = cg.openPeakWindow()
    if (this.window) this.r.peakIsRunOnly = true
    else this.r.peakAtDispatch = cg.memoryPeak()
    this.sample()
  }

  started(): void {
    let n = 0
    const tick = (): void => {
      if (this.ended) return
      // A cold container's task peak so far is the runtime's own start-up (runc's init threads).
      if (n === 0 && !this.r.warm) this.r.pidsPeakAtDispatch = this.cg?.pidsPeak() ?? null
      this.sample()
      this.timer = setTimeout(tick, FIRST_SAMPLES_MS[n++] ?? SAMPLE_MS)
      this.timer.unref()
    }
    if (this.cg) tick()
    else
      void this.locate().then(() => {
        if (this.cg) tick()
      })
  }

  private sample(): void {
    const cg = this.cg
    if (!cg) return
    this.r.sampledMaxBytes = maxOf(this.r.sampledMaxBytes, cg.memoryCurrent())
    this.r.sampledMaxPids = maxOf(this.r.sampledMaxPids, cg.pidsCurrent())
    // The container's own cgroup vanishes at the exit: keep its last counters.
    this.readEnd()
  }

  private readEnd(): void {
    const cg = this.cg
    if (!cg) return
    const peak = this.window ? this.window.read() : cg.memoryPeak()
    if (peak !== null) this.r.peakEnd = maxOf(this.r.peakEnd, peak)
    const cpu = cg.cpuNs()
    if (cpu !== null) this.r.cpuEndNs = maxOf(this.r.cpuEndNs, cpu)
    const pids = cg.pidsPeak()
    if (pids !== null) this.r.pidsPeakEnd = maxOf(this.r.pidsPeakEnd, pids)
  }

  finish(facts: {
    oomKilled: boolean
    memoryLimitBytes: number
  }): Promise<Omit<ResourceUsage, 'outputBytes'>> {
    this.ended = true
    if (this.timer) clearTimeout(this.timer)
    this.readEnd()
    this.window?.close()
    return Promise.resolve(usageFrom(this.r, facts))
  }
}
