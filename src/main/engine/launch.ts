import fs from 'node:fs'
import path from 'node:path'
import type { RunSpec } from './run-engine'
import { buildContainerSpec, type SandboxUser } from './container-spec'
import { DockerDemuxer } from './demux'
import {
  DockerUnavailableError,
  dockerMessage,
  dockerStatusCode,
  type ContainerClient,
} from './docker-client'
import { InfraFailure } from './outcome'
import type { OutputStream } from '../../shared/run'
import type { RunPaths } from './run-folder'
import { runtimeMissing, runtimeStartFailure, type ResolvedRuntime } from './runtimes'
import type { WarmContainer } from './warm-pool'
import type { ArchiveSlot, ArchiveTransfer } from './archive-transfer'
import type { StdinChannel } from './stdin-channel'
import type { StdinMode } from './container-spec'
import { inputFileMounts, placeInputFiles } from './input-files'

/** The go line a warm container's supervisor takes for each way of feeding stdin (supervisor.ts). */
const GO_LINES: Readonly<Record<StdinMode, string>> = {
  none: 'go\n',
  batch: 'go stdin\n',
  interactive: 'go interactive\n',
}

/** Where a run's stdout/stderr payloads go, exactly as Docker delivered them. */
export type PayloadSink = (stream: OutputStream, payload: Buffer) => void

/** A container a run owns: fresh (cold) or taken from the warm pool. */
export interface Launch {
  containerId: string
  /** The folder mounted as /output. */
  outputDir: string
  /** Resolves when the container's output stream has ended. */
  streamEnded: Promise<void>
  /** Starts the script: `start` for a cold container, the go line for a warm one. */
  begin(): Promise<void>
  /** The exit code as Docker reports it: the only source of a run's exit status, both paths. */
  exited(): Promise<number>
  warm: WarmContainer | null
  /** The container's own cgroup parent, where its resource use is read (null: none). */
  cgroupParent: string | null
  /** Archive transfer: the run's volumes on the daemon's side (null: bind mounts). */
  archive: ArchiveSlot | null
}

/** Streams of a Docker attach, demultiplexed into the sink; resolves when the stream ends. */
function pipeAttach(stream: NodeJS.ReadableStream, onPayload: PayloadSink): Promise<void> {
  const demux = new DockerDemuxer(onPayload)
  return new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => demux.push(chunk))
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
}

/** A fresh container, created and attached, not started. */
export async function launchCold(
  d: {
    client: ContainerClient
    sessionId: string
    remove: (id: string) => Promise<void>
    runtime: ResolvedRuntime
    cgroupParent?: string | undefined
    /** Archive transfer (null: the run folder is bind-mounted). */
    archive?: ArchiveTransfer | null
  },
  spec: RunSpec,
  paths: RunPaths,
  user: SandboxUser,
  onPayload: PayloadSink,
): Promise<Launch> {
  const stdin = spec.stdin ?? null
  // Archive transfer: the volumes first (the container names them), then the loader fills them
  // while the container is created (see docs/architecture.md, 'File transfer').
  const slot: ArchiveSlot | null = d.archive
    ? await d.archive.createVolumes(spec.runId, user)
    : null
  const loading = slot ? d.archive?.load(slot, spec.image, spec.limits, user, paths) : null
  const loaded = loading?.then(
    () => null,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  )
  const createSpec = buildContainerSpec({
    kind: 'run',
    runId: spec.runId,
    sessionId: d.sessionId,
    image: spec.image,
    limits: spec.limits,
    runtime: d.runtime.name,
    user,
    ...paths,
    inputMounts: inputFileMounts(spec.runDir, spec.inputFiles ?? []),
    stdin: stdin?.mode ?? 'none',
    ...(spec.mounts?.length ? { mounts: spec.mounts } : {}),
    ...(d.cgroupParent ? { cgroupParent: d.cgroupParent } : {}),
    ...(slot ? { volumes: slot.volumes } : {}),
  })
  const { choice, name } = d.runtime
  let containerId: string
  try {
    containerId = await d.client.create(createSpec)
  } catch (err) {
    if (slot) await loaded
    if (slot) await d.archive?.release(slot)
    throw imageMissing(err, spec) ?? runtimeMissing(err, choice, name) ?? err
  }
  try {
    const loadFailed = await loaded
    if (loadFailed) throw imageMissing(loadFailed, spec) ?? loadFailed
    // With stdin, a duplex attach: the run's input is written to it once the script started.
    const duplex =
      stdin && stdin.mode !== 'none' ? await d.client.attachInteractive(containerId) : null
    const stream = duplex ?? (await d.client.attach(containerId))
    return {
      containerId,
      outputDir: paths.outputDir,
      streamEnded: pipeAttach(stream, onPayload),
      warm: null,
      cgroupParent: d.cgroupParent ?? null,
      archive: slot,
      begin: async () => {
        await d.client.start(containerId).catch((err: unknown) => {
          throw runtimeStartFailure(err, choice, name) ?? err
        })
        if (stdin && duplex) stdin.attach(duplex)
      },
      exited: () => d.client.wait(containerId),
    }
  } catch (err) {
    await d.remove(containerId)
    if (slot) await d.archive?.release(slot)
    throw err
  }
}

