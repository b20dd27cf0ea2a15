import type Docker from 'dockerode'
import type { RunLimits } from '../../shared/run'
import { currentOwner } from './owner'
import { SUPERVISOR_SOURCE } from './supervisor'

/** Label keys on every container we create; the reaper matches on these and only these. */
export const LABEL_APP = 'app.tako-vm-desktop'
export const LABEL_RUN = 'app.tako-vm-desktop.run-id'
export const LABEL_SESSION = 'app.tako-vm-desktop.session'
export const LABEL_ROLE = 'app.tako-vm-desktop.role'
export const LABEL_OWNER = 'app.tako-vm-desktop.owner'

export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** The only environment user code sees (see docs/run-contract.md); never the host's. */
export const SANDBOX_ENV: readonly string[] = [
  `PATH=${CONTAINER_PATH}`,
  'HOME=/tmp',
  'PYTHONUNBUFFERED=1',
  'PYTHONDONTWRITEBYTECODE=1',
  'MPLBACKEND=Agg',
  'MPLCONFIGDIR=/tmp/.mpl',
  'LANG=C.UTF-8',
]

export interface SandboxUser {
  uid: number
  gid: number
  /**
   * The run shares the app's own group (a non-root app on Linux): /output is the app's, mode 2770,
   * and the script runs with umask 002 so the app can read and remove what it writes (see
   * docs/security.md, 'One uid per run').
   */
  sharedGroup?: boolean
}

/** Runs `cmd` with umask 002 (Docker 20.10 has no umask setting); `exec` keeps it the same process. */
export function withGroupUmask(cmd: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'umask 002 && exec "$0" "$@"', ...cmd]
}

/** The host user's ids on Linux when not root, so /output files stay the user's; else 1000:1000. */
export function sandboxUser(): SandboxUser {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0
  const gid = typeof process.getgid === 'function' ? process.getgid() : 0
  if (process.platform === 'linux' && uid !== 0) return { uid, gid: gid === 0 ? uid : gid }
  return { uid: 1000, gid: 1000 }
}

/**
 * Archive transfer: per-run volumes on the daemon's side instead of the run folder's bind mounts
 * (see docs/architecture.md, 'File transfer'). Code and input are mounted read-only in the run's
 * container; only the loader (never started) mounts them writable.
 */
export interface RunVolumes {
  code: string
  input: string
  output: string
}

interface CommonSpecInput {
  sessionId: string
  image: string
  limits: RunLimits
  user: SandboxUser
  /** Docker runtime name (HostConfig.Runtime), e.g. `runc` or `runsc`; the daemon's default when absent. */
  runtime?: string
  /** A cgroup parent of the container's own, for measuring its resource use (resource-usage.ts). */
  cgroupParent?: string
}

/** One run's own container: the script is its command. */
export interface RunSpecInput extends CommonSpecInput {
  kind?: 'run'
  runId: string
  /** Host paths bind-mounted into the container. */
  codeFile: string
  inputFile: string
  outputDir: string
  /** The run's own input files, each bound read-only at /input/<name> (input-files.ts). */
  inputMounts?: readonly Docker.MountSettings[]
  /**
   * The script's stdin: none (closed at once, EOF), batch (the host writes the run's input, then
   * closes it) or interactive (the stdin wrapper runs the script; see docs/run-contract.md,
   * 'Standard input').
   */
  stdin?: StdinMode
  /** More host folders, read-only (cold runs only: a warm container's mounts are fixed). */
  mounts?: readonly ReadOnlyMount[]
  /** Archive transfer: these volumes instead of the bind mounts above. */
  volumes?: RunVolumes
}

/**
 * A host folder a run sees read-only at its own path (an exercise check's `/submission` and
 * `/fixtures`; see docs/exercise-pack.md, 'Checks'). Never one of the run's own paths.
 */
export interface ReadOnlyMount {
  host: string
  container: string
}

const RESERVED_PATHS = ['/code', '/input', '/output', '/tmp']

