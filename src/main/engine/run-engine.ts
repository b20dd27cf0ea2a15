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
}

export interface EngineOptions {
  client: ContainerClient
  /** Identifies this app process; containers of other sessions are reaped at start-up. */
  sessionId: string
  user?: SandboxUser
  /** How long to wait for the daemon after a kill before giving up on it. */
  killGraceMs?: number
  log?: (event: string, fields: Record<string, unknown>) => void
}

export const ARTIFACTS_DIR = 'artifacts'
export const CODE_FILE = 'main.py'
export const INPUT_FILE = 'input.json'

const MiB = 1024 * 1024
const STREAM_DRAIN_MS = 2_000

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

  constructor(options: EngineOptions) {
    this.client = options.client
    this.sessionId = options.sessionId
    this.user = options.user ?? sandboxUser()
    this.killGraceMs = options.killGraceMs ?? 5_000
    this.log = options.log ?? (() => undefined)
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
    let timedOut = false
    let cancelled = spec.signal?.aborted ?? false
    let outputLimited = false
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
      containerId = await this.createContainer(spec, { codeFile, inputFile, outputDir })
      if (spec.signal?.aborted) {
        cancelled = true
        throw new InfraFailure(cancelledError(), 'cancelled')
      }
      const stream = await this.client.attach(containerId)
      let emitted = 0
      const demux = new DockerDemuxer((which, payload) => {
        ;(which === 'stdout' ? stdout : stderr).push(payload)
        emit(which, decoders[which].write(payload))
        emitted += payload.length
        if (emitted > limits.outputCeilingBytes && !outputLimited && !timedOut && !cancelled) {
          outputLimited = true
          killContainer('output-limit')
        }
      })
      const streamEnded = new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => demux.push(chunk))
        stream.on('end', resolve)
        stream.on('close', resolve)
        stream.on('error', () => resolve())
      })

      await this.client.start(containerId)
      tStart = performance.now()
      startedAt = new Date().toISOString()
      spec.onStarted?.(startedAt)
      timer = setTimeout(() => {
        if (exitCode !== null || cancelled) return
        timedOut = true
        killContainer('timeout')
      }, limits.timeoutMs)
      if (spec.signal?.aborted) onAbort()

      const waited = await Promise.race([this.client.wait(containerId), stopped])
      tExit = performance.now()
      clearTimeout(timer)
      if (waited === 'stopped') {
        if (!timedOut && !cancelled && !outputLimited) {
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
      }
    } catch (err) {
      if (err instanceof InfraFailure) infra = err
      else if (timedOut || cancelled || outputLimited) {
        // The daemon failed while we were stopping the run; the run's own outcome stands.
        this.log('stop-error', { runId: spec.runId, error: String(err) })
      } else infra = this.infraFailure(err, spec)
      if (!tExit) tExit = performance.now()
    } finally {
      clearTimeout(timer)
      spec.signal?.removeEventListener('abort', onAbort)
      if (containerId) await this.removeContainer(spec.runId, containerId)
    }
    emit('stdout', decoders.stdout.end())
    emit('stderr', decoders.stderr.end())

    const tCollect = performance.now()
    const warnings: RunWarning[] = []
    const parsed = readResultJson(outputDir, limits.resultBytes)
    if (parsed.warning) warnings.push(parsed.warning)
    let artifacts: RunOutcome['artifacts'] = []
    try {
      const walked = collectArtifacts(outputDir, limits)
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

  private decide(s: {
    infra: InfraFailure | null
    cancelled: boolean
    timedOut: boolean
    outputLimited: boolean
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

  private async removeContainer(runId: string, containerId: string): Promise<void> {
    try {
      await this.client.remove(containerId)
    } catch (err) {
      // Left for the reaper; a run's outcome never depends on removal.
      this.log('remove-failed', { runId, containerId, error: dockerMessage(err) })
    }
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