function imageMissing(err: unknown, spec: RunSpec): InfraFailure | null {
  if (dockerStatusCode(err) !== 404 || !/no such image|not found/i.test(dockerMessage(err)))
    return null
  return new InfraFailure({
    type: 'image_missing',
    message:
      spec.environment === 'custom'
        ? `The image ${spec.image} is not present locally; load or build it first (images are never pulled).`
        : `The image for environment '${spec.environment}' (${spec.image}) is not built. ` +
          `Build it with the app's "Build ${spec.environment}" button, ` +
          `\`npm run environments -- build ${spec.environment}\` or \`POST /job-types/${spec.environment}/build\`.`,
    phase: 'startup',
  })
}

/**
 * Hands a run to a warm container: the files go into the slot it already has mounted at /code and
 * /input, and the go line starts the script. From then on the container's output passes through
 * untouched and uncounted by anything but the run's own capture, and the run ends when Docker
 * reports the container's exit, as on the cold path: nothing the script prints can end the run,
 * choose its exit code or hide an OOM kill (see docs/security.md, 'Warm runs').
 */
export function launchWarm(
  warm: WarmContainer,
  paths: RunPaths,
  onPayload: PayloadSink,
  stdin: StdinChannel | null = null,
  files: Pick<RunSpec, 'runDir' | 'inputFiles'> | null = null,
): Launch {
  if (!warm.archive) {
    // Archive transfer: the engine filled the container's volumes already (ArchiveTransfer.fill).
    const code = path.join(warm.codeDir, 'main.py')
    const input = path.join(warm.inputDir, 'data.json')
    fs.copyFileSync(paths.codeFile, code)
    fs.copyFileSync(paths.inputFile, input)
    fs.chmodSync(code, 0o444)
    fs.chmodSync(input, 0o444)
    // Always, even with no files: the slot's /input holds this run's files and nothing else.
    placeInputFiles(files?.runDir ?? '', files?.inputFiles ?? [], warm.inputDir)
  }
  const demux = new DockerDemuxer(onPayload)
  warm.setSink((chunk) => demux.push(chunk))
  return {
    containerId: warm.id,
    outputDir: paths.outputDir,
    streamEnded: warm.streamEnded,
    warm,
    cgroupParent: warm.cgroupParent,
    archive: warm.archive ?? null,
    begin: async () => {
      const mode = stdin?.mode ?? 'none'
      await new Promise<void>((resolve, reject) => {
        warm.stream.write(GO_LINES[mode], (err) => (err ? reject(err) : resolve()))
      })
      stdin?.attach(warm.stream)
    },
    exited: async () => {
      const code = await warm.exited
      if (code === 'error')
        throw new DockerUnavailableError('Docker stopped answering during the run')
      return code
    },
  }
}
