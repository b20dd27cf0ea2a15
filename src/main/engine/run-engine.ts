import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type {
  OutputStream,
  RunError,
  RunOutcome,
  RunLimits,
  RunPhase,
  RunStatus,
  RunWarning,
} from '../../shared/run'
import { collectArtifacts } from './artifact-walker'
import { buildContainerSpec, sandboxUser, type SandboxUser } from './container-spec'
import { DockerDemuxer } from './demux'
import {
  DockerUnavailableError,
  dockerMessage,
  dockerStatusCode,
  type ContainerClient,
} from './docker-client'
import { classifyExit } from './error-classifier'
import { checkLimits } from './limits'
import { CappedCapture, StreamDecoder, type OutputListener } from './output-capture'
import { readResultJson } from './result-parser'
import { EndMarkerFilter, type PayloadSink } from './end-marker'
import { processStartTime } from './owner'
import type { WarmContainer, WarmPool } from './warm-pool'

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
}

/** A container a run owns: fresh (cold) or taken from the warm pool. */
interface Launch {
  containerId: string
  /** The folder mounted as /output. */
  outputDir: string
  /** Resolves when all of the run's output has arrived (stream end, or both end markers). */
  streamEnded: Promise<void>
  /** Starts the script: `start` for a cold container, the go line for a warm one. */
  begin(): Promise<void>
  exited(): Promise<number>
  warm: WarmContainer | null
}

export interface EngineOptions {
  client: ContainerClient
  /** Identifies this app process; containers of other sessions are reaped at start-up. */
  sessionId: string
  user?: SandboxUser
  /** How long to wait for the daemon after a kill before giving up on it. */
  killGraceMs?: number
  /** Warm pool of pre-started containers (off when absent). */
  pool?: WarmPool | null
  /**
   * Free space the disk holding /output must keep. A run that writes it below the floor is stopped
   * (`output_limit`), and no run starts below it: a script cannot fill the host's disk.
   */
  minFreeBytes?: number
  log?: (event: string, fields: Record<string, unknown>) => void
}

export const ARTIFACTS_DIR = 'artifacts'
export const CODE_FILE = 'main.py'
export const INPUT_FILE = 'input.json'

const MiB = 1024 * 1024
const STREAM_DRAIN_MS = 2_000
export const DEFAULT_MIN_FREE_BYTES = 512 * MiB
const DISK_CHECK_MS = 50

class InfraFailure extends Error {
  constructor(
    readonly runError: RunError,
    readonly status: Exclude<RunStatus, 'queued' | 'running'> = 'failed',
  ) {
    super(runError.message)
  }
}

function formatLimitMiB(bytes: number): string {
  return `${Math.round((bytes / MiB) * 10) / 10} MiB`
}