function mountBind(m: ReadOnlyMount): string {
  if (
    !/^\/[a-z][a-z0-9_-]{0,31}$/.test(m.container) ||
    RESERVED_PATHS.includes(m.container) ||
    !m.host.startsWith('/') ||
    /[:,\0]/.test(m.host)
  ) {
    throw new Error(`refused mount ${JSON.stringify(m)}`)
  }
  return `${m.host}:${m.container}:ro`
}

/** How a run's standard input is fed (see docs/run-contract.md, 'Standard input'). */
export type StdinMode = 'none' | 'batch' | 'interactive'

/** A warm container: the supervisor waits on stdin for its one run's go line. */
export interface WarmSpecInput extends CommonSpecInput {
  kind: 'warm'
  slotId: string
  /** Host folders mounted at /code, /input (read-only) and /output. */
  codeDir: string
  inputDir: string
  outputDir: string
  preimports: readonly string[]
  /** Archive transfer: these volumes instead of the bind mounts above. */
  volumes?: RunVolumes
}

/**
 * Archive transfer's loader: created, never started, it mounts a run's volumes writable so the
 * archive API can fill them (the run's own container has them read-only, and its root file system
 * read-only, where Docker refuses to extract). Its root is writable only so that one tar at `/`
 * can set the owner of /output; no process ever runs in it.
 */
export interface LoaderSpecInput extends CommonSpecInput {
  kind: 'loader'
  loaderId: string
  volumes: RunVolumes
}

/**
 * A hand-back (hand-back.ts): a short container as the run's own uid that makes what the run left in
 * /output readable and removable for the app again; only the folder it mends is mounted.
 */
export interface HandBackSpecInput extends CommonSpecInput {
  kind: 'handback'
  handBackId: string
  outputDir: string
  command: string[]
}

/** A check of an image (e.g. a custom image has python3): no mounts at all. */
export interface ProbeSpecInput extends CommonSpecInput {
  kind: 'probe'
  probeId: string
  command: string[]
}

export type ContainerSpecInput =
  RunSpecInput | WarmSpecInput | ProbeSpecInput | LoaderSpecInput | HandBackSpecInput

/** Name, run label, role, mounts, command and stdin of each kind of container. */
interface KindParts {
  name: string
  runLabel: string
  role: string
  binds: string[]
  mounts: Docker.MountSettings[]
  cmd: string[]
  workingDir: string
  stdin: boolean
}

/** A script's command runs with umask 002 when the run shares the app's group. */
function kindParts(input: ContainerSpecInput): KindParts {
  const parts = containerParts(input)
  const script = input.kind === undefined || input.kind === 'run' || input.kind === 'warm'
  return script && input.user.sharedGroup ? { ...parts, cmd: withGroupUmask(parts.cmd) } : parts
}

function containerParts(input: ContainerSpecInput): KindParts {
  switch (input.kind) {
    case 'warm':
      return {
        name: `tako-pool-${input.slotId}`,
        runLabel: `pool-${input.slotId}`,
        role: 'pool',
        binds: [
          `${input.codeDir}:/code:ro`,
          `${input.inputDir}:/input:ro`,
          `${input.outputDir}:/output:rw`,
        ],
        mounts: [],
        cmd: ['python3', '-u', '-c', SUPERVISOR_SOURCE, 'warm', ...input.preimports],
        workingDir: '/output',
        stdin: true,
      }
    case 'loader':
      return {
        name: `tako-load-${input.loaderId}`,
        runLabel: `load-${input.loaderId}`,
        role: 'loader',
        binds: [],
        mounts: [],
        cmd: ['false'],
        workingDir: '/tmp',
        stdin: false,
      }
    case 'handback':
      return {
        name: `tako-handback-${input.handBackId}`,
        runLabel: `handback-${input.handBackId}`,
        role: 'handback',
        binds: [`${input.outputDir}:/output:rw`],
        mounts: [],
        cmd: input.command,
        workingDir: '/',
        stdin: false,
      }
    case 'probe':
      return {
        name: `tako-probe-${input.probeId}`,
        runLabel: `probe-${input.probeId}`,
        role: 'probe',
        binds: [],
        mounts: [],
        cmd: input.command,
        workingDir: '/tmp',
        stdin: false,
      }
    default:
      return {
        name: `tako-run-${input.runId}`,
        runLabel: input.runId,
        role: 'run',
        binds: [
          `${input.codeFile}:/code/main.py:ro`,
          `${input.inputFile}:/input/data.json:ro`,
          `${input.outputDir}:/output:rw`,
          ...(input.mounts ?? []).map(mountBind),
        ],
        // Mounts, not Binds: a file name may hold a `:`, which the Binds syntax cannot carry.
        mounts: [...(input.inputMounts ?? [])],
        cmd:
          input.stdin === 'interactive'
            ? ['python3', '-u', '-c', SUPERVISOR_SOURCE, 'interactive']
            : ['python3', '-u', '/code/main.py'],
        workingDir: '/output',
        stdin: (input.stdin ?? 'none') !== 'none',
      }
  }
}

