import fs from 'node:fs'
import type { ResourceUsage, RunLimits, RunOutcome } from '../../shared/run'
import type { ArchiveTransfer } from './archive-transfer'
import { collect } from './collect'
import type { ReadOnlyMount, SandboxUser } from './container-spec'
import type { FileTransfer } from './docker-endpoint'
import type { UnpackResult } from './tar-unpack'
import { dockerMessage, type ContainerClient } from './docker-client'
import { daemonStoppedIt, infraFailure, wasOomKilled } from './docker-verdicts'
import { launchCold, launchWarm, type Launch, type PayloadSink } from './launch'
import { checkLimits } from './limits'
import { cancelledError, classifyOutcome, InfraFailure } from './outcome'
import { RunCapture, type OutputListener } from './output-capture'
import type { OutputGuard } from './output-guard'
import { PerRunOutputGuard } from './output-quota'
import { afterThisTurn, RemovalQueue } from './removal-queue'
import { containerPeakBytes, UsageMonitor, type RunMeter } from './resource-usage'
import { makeOutputDir, prepareRunDir, type RunPaths } from './run-folder'
import type { InputFileSpec } from './input-files'
import { defaultUsers, fixedUser, type SandboxUsers } from './run-users'
import { Runtimes, type ResolvedRuntime, type RuntimeNames } from './runtimes'
import type { RuntimeChoice } from '../../shared/runtime'
import type { WarmPool } from './warm-pool'
import { inputWaitClock, inputWaitMsFromEnv } from './stdin-clock'
import type { StdinChannel } from './stdin-channel'
import { Watchdog } from './watchdog'
import { HandBack } from './hand-back'
import { round, settle } from './settle'

export interface RunSpec {
  runId: string
  code: string
  /** Any JSON value; written to /input/data.json. */
  inputData: unknown
  /** Environment name, used in messages. */
  environment: string
  image: string
  limits: RunLimits
  /** Host folder of this run: main.py, input.json and artifacts/ (mounted as /output) are made here. */
  runDir: string
  signal?: AbortSignal
  onOutput?: OutputListener
  /** Called once the container has started (status `running`). */
  onStarted?: (startedAt: string) => void
  /** Modules a warm container for this environment imports ahead of time. */
  preimports?: readonly string[]
  /** The sandbox runtime (the engine's default when absent); see docs/security.md, 'gVisor'. */
  runtime?: RuntimeChoice | null
  /** The run's standard input, batch or live (absent: none, EOF at once). */
  stdin?: StdinChannel | null
  /** Batch stdin, kept in the run's folder as `stdin.txt`. */
  stdinText?: string | null
  /** Host folders the run sees read-only (an exercise check's); such a run always starts cold. */
  mounts?: readonly ReadOnlyMount[]
  /** The run's own files at /input/<name> (bytes: written first; names only: in the folder already). */
  inputFiles?: readonly InputFileSpec[] | null
}

export interface EngineOptions {
  client: ContainerClient
  /** Identifies this app process; containers of other sessions are reaped at start-up. */
  sessionId: string
  /** The uid:gid each run gets (default: a fresh one per run, see run-users.ts). */
  users?: SandboxUsers
  /** Where used containers are removed (shared with the warm pool, so one drain covers both). */
  removals?: RemovalQueue
  /** One fixed uid:gid for every run instead (tests). */
  user?: SandboxUser
  /** How long to wait for the daemon after a kill before giving up on it. */
  killGraceMs?: number
  /** Warm pool of pre-started containers (off when absent). */
  pool?: WarmPool | null
  /** Free space the disk holding /output must keep (for the default output guard). */
  minFreeBytes?: number
  /** Free inodes that disk must keep (for the default output guard). */
  minFreeInodes?: number
  /** One run's files and folders in /output past which it alone is stopped (default output-quota.ts). */
  maxRunEntries?: number
  /** Keeps /output within bounds while runs write (default: per-run quotas and the disk floor). */
  outputGuard?: OutputGuard
  /** Runtime of runs that do not ask for one (default `runc`; the server's `TAKO_RUNTIME`). */
  defaultRuntime?: RuntimeChoice
  /** Docker runtime names per choice (default `runc`, `runsc`). */
  runtimeNames?: Partial<RuntimeNames>
  /** The longest a run may wait for input in total (default `TAKO_INPUT_WAIT_S`, else 10 min). */
  inputWaitMs?: number
  /** Measures each run's memory, CPU time and tasks (default: from this host's cgroup files). */
  usage?: UsageMonitor
  log?: (event: string, fields: Record<string, unknown>) => void
  /** Archive transfer for a daemon whose filesystem is not ours (absent: bind mounts). */
  archive?: ArchiveTransfer | null
  environmentsWithModule?: (module: string) => readonly string[] // for ModuleNotFoundError hints
}

