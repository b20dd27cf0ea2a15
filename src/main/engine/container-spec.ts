import type Docker from 'dockerode'
import type { RunLimits } from '../../shared/run'
import { currentOwner } from './owner'

/** Label keys on every container we create; the reaper matches on these and only these. */
export const LABEL_APP = 'app.tako-vm-desktop'
export const LABEL_RUN = 'app.tako-vm-desktop.run-id'
export const LABEL_SESSION = 'app.tako-vm-desktop.session'
export const LABEL_ROLE = 'app.tako-vm-desktop.role'
export const LABEL_OWNER = 'app.tako-vm-desktop.owner'

export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** The only environment user code sees (DESIGN §1); never the host's. */
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
}

/** The host user's ids on Linux when not root, so /output files stay the user's; else 1000:1000. */
export function sandboxUser(): SandboxUser {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0
  const gid = typeof process.getgid === 'function' ? process.getgid() : 0
  if (process.platform === 'linux' && uid !== 0) return { uid, gid: gid === 0 ? uid : gid }
  return { uid: 1000, gid: 1000 }
}

export interface ContainerSpecInput {
  runId: string
  sessionId: string
  image: string
  limits: RunLimits
  user: SandboxUser
  /** Host paths bind-mounted into the container. */
  codeFile: string
  inputFile: string
  outputDir: string
}

/**
 * The hardened container for one run. Every security-relevant flag lives here and nowhere else:
 * tests assert on this object and the integration suite runs it against the real daemon.
 */
export function buildContainerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { limits } = input
  return {
    name: `tako-run-${input.runId}`,
    Image: input.image,
    Cmd: ['python3', '-u', '/code/main.py'],
    Entrypoint: [],
    WorkingDir: '/output',
    User: `${input.user.uid}:${input.user.gid}`,
    Env: [...SANDBOX_ENV],
    Hostname: 'sandbox',
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: true,
    Labels: {
      [LABEL_APP]: '1',
      [LABEL_RUN]: input.runId,
      [LABEL_SESSION]: input.sessionId,
      [LABEL_ROLE]: 'run',
      [LABEL_OWNER]: currentOwner(),
    },
    HostConfig: {
      Binds: [
        `${input.codeFile}:/code/main.py:ro`,
        `${input.inputFile}:/input/data.json:ro`,
        `${input.outputDir}:/output:rw`,
      ],
      Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${limits.tmpBytes}` },
      ReadonlyRootfs: true,
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: limits.nofile, Hard: limits.nofile },
        { Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes },
      ],
      Init: true,
      IpcMode: 'private',
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
    },
  }
}