function volumeMount(source: string, target: string, readOnly: boolean): Docker.MountSettings {
  return {
    Type: 'volume',
    Source: source,
    Target: target,
    ReadOnly: readOnly,
    VolumeOptions: { NoCopy: true },
  } as Docker.MountSettings
}

/** Archive transfer's mounts: the run's volumes, read-only but /output, or all writable (loader). */
function volumeMounts(input: ContainerSpecInput): Docker.MountSettings[] | null {
  if (input.kind === 'probe' || input.kind === 'handback' || !input.volumes) return null
  const loader = input.kind === 'loader'
  return [
    volumeMount(input.volumes.code, '/code', !loader),
    volumeMount(input.volumes.input, '/input', !loader),
    volumeMount(input.volumes.output, '/output', false),
  ]
}

/**
 * The hardened container for a run, a warm container or an image probe. Every security-relevant
 * flag lives here and nowhere else, and nothing changes the result afterwards: tests assert on this
 * object and the integration suite runs it against the real daemon.
 */
export function buildContainerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { limits } = input
  const k = kindParts(input)
  const mounts = volumeMounts(input)
  // Volumes replace every bind mount: a host folder asked for beside them would silently be missing.
  if (mounts && (input.kind ?? 'run') === 'run' && (input as RunSpecInput).mounts?.length) {
    throw new Error('host folders cannot be mounted when files are copied (archive transfer)')
  }
  return {
    name: k.name,
    Image: input.image,
    Cmd: k.cmd,
    Entrypoint: [],
    WorkingDir: k.workingDir,
    User: `${input.user.uid}:${input.user.gid}`,
    Env: [...SANDBOX_ENV],
    Hostname: 'sandbox',
    Tty: false,
    OpenStdin: k.stdin,
    StdinOnce: k.stdin,
    AttachStdin: k.stdin,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: true,
    Labels: {
      [LABEL_APP]: '1',
      [LABEL_RUN]: k.runLabel,
      [LABEL_SESSION]: input.sessionId,
      [LABEL_ROLE]: k.role,
      [LABEL_OWNER]: currentOwner(),
    },
    HostConfig: {
      ...(input.runtime ? { Runtime: input.runtime } : {}),
      Binds: mounts ? [] : k.binds,
      ...(mounts ? { Mounts: mounts } : k.mounts.length > 0 ? { Mounts: k.mounts } : {}),
      Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${limits.tmpBytes}` },
      ReadonlyRootfs: input.kind !== 'loader',
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      ...(input.cgroupParent ? { CgroupParent: input.cgroupParent } : {}),
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: limits.nofile, Hard: limits.nofile },
        { Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes },
        // The pids limit again, per uid (one uid per run). Podman otherwise asks for a higher nproc
        // than the hard limit, which runc cannot raise without capabilities (docs/remote-hosts.md).
        { Name: 'nproc', Soft: limits.pids, Hard: limits.pids },
      ],
      Init: true,
      IpcMode: 'private',
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
    },
  }
}