const STREAM_DRAIN_MS = 2_000

/**
 * Runs one script in one fresh, hardened container (see docs/run-contract.md) and removes the
 * container on every path. A run's outcome — including Docker being unreachable or an image
 * missing — is data (`RunOutcome`), never an exception; only invalid limits throw, before anything
 * is created. The parts: run-folder (files), launch (cold and warm containers), watchdog (why a run
 * was stopped), outcome (the pure classifier), removal-queue.
 */
export class RunEngine {
  private readonly client: ContainerClient
  private readonly sessionId: string
  private readonly users: SandboxUsers
  private readonly killGraceMs: number
  private readonly guard: OutputGuard
  private readonly removals: RemovalQueue
  private readonly usage: UsageMonitor
  private readonly log: (event: string, fields: Record<string, unknown>) => void
  private readonly environmentsWithModule: (module: string) => readonly string[]
  private readonly inputWaitMs: number
  pool: WarmPool | null
  readonly runtimes: Runtimes
  private readonly archive: ArchiveTransfer | null
  /** Non-root app: mends what a run locked the app out of (docs/security.md, 'One uid per run'). */
  readonly handBack: HandBack

  constructor(options: EngineOptions) {
    this.client = options.client
    this.runtimes = new Runtimes(options.client, options.defaultRuntime, options.runtimeNames)
    this.sessionId = options.sessionId
    this.users = options.users ?? (options.user ? fixedUser(options.user) : defaultUsers())
    this.killGraceMs = options.killGraceMs ?? 5_000
    this.log = options.log ?? (() => undefined)
    this.pool = options.pool ?? null
    this.archive = options.archive ?? null
    this.environmentsWithModule = options.environmentsWithModule ?? (() => [])
    this.inputWaitMs = options.inputWaitMs ?? inputWaitMsFromEnv()
    this.guard =
      options.outputGuard ??
      new PerRunOutputGuard({
        ...(options.minFreeBytes !== undefined ? { minFreeBytes: options.minFreeBytes } : {}),
        ...(options.minFreeInodes !== undefined ? { minFreeInodes: options.minFreeInodes } : {}),
        ...(options.maxRunEntries !== undefined ? { maxEntries: options.maxRunEntries } : {}),
      })
    this.removals = options.removals ?? new RemovalQueue(this.client, this.log)
    this.usage = options.usage ?? new UsageMonitor(this.client, { log: this.log })
    this.handBack = new HandBack({ client: this.client, sessionId: this.sessionId, log: this.log })
  }

  get containerClient(): ContainerClient {
    return this.client
  }

  /** How run files reach containers (see docs/architecture.md, 'File transfer'). */
  get transfer(): FileTransfer {
    return this.archive ? 'archive' : 'bind'
  }