function formatSeconds(ms: number): string {
  const s = ms / 1000
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`
}

/**
 * Runs one script in one fresh, hardened container per DESIGN §1 and removes the container on every
 * path. A run's outcome — including Docker being unreachable or an image missing — is data
 * (`RunOutcome`), never an exception; only invalid limits throw, before anything is created.
 */
export class RunEngine {
  private readonly client: ContainerClient
  private readonly sessionId: string
  private readonly user: SandboxUser
  private readonly killGraceMs: number
  private readonly log: (event: string, fields: Record<string, unknown>) => void
  pool: WarmPool | null

  constructor(options: EngineOptions) {
    this.client = options.client
    this.sessionId = options.sessionId
    this.user = options.user ?? sandboxUser()
    this.killGraceMs = options.killGraceMs ?? 5_000
    this.log = options.log ?? (() => undefined)
    this.pool = options.pool ?? null
    this.minFreeBytes = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES
  }

  private readonly minFreeBytes: number

  /** Free bytes for an unprivileged writer on the filesystem holding `dir` (null if unknown). */
  private freeBytes(dir: string): number | null {
    try {
      const st = fs.statfsSync(dir)
      return st.bavail * st.bsize
    } catch {
      return null
    }
  }

  get containerClient(): ContainerClient {
    return this.client
  }

  /** Writes the run's files: code and input read-only, an empty output folder the sandbox user owns. */
  prepareRunDir(spec: RunSpec): { codeFile: string; inputFile: string; outputDir: string } {
    fs.mkdirSync(spec.runDir, { recursive: true })
    const codeFile = path.join(spec.runDir, CODE_FILE)
    const inputFile = path.join(spec.runDir, INPUT_FILE)
    const outputDir = path.join(spec.runDir, ARTIFACTS_DIR)
    writeReadOnly(codeFile, spec.code)
    writeReadOnly(inputFile, JSON.stringify(spec.inputData ?? {}))
    fs.rmSync(outputDir, { recursive: true, force: true })
    fs.mkdirSync(outputDir, { mode: 0o700 })
    if (process.getuid?.() === 0 && process.platform === 'linux') {
      fs.chownSync(outputDir, this.user.uid, this.user.gid)
    }
    return { codeFile, inputFile, outputDir }
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    checkLimits(spec.limits)
    const t0 = performance.now()
    const { codeFile, inputFile, outputDir } = this.prepareRunDir(spec)
    const limits = spec.limits
    const stdout = new CappedCapture(limits.stdoutBytes)
    const stderr = new CappedCapture(limits.stderrBytes)
    const decoders = { stdout: new StreamDecoder(), stderr: new StreamDecoder() }
    const emit = (stream: OutputStream, text: string): void => {
      if (text && spec.onOutput) {
        try {
          spec.onOutput(stream, text)
        } catch (err) {
          this.log('output-listener-error', { runId: spec.runId, error: String(err) })
        }
      }
    }

    let containerId: string | null = null
    let launch: Launch | null = null
    let timedOut = false
    let cancelled = spec.signal?.aborted ?? false
    let outputLimited = false
    let diskFull = false
    let diskTimer: NodeJS.Timeout | undefined
    let exitCode: number | null = null
    let oomKilled = false
    let infra: InfraFailure | null = null
    let startedAt: string | null = null
    let tStart = 0
    let tExit = 0
    let timer: NodeJS.Timeout | undefined
    let stopWaiting: (() => void) | undefined
    const stopped = new Promise<'stopped'>((resolve) => {
      stopWaiting = () => resolve('stopped')
    })

    const killContainer = (reason: string): void => {
      const id = containerId
      if (!id) return
      this.log('kill', { runId: spec.runId, containerId: id, reason })
      this.client.kill(id).catch((err: unknown) => {
        this.log('kill-failed', { runId: spec.runId, containerId: id, error: dockerMessage(err) })
      })
      // Our own backstop: if the daemon never reports the exit, stop waiting for it.
      setTimeout(() => stopWaiting?.(), this.killGraceMs).unref()
    }
    const onAbort = (): void => {
      if (cancelled || exitCode !== null) return
      cancelled = true
      killContainer('cancelled')
    }
    spec.signal?.addEventListener('abort', onAbort)

    try {
      if (cancelled) throw new InfraFailure(cancelledError(), 'cancelled')
      const freeAtStart = this.freeBytes(outputDir)
      if (freeAtStart !== null && freeAtStart < this.minFreeBytes) {
        throw new InfraFailure({
          type: 'output_limit',
          message: `Not enough free disk space for a run: ${formatLimitMiB(freeAtStart)} free where the app's data is kept, at least ${formatLimitMiB(this.minFreeBytes)} needed`,
          phase: 'startup',
        })
      }
      let emitted = 0
      const onPayload: PayloadSink = (which, payload) => {
        ;(which === 'stdout' ? stdout : stderr).push(payload)
        emit(which, decoders[which].write(payload))
        emitted += payload.length
        if (emitted > limits.outputCeilingBytes && !outputLimited && !timedOut && !cancelled) {
          outputLimited = true
          killContainer('output-limit')
        }
      }
      launch = await this.launch(spec, { codeFile, inputFile, outputDir }, onPayload)
      containerId = launch.containerId
      if (spec.signal?.aborted) {
        cancelled = true
        throw new InfraFailure(cancelledError(), 'cancelled')
      }
      const streamEnded = launch.streamEnded
      await launch.begin()
      tStart = performance.now()
      startedAt = new Date().toISOString()
      spec.onStarted?.(startedAt)
      timer = setTimeout(() => {
        if (exitCode !== null || cancelled) return
        timedOut = true
        killContainer('timeout')
      }, limits.timeoutMs)
      // /output is a bind mount on the host's disk: watch the free space while the script writes.
      const watchedDir = launch.outputDir
      diskTimer = setInterval(() => {
        const free = this.freeBytes(watchedDir)
        if (free === null || free >= this.minFreeBytes) return
        if (exitCode !== null || cancelled || timedOut || diskFull) return
        diskFull = true
        killContainer('disk-floor')
      }, DISK_CHECK_MS)
      // A cancel that came while the container was starting found it not running yet, so its kill
      // was a no-op: kill again now, or the script would run on until the kill grace ran out.
      if (cancelled) killContainer('cancelled')
      else if (spec.signal?.aborted) onAbort()

      const waited = await Promise.race([launch.exited(), stopped])
      tExit = performance.now()
      clearTimeout(timer)
      clearInterval(diskTimer)
      if (waited === 'stopped') {
        if (!timedOut && !cancelled && !outputLimited && !diskFull) {
          throw new InfraFailure({
            type: 'service_unavailable',
            message: 'Docker stopped answering during the run',
            phase: 'execution',
          })
        }
      } else {
        exitCode = waited
      }
      let drainTimer: NodeJS.Timeout | undefined
      await Promise.race([
        streamEnded,
        new Promise<void>((resolve) => {
          drainTimer = setTimeout(resolve, STREAM_DRAIN_MS)
        }),
      ])
      clearTimeout(drainTimer)
      if (exitCode !== null && exitCode !== 0) {
        try {
          const state = await this.client.inspect(containerId)
          oomKilled = state.oomKilled
        } catch (err) {
          this.log('inspect-failed', { runId: spec.runId, error: dockerMessage(err) })
        }
        // A signal we did not send (SIGTERM/SIGKILL) while the daemon goes away: Docker stopped
        // the container on its way down (e.g. `systemctl stop docker`), not the script.
        if (
          (exitCode === 143 || exitCode === 137) &&
          !oomKilled &&
          !timedOut &&
          !cancelled &&
          !outputLimited &&
          !diskFull
        ) {
          const daemonUp = await this.daemonStaysUp(exitCode === 143 ? 3_000 : 0)
          if (!daemonUp) {
            throw new InfraFailure({
              type: 'service_unavailable',
              message: `Docker stopped during the run (the container was stopped with exit code ${exitCode}); start Docker again and rerun`,
              phase: 'execution',
            })
          }
        }
      }
    } catch (err) {
      if (err instanceof InfraFailure) infra = err
      else if (timedOut || cancelled || outputLimited || diskFull) {
        // The daemon failed while we were stopping the run; the run's own outcome stands.
        this.log('stop-error', { runId: spec.runId, error: String(err) })
      } else infra = this.infraFailure(err, spec)
      if (!tExit) tExit = performance.now()
    } finally {
      clearTimeout(timer)
      clearInterval(diskTimer)
      spec.signal?.removeEventListener('abort', onAbort)
      if (containerId && launch?.warm && exitCode !== null) {
        // Its processes are dead: the output can be read now and the container removed meanwhile.
        this.removeInBackground(spec.runId, containerId)
      } else if (containerId) {
        await this.removeContainer(spec.runId, containerId)
      }
      if (launch?.warm) this.pool?.releaseSlot(launch.warm)
    }
    emit('stdout', decoders.stdout.end())
    emit('stderr', decoders.stderr.end())

    const tCollect = performance.now()
    const warnings: RunWarning[] = []
    const parsed = readResultJson(outputDir, limits.resultBytes)
    if (parsed.warning) warnings.push(parsed.warning)
    let artifacts: RunOutcome['artifacts'] = []
    try {
      const walked = await collectArtifacts(outputDir, limits)
      artifacts = walked.artifacts
      warnings.push(...walked.warnings)
    } catch (err) {
      warnings.push({
        code: 'artifact_error',
        message: `artifacts could not be collected: ${(err as Error).message}`,
      })
    }
    const tEnd = performance.now()

    const stderrText = stderr.text()
    const decided = this.decide({
      infra,
      cancelled,
      timedOut,
      outputLimited,
      diskFull,
      oomKilled,
      exitCode,
      stderrText,
      limits,
    })
    const startupMs = tStart ? tStart - t0 : (tExit || tCollect) - t0
    return {
      status: decided.status,
      exitCode: timedOut || cancelled ? (exitCode ?? -1) : exitCode,
      error: decided.error,
      output: parsed.output,
      outputJson: parsed.raw,
      stdout: stdout.text(),
      stderr: stderrText,
      stdoutBytes: stdout.totalBytes,
      stderrBytes: stderr.totalBytes,
      stdoutTruncated: stdout.truncated,
      stderrTruncated: stderr.truncated,
      artifacts,
      warnings,
      timing: {
        startupMs: round(startupMs),
        executionMs: round(tStart ? (tExit || tCollect) - tStart : 0),
        collectMs: round(tEnd - tCollect),
        totalMs: round(tEnd - t0),
        phaseAtExit: decided.phase,
      },
      startedAt,
      endedAt: new Date().toISOString(),
    }
  }

  /** A container for this run: a warm one with exactly these limits when the pool has it, else cold. */
  private async launch(
    spec: RunSpec,
    paths: { codeFile: string; inputFile: string; outputDir: string },
    onPayload: PayloadSink,
  ): Promise<Launch> {
    const warm = this.pool?.take(spec.image, spec.limits, spec.preimports ?? []) ?? null
    if (warm) {
      try {
        // The warm container's /output folder becomes the run's artifacts folder now, before the
        // script starts (a rename on the same filesystem; the bind mount follows the folder), so
        // whatever the script writes is in the run's own folder even if the app dies mid-run.
        fs.rmSync(paths.outputDir, { recursive: true, force: true })
        fs.renameSync(warm.outputDir, paths.outputDir)
        return this.launchWarm(spec, paths, warm, onPayload)
      } catch (err) {
        this.log('pool-dispatch-failed', {
          runId: spec.runId,
          containerId: warm.id,
          error: String(err),
        })
        this.removeInBackground(spec.runId, warm.id)
        this.pool?.releaseSlot(warm)
        fs.mkdirSync(paths.outputDir, { recursive: true, mode: 0o700 })
        if (process.getuid?.() === 0 && process.platform === 'linux') {
          fs.chownSync(paths.outputDir, this.user.uid, this.user.gid)
        }
      }
    }
    const containerId = await this.createContainer(spec, paths)
    try {
      const stream = await this.client.attach(containerId)
      const demux = new DockerDemuxer(onPayload)
      const streamEnded = new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => demux.push(chunk))
        stream.on('end', resolve)
        stream.on('close', resolve)
        stream.on('error', () => resolve())
      })
      return {
        containerId,
        outputDir: paths.outputDir,
        streamEnded,
        warm: null,
        begin: () => this.client.start(containerId),
        exited: () => this.client.wait(containerId),
      }
    } catch (err) {
      await this.removeContainer(spec.runId, containerId)
      throw err
    }
  }

  /**
   * Hands a run to a warm container: the files go into the slot it already has mounted at /code
   * and /input, the go line carries a per-run nonce. The run is over when the end marker has come on
   * both streams AND the container's init process is dead (so nothing can still write to /output);
   * without a visible init process, when Docker reports the exit, as on the cold path.
   */
  private launchWarm(
    spec: RunSpec,
    paths: { codeFile: string; inputFile: string; outputDir: string },
    warm: WarmContainer,
    onPayload: PayloadSink,
  ): Launch {
    fs.copyFileSync(paths.codeFile, path.join(warm.codeDir, 'main.py'))
    fs.copyFileSync(paths.inputFile, path.join(warm.inputDir, 'data.json'))
    fs.chmodSync(path.join(warm.codeDir, 'main.py'), 0o444)
    fs.chmodSync(path.join(warm.inputDir, 'data.json'), 0o444)
    const nonce = randomBytes(16).toString('hex')
    let markers = 0
    let resolveMarked: (code: number) => void = () => undefined
    const marked = new Promise<number>((resolve) => {
      resolveMarked = resolve
    })
    const onEnd = (code: number): void => {
      if (++markers === 2) resolveMarked(code)
    }
    const filters = {
      stdout: new EndMarkerFilter(nonce, (p) => onPayload('stdout', p), onEnd),
      stderr: new EndMarkerFilter(nonce, (p) => onPayload('stderr', p), onEnd),
    }
    const demux = new DockerDemuxer((which, payload) => filters[which].push(payload))
    warm.setSink((chunk) => demux.push(chunk))
    void warm.streamEnded.then(() => {
      filters.stdout.flush()
      filters.stderr.flush()
    })
    this.log('pool-dispatch', { runId: spec.runId, containerId: warm.id })
    const dockerExit = async (): Promise<number> => {
      const code = await warm.exited
      if (code === 'error')
        throw new DockerUnavailableError('Docker stopped answering during the run')
      return code
    }
    const init = warm.initProcess
    return {
      containerId: warm.id,
      outputDir: paths.outputDir,
      streamEnded: Promise.race([warm.streamEnded, marked.then(() => undefined)]),
      warm,
      begin: () =>
        new Promise<void>((resolve, reject) => {
          warm.stream.write(`go ${nonce}\n`, (err) => (err ? reject(err) : resolve()))
        }),
      exited: () => {
        if (!init) return dockerExit()
        const viaMarker = marked.then(async (code) => {
          await untilProcessGone(init.pid, init.startTime)
          return code
        })
        return Promise.race([viaMarker, dockerExit()])
      },
    }
  }

  private decide(s: {
    infra: InfraFailure | null
    cancelled: boolean
    timedOut: boolean
    outputLimited: boolean
    diskFull: boolean
    oomKilled: boolean
    exitCode: number | null
    stderrText: string
    limits: RunLimits
  }): { status: RunOutcome['status']; error: RunError | null; phase: RunPhase } {
    if (s.cancelled) return { status: 'cancelled', error: cancelledError(), phase: 'failed' }
    if (s.infra)
      return {
        status: s.infra.status,
        error: s.infra.runError,
        phase: s.infra.runError.phase ?? 'failed',
      }
    if (s.timedOut) {
      return {
        status: 'timeout',
        error: {
          type: 'timeout',
          message: `Execution timed out after ${formatSeconds(s.limits.timeoutMs)} (the run's time limit); output so far is kept`,
          phase: 'execution',
        },
        phase: 'execution',
      }
    }
    if (s.diskFull) {
      return {
        status: 'failed',
        error: {
          type: 'output_limit',
          message: `Stopped: the files written to /output left less than ${formatLimitMiB(this.minFreeBytes)} free on the host's disk`,
          phase: 'execution',
        },
        phase: 'execution',
      }
    }
    if (s.outputLimited) {
      return {
        status: 'failed',
        error: {
          type: 'output_limit',
          message: `Stopped: the script wrote more than ${formatLimitMiB(s.limits.outputCeilingBytes)} to stdout/stderr`,
          phase: 'execution',
        },
        phase: 'execution',
      }
    }
    const code = s.exitCode ?? -1
    if (code === 0) return { status: 'succeeded', error: null, phase: 'completed' }
    if (s.oomKilled) {
      return {
        status: 'oom',
        error: {
          type: 'oom',
          message: `Execution exceeded the memory limit (${formatLimitMiB(s.limits.memoryBytes)}) and was killed`,
          phase: 'execution',
        },
        phase: 'execution',
      }
    }
    if (code === 137) {
      return {
        status: 'failed',
        error: {
          type: 'killed',
          message: 'Process ended with code 137 (SIGKILL), not from the memory limit',
          phase: 'execution',
        },
        phase: 'execution',
      }
    }
    return { status: 'failed', error: classifyExit(code, s.stderrText), phase: 'execution' }
  }

  private async createContainer(
    spec: RunSpec,
    paths: { codeFile: string; inputFile: string; outputDir: string },
  ): Promise<string> {
    const createSpec = buildContainerSpec({
      runId: spec.runId,
      sessionId: this.sessionId,
      image: spec.image,
      limits: spec.limits,
      user: this.user,
      ...paths,
    })
    try {
      return await this.client.create(createSpec)
    } catch (err) {
      if (dockerStatusCode(err) === 404 && /no such image|not found/i.test(dockerMessage(err))) {
        throw new InfraFailure({
          type: 'image_missing',
          message:
            spec.environment === 'custom'
              ? `The image ${spec.image} is not present locally; load or build it first (images are never pulled).`
              : `The image for environment '${spec.environment}' (${spec.image}) is not built. ` +
                `Build it with \`npm run environments -- build ${spec.environment}\` or from the app's Environments panel.`,
          phase: 'startup',
        })
      }
      throw err
    }
  }

  private infraFailure(err: unknown, spec: RunSpec): InfraFailure {
    if (err instanceof DockerUnavailableError) {
      return new InfraFailure({
        type: 'service_unavailable',
        message: err.message,
        phase: 'startup',
      })
    }
    this.log('internal-error', { runId: spec.runId, error: String(err) })
    const status = dockerStatusCode(err)
    if (status !== undefined) {
      return new InfraFailure({
        type: 'service_unavailable',
        message: `Docker refused the run: ${dockerMessage(err)}`,
        phase: 'startup',
      })
    }
    return new InfraFailure({
      type: 'internal_error',
      message: `Internal error: ${(err as Error).message ?? String(err)}`,
      phase: null,
    })
  }

  /**
   * Whether Docker keeps answering for `watchMs` (0: one ping). A daemon on its way down first
   * stops the containers with SIGTERM and only then closes its socket, so an unexplained exit 143
   * is watched for a few seconds before it is blamed on the script.
   */
  private async daemonStaysUp(watchMs: number): Promise<boolean> {
    const deadline = Date.now() + watchMs
    for (;;) {
      const up = await Promise.race([
        this.client.ping().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref()),
      ])
      if (!up) return false
      if (Date.now() >= deadline) return true
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  private readonly removals = new Set<Promise<void>>()

  private removeInBackground(runId: string, containerId: string): void {
    const p = this.removeContainer(runId, containerId).finally(() => this.removals.delete(p))
    this.removals.add(p)
  }

  /** Waits for containers still being removed in the background (call before exiting). */
  async drain(): Promise<void> {
    while (this.removals.size > 0) await Promise.all([...this.removals])
    await this.retryRemovals()
  }

  private readonly retryRemoval = new Set<string>()
  private retryTimer: NodeJS.Timeout | null = null

  private async removeContainer(runId: string, containerId: string): Promise<void> {
    try {
      await this.client.remove(containerId)
      this.retryRemoval.delete(containerId)
    } catch (err) {
      // A run's outcome never depends on removal. Docker may be down or restarting: retry until it
      // answers (the start-up reaper covers a process that dies meanwhile).
      this.log('remove-failed', { runId, containerId, error: dockerMessage(err) })
      this.retryRemoval.add(containerId)
      this.retryTimer ??= setInterval(() => void this.retryRemovals(), 3_000)
      this.retryTimer.unref()
    }
  }

  /** Retries containers whose removal failed; returns how many are still left. */
  async retryRemovals(): Promise<number> {
    for (const id of [...this.retryRemoval]) {
      try {
        await this.client.remove(id)
        this.retryRemoval.delete(id)
      } catch {
        break
      }
    }
    if (this.retryRemoval.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer)
      this.retryTimer = null
    }
    return this.retryRemoval.size
  }
}

/** Resolves once a host process is gone or a zombie (for a container's init: all its processes are dead). */
async function untilProcessGone(pid: number, startTime: string): Promise<void> {
  for (let delay = 1; processStartTime(pid) === startTime; delay = Math.min(delay * 2, 20)) {
    await new Promise((r) => setTimeout(r, delay))
  }
}

function cancelledError(): RunError {
  return { type: 'cancelled', message: 'Execution was cancelled by user', phase: 'execution' }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

function writeReadOnly(file: string, content: string): void {
  try {
    fs.chmodSync(file, 0o600)
  } catch {
    // not there yet
  }
  fs.writeFileSync(file, content, { mode: 0o444 })
  fs.chmodSync(file, 0o444)
}
