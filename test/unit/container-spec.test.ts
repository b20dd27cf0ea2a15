import { afterEach, describe, it, expect, vi } from 'vitest'
import type { RunLimits } from '../../src/shared/run'
import {
  LABEL_APP,
  LABEL_ROLE,
  LABEL_RUN,
  LABEL_SESSION,
  SANDBOX_ENV,
  buildContainerSpec,
  sandboxUser,
  type ContainerSpecInput,
} from '../../src/main/engine/container-spec'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'

const MiB = 1024 * 1024
const limits: RunLimits = {
  ...DEFAULT_LIMITS,
  memoryBytes: 256 * MiB,
  cpus: 1.5,
  pids: 64,
  nofile: 128,
  fileSizeBytes: 10 * MiB,
  tmpBytes: 32 * MiB,
}
const input: ContainerSpecInput = {
  runId: 'run-123',
  sessionId: 'session-abc',
  image: 'tako-vm-desktop/default:abc123',
  limits,
  user: { uid: 1000, gid: 1000 },
  codeFile: '/data/runs/run-123/main.py',
  inputFile: '/data/runs/run-123/input.json',
  outputDir: '/data/runs/run-123/artifacts',
}

afterEach(() => {
  vi.restoreAllMocks()
  delete process.env.TAKO_TEST_SECRET
})

describe('buildContainerSpec', () => {
  const spec = buildContainerSpec(input)
  const host = spec.HostConfig ?? {}

  it('runs the script with -u from /output, as the given image', () => {
    expect(spec.Image).toBe(input.image)
    expect(spec.Cmd).toEqual(['python3', '-u', '/code/main.py'])
    expect(spec.Entrypoint).toEqual([])
    expect(spec.WorkingDir).toBe('/output')
    expect(spec.Tty).toBe(false)
    expect(spec.OpenStdin).toBe(false)
    expect(spec.AttachStdin).toBe(false)
  })

  it('has a read-only root filesystem', () => {
    expect(host.ReadonlyRootfs).toBe(true)
  })

  it('has no network', () => {
    expect(host.NetworkMode).toBe('none')
    expect(spec.NetworkDisabled).toBe(true)
  })

  it('drops all capabilities, forbids privilege gain and is not privileged', () => {
    expect(host.CapDrop).toEqual(['ALL'])
    expect(host.CapAdd ?? []).toEqual([])
    expect(host.SecurityOpt).toContain('no-new-privileges')
    expect(host.Privileged).toBe(false)
  })

  it('caps memory with swap equal to memory (no swap)', () => {
    expect(host.Memory).toBe(256 * MiB)
    expect(host.MemorySwap).toBe(host.Memory)
  })

  it('caps CPU and process count', () => {
    expect(host.NanoCpus).toBe(1_500_000_000)
    expect(host.PidsLimit).toBe(64)
  })

  it('sets nofile and fsize ulimits, soft equal to hard', () => {
    expect(host.Ulimits).toEqual(
      expect.arrayContaining([
        { Name: 'nofile', Soft: 128, Hard: 128 },
        { Name: 'fsize', Soft: 10 * MiB, Hard: 10 * MiB },
      ]),
    )
  })

  it('sets nproc to the pids limit: Podman would otherwise ask for more than its hard limit', () => {
    // Podman (unlike Docker) gives a container its own high RLIMIT_NPROC unless one is set; above the
    // host's hard limit and without CAP_SYS_RESOURCE, runc's start fails with EPERM ("error setting
    // rlimit type 6"; see docs/remote-hosts.md, 'Podman').
    expect(host.Ulimits).toContainEqual({ Name: 'nproc', Soft: 64, Hard: 64 })
  })

  it('uses an init process, no logging driver, no restart and no auto-remove', () => {
    expect(host.Init).toBe(true)
    expect(host.LogConfig?.Type).toBe('none')
    expect(host.RestartPolicy?.Name).toBe('no')
    expect(host.AutoRemove).toBe(false)
    expect(host.IpcMode).toBe('private')
  })

  it('mounts /tmp as a sized noexec tmpfs', () => {
    const tmp = host.Tmpfs?.['/tmp'] ?? ''
    const opts = tmp.split(',')
    expect(opts).toEqual(expect.arrayContaining(['noexec', 'nosuid', 'nodev', `size=${32 * MiB}`]))
    expect(Object.keys(host.Tmpfs ?? {})).toEqual(['/tmp'])
  })

  it('binds code and input read-only and only /output writable', () => {
    expect(host.Binds).toEqual([
      '/data/runs/run-123/main.py:/code/main.py:ro',
      '/data/runs/run-123/input.json:/input/data.json:ro',
      '/data/runs/run-123/artifacts:/output:rw',
    ])
    expect(host.Mounts ?? []).toEqual([])
    expect(host.VolumesFrom ?? []).toEqual([])
  })

  it('labels the container with the app, run, session and role', () => {
    expect(spec.Labels).toMatchObject({
      [LABEL_APP]: '1',
      [LABEL_RUN]: 'run-123',
      [LABEL_SESSION]: 'session-abc',
      [LABEL_ROLE]: 'run',
    })
    for (const key of Object.keys(spec.Labels ?? {})) expect(key.startsWith(LABEL_APP)).toBe(true)
    expect(spec.name).toBe('tako-run-run-123')
  })

  it('runs as the given non-root numeric user', () => {
    expect(spec.User).toBe('1000:1000')
    expect(buildContainerSpec({ ...input, user: { uid: 1234, gid: 99 } }).User).toBe('1234:99')
  })

  it('sets exactly the sandbox environment', () => {
    expect(spec.Env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOME=/tmp',
      'PYTHONUNBUFFERED=1',
      'PYTHONDONTWRITEBYTECODE=1',
      'MPLBACKEND=Agg',
      'MPLCONFIGDIR=/tmp/.mpl',
      'LANG=C.UTF-8',
    ])
  })

  it('never passes the host environment', () => {
    process.env.TAKO_TEST_SECRET = 'hunter2'
    const env = buildContainerSpec(input).Env ?? []
    expect(env).toEqual([...SANDBOX_ENV])
    expect(env.join('\n')).not.toContain('hunter2')
    const sandboxKeys = SANDBOX_ENV.map((e) => e.slice(0, e.indexOf('=')))
    const hostOnly = Object.keys(process.env).filter((k) => !sandboxKeys.includes(k))
    expect(hostOnly).toContain('TAKO_TEST_SECRET')
    for (const key of hostOnly)
      expect(
        env.some((e) => e.startsWith(`${key}=`)),
        key,
      ).toBe(false)
  })

  it('returns a fresh Env array each time', () => {
    const a = buildContainerSpec(input)
    a.Env?.push('LD_PRELOAD=/tmp/x.so')
    expect(buildContainerSpec(input).Env).toEqual([...SANDBOX_ENV])
  })
})