  /** Writes a run's files ahead of its run (a queued job); `run()` writes them afresh. */
  prepareRunDir(spec: RunSpec): RunPaths {
    return prepareRunDir(spec, this.users.next())
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    checkLimits(spec.limits)
    const t0 = performance.now()
    const user = this.users.next()
    const paths = prepareRunDir(spec, user)
    const mender = this.archive ? null : this.handBack.forRun(user, paths.outputDir, spec.image)
    const out = new RunCapture(spec.limits, spec.onOutput ?? null, (err) =>
      this.log('output-listener-error', { runId: spec.runId, error: String(err) }),
    )
    const watchdog = new Watchdog({
      killGraceMs: this.killGraceMs,
      ...(spec.signal ? { signal: spec.signal } : {}),
      kill: (id, stop) => {
        this.log('kill', { runId: spec.runId, containerId: id, reason: stop.reason })
        this.client.kill(id).catch((err: unknown) => {
          this.log('kill-failed', { runId: spec.runId, containerId: id, error: dockerMessage(err) })
        })
      },
    })
    out.onCeiling = () => watchdog.stop({ reason: 'output_limit' })
    const stdin = spec.stdin ?? null
    const sink = stdin ? stdin.wire(out, watchdog) : out.sink
    let launch: Launch | null = null
    let meter: RunMeter | null = null
    let usage: Omit<ResourceUsage, 'outputBytes'> | null
    let exitCode: number | null = null
    let oomKilled = false
    let infra: InfraFailure | null = null
    let startedAt: string | null = null
    let tStart = 0
    let tExit = 0
    let unpacked: UnpackResult | null = null
    let fetchMs = 0
    try {
      if (watchdog.recorded) throw new InfraFailure(cancelledError(), 'cancelled')
      const refused = this.guard.checkBeforeStart(paths.outputDir)
      if (refused)
        throw new InfraFailure({ type: 'output_limit', message: refused, phase: 'startup' })
      launch = await this.launch(spec, paths, user, sink, this.runtimes.resolve(spec.runtime))
      if (watchdog.recorded) throw new InfraFailure(cancelledError(), 'cancelled')
      meter = this.usage.meter(launch.containerId, launch.cgroupParent, launch.warm !== null)
      await meter.dispatch()
      await launch.begin()
      meter.started()
      tStart = performance.now()
      startedAt = new Date().toISOString()
      spec.onStarted?.(startedAt)
      watchdog.startTimer(
        spec.limits.timeoutMs,
        inputWaitClock(this.client, launch.containerId, this.inputWaitMs),
      )
      watchdog.onFinish(
        this.guard.watch(
          spec.runId,
          launch.outputDir,
          (b) =>
            watchdog.stop({
              reason: b.reason === 'disk_floor' ? 'disk_floor' : 'output_limit',
              message: b.message,
            }),
          mender?.unlock,
        ),
      )
      // A cancel that came while the container was starting found nothing to kill: kill now.
      watchdog.attach(launch.containerId)
      const waited = await Promise.race([launch.exited(), watchdog.stopped])
      watchdog.finish()
      tExit = performance.now()
      // 'stopped': the daemon never reported the exit of a container we killed; the stop stands.
      if (waited !== 'stopped') exitCode = waited
      await settle(launch.streamEnded, STREAM_DRAIN_MS)
      if (exitCode !== null && exitCode !== 0) {
        oomKilled = await wasOomKilled(this.client, this.log, spec.runId, launch.containerId)
        const gone = await daemonStoppedIt(
          this.client,
          exitCode,
          oomKilled,
          watchdog.recorded !== null,
        )
        if (gone) watchdog.stop({ reason: 'daemon_gone', message: gone })
      }
    } catch (err) {
      watchdog.finish()
      if (err instanceof InfraFailure) infra = err
      else if (watchdog.recorded) {
        // The daemon failed while we were stopping the run; the run's own outcome stands.
        this.log('stop-error', { runId: spec.runId, error: String(err) })
      } else infra = infraFailure(err, spec.runId, this.log)
      if (!tExit) tExit = performance.now()
    } finally {
      watchdog.finish()
      // Read before the container is removed (see docs/run-contract.md, 'Resource use').
      usage = meter
        ? await meter.finish({ oomKilled, memoryLimitBytes: spec.limits.memoryBytes })
        : null
      const slot = launch?.archive ?? null
      if (launch && slot && this.archive) {
        // Archive transfer: /output is copied out before the container (and its volumes) go.
        const t = performance.now()
        if (tStart)
          unpacked = await this.archive.fetchOutput(
            launch.containerId,
            paths.outputDir,
            spec.limits,
          )
        fetchMs = performance.now() - t
        const archive = this.archive
        this.removals.removeInBackground(spec.runId, launch.containerId, () =>
          archive.release(slot),
        )
      } else if (launch?.warm && exitCode !== null) {
        // Its processes are dead: the output can be read now and the container removed meanwhile.
        this.removals.removeInBackground(spec.runId, launch.containerId)
      } else if (launch) {
        await this.removals.remove(spec.runId, launch.containerId)
      }
      if (launch?.warm) this.pool?.releaseSlot(launch.warm)
      stdin?.close()
      // Read already; removed once the reply is on its way.
      const parent = launch?.cgroupParent
      if (parent) void afterThisTurn().then(() => this.usage.release(parent))
    }
    stdin?.flush(out.sink)
    out.end()

    const tCollect = performance.now()
    await mender?.mend()
    const { parsed, artifacts, warnings } = await collect(paths.outputDir, spec.limits, unpacked)
    const tEnd = performance.now() + fetchMs

    const stderrText = out.stderr.text()
    const stop = watchdog.recorded
    const decided = classifyOutcome({
      stop,
      infra,
      oomKilled,
      memoryPeakBytes: usage && containerPeakBytes(usage),
      exitCode,
      stderrText,
      limits: spec.limits,
      hints: { environment: spec.environment, environmentsWithModule: this.environmentsWithModule },
    })
    const hostStopped = stop?.reason === 'timeout' || stop?.reason === 'cancelled'
    const startupMs = tStart ? tStart - t0 : (tExit || tCollect) - t0
    return {
      status: decided.status,
      exitCode: hostStopped ? (exitCode ?? -1) : exitCode,
      error: decided.error,
      output: parsed.output,
      outputJson: parsed.raw,
      stdout: out.stdout.text(),
      stderr: stderrText,
      stdoutBytes: out.stdout.totalBytes,
      stderrBytes: out.stderr.totalBytes,
      stdoutTruncated: out.stdout.truncated,
      stderrTruncated: out.stderr.truncated,
      artifacts,
      warnings,
      timing: {
        startupMs: round(startupMs),
        executionMs: round(tStart ? (tExit || tCollect) - tStart : 0),
        collectMs: round(tEnd - tCollect),
        totalMs: round(tEnd - t0),
        phaseAtExit: decided.phase,
      },
      resourceUsage: usage && {
        ...usage,
        outputBytes: artifacts.reduce((n, a) => n + a.sizeBytes, 0),
      },
      startedAt,
      endedAt: new Date().toISOString(),
    }
  }

  /** A container for this run: a warm one with exactly these limits when the pool has it, else cold. */
  private async launch(
    spec: RunSpec,
    paths: RunPaths,
    user: SandboxUser,
    onPayload: PayloadSink,
    runtime: ResolvedRuntime,
  ): Promise<Launch> {
    const warm = spec.mounts?.length
      ? null
      : (this.pool?.take(spec.image, spec.limits, spec.preimports ?? [], runtime.name) ?? null)
    if (warm) {
      const slot = warm.archive ?? null
      const archive = this.archive
      try {
        if (slot && archive) {
          // Archive transfer: the run's files go into the warm container's volumes (its loader).
          await archive.fill(slot, paths)
        } else {
          // The warm container's /output folder becomes the run's artifacts folder now, before the
          // script starts (a rename on the same filesystem; the bind mount follows the folder), so
          // whatever the script writes is in the run's own folder even if the app dies mid-run.
          fs.rmSync(paths.outputDir, { recursive: true, force: true })
          fs.renameSync(warm.outputDir, paths.outputDir)
        }
        this.log('pool-dispatch', { runId: spec.runId, containerId: warm.id, key: warm.key })
        return launchWarm(warm, paths, onPayload, spec.stdin ?? null, spec)
      } catch (err) {
        this.log('pool-dispatch-failed', {
          runId: spec.runId,
          containerId: warm.id,
          error: String(err),
        })
        const release = slot && archive ? () => archive.release(slot) : undefined
        this.removals.removeInBackground(spec.runId, warm.id, release)
        this.pool?.releaseSlot(warm)
        if (!slot) makeOutputDir(paths.outputDir, user)
      }
    }
    const remove = (id: string): Promise<void> => this.removals.remove(spec.runId, id)
    const cgroupParent = await this.usage.parentFor(spec.runId)
    return launchCold(
      {
        client: this.client,
        sessionId: this.sessionId,
        remove,
        runtime,
        cgroupParent,
        archive: this.archive,
      },
      spec,
      paths,
      user,
      onPayload,
    )
  }

  /** Waits for containers still being removed in the background (call before exiting). */
  drain(): Promise<void> {
    return this.removals.drain()
  }

  /** Retries containers whose removal failed; returns how many are still left. */
  retryRemovals(): Promise<number> {
    return this.removals.retryFailed()
  }
}