describe('sandboxUser', () => {
  it('never returns root', () => {
    const u = sandboxUser()
    expect(u.uid).not.toBe(0)
    expect(u.gid).not.toBe(0)
  })

  it('maps a root host user to 1000:1000', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0)
    vi.spyOn(process, 'getgid').mockReturnValue(0)
    expect(sandboxUser()).toEqual({ uid: 1000, gid: 1000 })
  })

  it.runIf(process.platform === 'linux')('uses a non-root Linux host user’s own ids', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1234)
    vi.spyOn(process, 'getgid').mockReturnValue(567)
    expect(sandboxUser()).toEqual({ uid: 1234, gid: 567 })
  })

  it.runIf(process.platform === 'linux')('does not pair a user id with the root group', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1234)
    vi.spyOn(process, 'getgid').mockReturnValue(0)
    expect(sandboxUser()).toEqual({ uid: 1234, gid: 1234 })
  })
})

describe('buildContainerSpec: warm and probe containers', () => {
  const common = { sessionId: 'session-abc', image: input.image, limits, user: input.user }
  const warm = buildContainerSpec({
    kind: 'warm',
    slotId: 'slot-1',
    codeDir: '/data/pool/slot-1/code',
    inputDir: '/data/pool/slot-1/input',
    outputDir: '/data/pool/slot-1/output',
    preimports: ['numpy'],
    ...common,
  })
  const probe = buildContainerSpec({
    kind: 'probe',
    probeId: 'p1',
    command: ['python3', '-c', 'print(3)'],
    ...common,
  })
  const run = buildContainerSpec(input)

  it('a warm container mounts its slot folders, runs the supervisor and takes stdin once', () => {
    expect(warm.name).toBe('tako-pool-slot-1')
    expect(warm.Labels?.[LABEL_ROLE]).toBe('pool')
    expect(warm.HostConfig?.Binds).toEqual([
      '/data/pool/slot-1/code:/code:ro',
      '/data/pool/slot-1/input:/input:ro',
      '/data/pool/slot-1/output:/output:rw',
    ])
    expect(warm.Cmd?.slice(0, 3)).toEqual(['python3', '-u', '-c'])
    expect(warm.Cmd?.at(-1)).toBe('numpy')
    expect([warm.OpenStdin, warm.StdinOnce, warm.AttachStdin]).toEqual([true, true, true])
    expect(warm.WorkingDir).toBe('/output')
  })

  it('refuses host folders beside archive volumes instead of leaving them out', () => {
    const volumes = { code: 'v-code', input: 'v-input', output: 'v-output' }
    const mounts = [{ host: '/data/stage/submission', container: '/submission' }]
    expect(() => buildContainerSpec({ ...input, volumes, mounts })).toThrow(/archive transfer/)
    // Either alone is fine.
    expect(buildContainerSpec({ ...input, volumes }).HostConfig?.Binds).toEqual([])
    expect(buildContainerSpec({ ...input, mounts }).HostConfig?.Binds).toContain(
      '/data/stage/submission:/submission:ro',
    )
  })

  it('a probe has no mounts at all and runs only its command', () => {
    expect(probe.Labels?.[LABEL_ROLE]).toBe('probe')
    expect(probe.HostConfig?.Binds).toEqual([])
    expect(probe.Cmd).toEqual(['python3', '-c', 'print(3)'])
    expect(probe.WorkingDir).toBe('/tmp')
    expect([probe.OpenStdin, probe.AttachStdin]).toEqual([false, false])
  })

  it('every kind has exactly the same hardening', () => {
    const hardening = (s: typeof run): unknown => {
      const host = { ...s.HostConfig, Binds: null }
      return { host, user: s.User, env: s.Env, net: s.NetworkDisabled, entry: s.Entrypoint }
    }
    expect(hardening(warm)).toEqual(hardening(run))
    expect(hardening(probe)).toEqual(hardening(run))
  })
})
