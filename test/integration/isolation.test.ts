// The sandbox itself (docs/run-contract.md, docs/security.md): filesystems, user, capabilities, network, environment and limits,
// checked from inside a real container created with the production flags.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRunUid } from '../../src/main/engine/run-users'
import { execute, executeOk, py, expectNoSessionContainersLeft } from './execute'
import { containerCgroup, request, startInProcess } from './helpers'
import { LABEL_RUN } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { UNDER_GVISOR } from './runtime-env'

const MiB = 1024 * 1024

// A variable of the host process that must never reach user code. Set before the server exists, so
// any code path that copied process.env into the container would carry it.
const HOST_VAR = `TAKO_HOST_SECRET_${randomBytes(6).toString('hex').toUpperCase()}`
const HOST_VALUE = `host-value-${randomBytes(8).toString('hex')}`

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server

beforeAll(async () => {
  process.env[HOST_VAR] = HOST_VALUE
  srv = await startInProcess()
})

afterAll(async () => {
  delete process.env[HOST_VAR]
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
  fs.rmSync(srv.dataDir, { recursive: true, force: true })
})

/** Python helper: `attempt(fn)` → "OK" or the errno name of the OSError it raised. */
const ATTEMPT = py(
  'import errno',
  'def attempt(fn):',
  '    try:',
  '        fn()',
  '        return "OK"',
  '    except OSError as e:',
  '        return errno.errorcode.get(e.errno, str(e.errno))',
  'def write(path):',
  '    def go():',
  '        with open(path, "w") as f:',
  '            f.write("x")',
  '    return go',
)

/** Runs code that prints one JSON object as its last stdout line, and returns that object. */
async function probe<T>(code: string, extra: Record<string, unknown> = {}): Promise<T> {
  const r = await executeOk(srv.url, code, extra)
  const last = r.stdout.trim().split('\n').pop() ?? ''
  return JSON.parse(last) as T
}

describe('filesystems', () => {
  it('/tmp is writable but noexec', async () => {
    const r = await probe<Record<string, string | boolean>>(
      py(
        ATTEMPT,
        'import json, os, shutil, subprocess',
        'out = {"write": attempt(write("/tmp/note.txt"))}',
        'out["read_back"] = open("/tmp/note.txt").read() == "x"',
        'shutil.copy("/usr/bin/true", "/tmp/true")',
        'os.chmod("/tmp/true", 0o755)',
        'out["mode_x"] = os.access("/tmp/true", os.X_OK)',
        'try:',
        '    subprocess.run(["/tmp/true"], check=True)',
        '    out["exec"] = "ran"',
        'except PermissionError as e:',
        '    out["exec"] = "PermissionError " + errno.errorcode[e.errno]',
        'out["usr_bin_true"] = subprocess.run(["/usr/bin/true"]).returncode == 0',
        'print(json.dumps(out))',
      ),
    )
    expect(r).toEqual({
      write: 'OK',
      read_back: true,
      // The mode bit is set, but access(X_OK) and exec both see the noexec mount. gVisor's
      // access() does not look at mount flags; its exec refuses all the same.
      mode_x: UNDER_GVISOR,
      exec: 'PermissionError EACCES',
      usr_bin_true: true,
    })
  })

  it('/tmp is size-capped at 64 MiB: writing 100 MiB fails with ENOSPC', async () => {
    const r = await probe<{ error: string; written: number; total: number }>(
      py(
        'import errno, json, os',
        'written = 0',
        'error = "none"',
        'chunk = b"z" * (1024 * 1024)',
        'fd = os.open("/tmp/fill", os.O_WRONLY | os.O_CREAT)',
        'try:',
        '    while written < 100 * 2**20:',
        '        written += os.write(fd, chunk)',
        'except OSError as e:',
        '    error = errno.errorcode[e.errno]',
        'st = os.statvfs("/tmp")',
        'print(json.dumps({"error": error, "written": written, "total": st.f_blocks * st.f_frsize}))',
      ),
    )
    expect(r.error).toBe('ENOSPC')
    expect(r.total).toBe(64 * MiB)
    expect(r.written).toBeLessThanOrEqual(64 * MiB)
    expect(r.written).toBeGreaterThan(60 * MiB)
  })

  it('/, /etc, /code and /input are read-only; /output and /tmp are not', async () => {
    const r = await probe<{ writes: Record<string, string>; readonly: Record<string, boolean> }>(
      py(
        ATTEMPT,
        'import json, os',
        'paths = ["/x", "/etc/x", "/etc/hosts", "/code/x", "/code/main.py", "/input/x",',
        '         "/usr/lib/x", "/var/x", "/home/x"]',
        'writes = {p: attempt(write(p)) for p in paths}',
        'writes["mkdir /opt/d"] = attempt(lambda: os.mkdir("/opt/d"))',
        'def mounted_ro(p):',
        '    best = ("", False)',
        '    for line in open("/proc/self/mounts"):',
        '        mp, opts = line.split()[1], line.split()[3].split(",")',
        '        if (p == mp or p.startswith(mp.rstrip("/") + "/")) and len(mp) >= len(best[0]):',
        '            best = (mp, "ro" in opts)',
        '    return best[1]',
        // gVisor's statvfs() reports no mount flags (f_flag is ST_VALID only): ask its mount table.
        `ro = {p: ${UNDER_GVISOR ? 'mounted_ro(p)' : 'bool(os.statvfs(p).f_flag & os.ST_RDONLY)'}`,
        '      for p in ["/", "/etc", "/code", "/input", "/usr", "/output", "/tmp"]}',
        'print(json.dumps({"writes": writes, "readonly": ro}))',
      ),
    )
    for (const [path, result] of Object.entries(r.writes)) {
      expect(result, path).toMatch(/^(EROFS|EACCES)$/)
    }
    expect(r.readonly).toEqual({
      '/': true,
      '/etc': true,
      '/code': true,
      '/input': true,
      '/usr': true,
      '/output': false,
      '/tmp': false,
    })
  })

  it('nothing persists from one run to the next', async () => {
    const first = await probe<Record<string, string>>(
      py(
        ATTEMPT,
        'import json',
        'print(json.dumps({p: attempt(write(p)) for p in ["/tmp/bean", "/output/bean", "/dev/shm/bean"]}))',
      ),
    )
    expect(first['/tmp/bean']).toBe('OK')
    expect(first['/output/bean']).toBe('OK')
    const second = await probe<Record<string, boolean>>(
      py(
        'import json, os',
        'paths = ["/tmp/bean", "/output/bean", "/dev/shm/bean"]',
        'print(json.dumps({p: os.path.exists(p) for p in paths} | {"output": os.listdir("/output")}))',
      ),
    )
    expect(second).toEqual({
      '/tmp/bean': false,
      '/output/bean': false,
      '/dev/shm/bean': false,
      output: [],
    })
  })
})

describe('user and privileges', () => {
  it('runs as a non-root uid with no capabilities and no-new-privileges', async () => {
    const r = await probe<{
      uid: number
      gid: number
      euid: number
      groups: number[]
      status: Record<string, string>
      nnp: number
    }>(
      py(
        'import ctypes, json, os',
        'status = {}',
        'for line in open("/proc/self/status"):',
        '    key, _, value = line.partition(":")',
        '    if key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):',
        '        status[key] = value.strip()',
        'nnp = ctypes.CDLL(None).prctl(39, 0, 0, 0, 0)  # PR_GET_NO_NEW_PRIVS',
        'print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(),',
        '                  "groups": os.getgroups(), "status": status, "nnp": nnp}))',
      ),
    )
    // Each run has a uid:gid of its own from the run range (see docs/security.md, 'One uid per run').
    expect(isRunUid(r.uid), `uid ${r.uid}`).toBe(true)
    expect(r.uid).not.toBe(0)
    expect(r.euid).not.toBe(0)
    expect(r.gid).not.toBe(0)
    expect(r.gid).toBe(r.uid)
    expect(r.groups).not.toContain(0)
    const zero = '0000000000000000'
    expect(r.status.CapEff).toBe(zero)
    expect(r.status.CapPrm).toBe(zero)
    expect(r.status.CapBnd).toBe(zero)
    if (UNDER_GVISOR) {
      // gVisor's /proc/self/status has no CapAmb line; the ambient set is a subset of permitted and
      // inheritable, and both are empty.
      expect(r.status.CapAmb).toBeUndefined()
      expect(r.status.CapInh).toBe(zero)
    } else expect(r.status.CapAmb).toBe(zero)
    // gVisor's /proc/self/status has no NoNewPrivs line either; prctl answers on both runtimes.
    if (!UNDER_GVISOR) expect(r.status.NoNewPrivs).toBe('1')
    expect(r.nnp).toBe(1)
  })
})

describe('network', () => {
  it('has no network: connect and DNS fail fast, only loopback exists', async () => {
    const r = await probe<{ connect: string; dns: string; ifaces: string[]; seconds: number }>(
      py(
        'import json, os, socket, time',
        't0 = time.monotonic()',
        'try:',
        '    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
        '    s.settimeout(10)',
        '    s.connect(("1.1.1.1", 53))',
        '    connect = "connected"',
        'except OSError as e:',
        '    connect = type(e).__name__',
        'try:',
        '    socket.getaddrinfo("example.com", 80)',
        '    dns = "resolved"',
        'except OSError as e:',
        '    dns = type(e).__name__',
        'print(json.dumps({"connect": connect, "dns": dns, "ifaces": sorted(os.listdir("/sys/class/net")),',
        '                  "seconds": time.monotonic() - t0}))',
      ),
    )
    expect(r.connect).not.toBe('connected')
    expect(r.connect).not.toBe('TimeoutError')
    expect(r.dns).toBe('gaierror')
    expect(r.ifaces).toEqual(['lo'])
    expect(r.seconds).toBeLessThan(2)
  })
})

describe('environment', () => {
  it('sees only the variables we set, never the host environment', async () => {
    expect(process.env[HOST_VAR]).toBe(HOST_VALUE)
    const r = await probe<{ environ: Record<string, string>; proc: string[] }>(
      py(
        'import json, os',
        'proc = open("/proc/self/environ", "rb").read().decode().split("\\0")',
        'print(json.dumps({"environ": dict(os.environ), "proc": [p for p in proc if p]}))',
      ),
    )
    const { HOSTNAME, LC_CTYPE, ...rest } = r.environ
    expect(rest).toEqual({
      HOME: '/tmp',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      MPLBACKEND: 'Agg',
      MPLCONFIGDIR: '/tmp/.mpl',
      LANG: 'C.UTF-8',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    })
    // Docker sets HOSTNAME from the container's host name; Python may add LC_CTYPE (locale coercion).
    expect(HOSTNAME).toBe('sandbox')
    expect(LC_CTYPE === undefined || LC_CTYPE.endsWith('UTF-8')).toBe(true)
    const all = JSON.stringify(r)
    expect(all).not.toContain(HOST_VAR)
    expect(all).not.toContain(HOST_VALUE)
    for (const name of ['TAKO_DATA_DIR', 'DOCKER_HOST', 'npm_config_cache', 'VITEST', 'NODE_ENV']) {
      expect(r.environ[name], name).toBeUndefined()
    }
    expect(r.proc.map((p) => p.slice(0, p.indexOf('='))).sort()).toEqual(
      Object.keys(r.environ).sort(),
    )
  })
})

/**
 * The cgroup files of a sleeping run's container as the host has them (cgroup v1 or v2). `cpus`
 * 0.5 makes a key no warm container has, so the run is cold and its container carries its id.
 */
async function hostCgroupFiles(): Promise<Record<string, string>> {
  const res = await request<{ job_id: string }>(`${srv.url}/execute/async`, {
    method: 'POST',
    json: { code: py('import time', 'time.sleep(10)'), cpus: 0.5 },
  })
  const runId = res.body.job_id
  const client = new DockerContainerClient()
  let id: string | undefined
  for (let i = 0; i < 200 && !id; i++) {
    id = (await client.listByLabel(`${LABEL_RUN}=${runId}`))[0]?.id
    if (!id || !(await client.inspect(id)).running) {
      id = undefined
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const own = id ? await containerCgroup(client, id) : null
  const read = (...files: string[]): string => {
    for (const f of files) {
      for (const dir of [own, `system.slice/docker-${id}.scope`]) {
        if (!dir) continue
        const p = `/sys/fs/cgroup/${f.replace('{}', dir)}`
        if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8').trim()
      }
    }
    return 'missing'
  }
  const files = {
    memory: read('memory/{}/memory.limit_in_bytes', '{}/memory.max'),
    memsw: read('memory/{}/memory.memsw.limit_in_bytes'),
    swap_v2: read('{}/memory.swap.max'),
    pids: read('pids/{}/pids.max', '{}/pids.max'),
  }
  await srv.core.jobs.wait(runId)
  return files
}

/** Forks until fork() fails, children sleeping; prints how many and the errno. */
const FORK_LOOP = py(
  'import errno, json, os, time',
  'forked = 0',
  'error = "none"',
  'for _ in range(1000):',
  '    try:',
  '        pid = os.fork()',
  '    except OSError as e:',
  '        error = errno.errorcode[e.errno]',
  '        break',
  '    if pid == 0:',
  '        time.sleep(600)',
  '        os._exit(0)',
  '    forked += 1',
  'print(json.dumps({"forked": forked, "error": error}))',
)

describe('resource limits', () => {
  it('the pids limit stops a fork loop with EAGAIN below 128 and the run still ends', async () => {
    // "Still ends": before its 60 s timer, which the status shows (not timeout), whatever the load.
    if (UNDER_GVISOR) {
      // gVisor's sandbox counts against the container's host pids limit (its kernel's threads and,
      // on the ptrace platform, a stub per task): a fork loop exhausts it before 128 guest
      // processes and the sandbox ends the run (failed, or oom) instead of fork() seeing EAGAIN.
      const r = await execute(srv.url, { code: FORK_LOOP, timeout: 60 })
      expect(['failed', 'oom'], `${r.status} ${r.error}`).toContain(r.status)
      const printed = r.stdout.trim()
      if (printed) expect((JSON.parse(printed) as { forked: number }).forked).toBeLessThan(128)
      return
    }
    const r = await probe<{ forked: number; error: string }>(FORK_LOOP, { timeout: 60 })
    expect(r.error).toBe('EAGAIN')
    expect(r.forked).toBeLessThan(128)
    expect(r.forked).toBeGreaterThan(64)
    // The sleeping children do not keep the run alive once the script exits: `probe` saw it
    // succeed, where a run kept alive would end at its timer as timeout.
  }, 60_000)

  it('memory is capped at 512 MiB with no swap, pids at 128 (cgroup files)', async () => {
    // gVisor shows the script no cgroup files: read them on the host, for the run's own container.
    const r = UNDER_GVISOR
      ? await hostCgroupFiles()
      : await probe<Record<string, string>>(
          py(
            'import json, os',
            'def read(*paths):',
            '    for p in paths:',
            '        if os.path.exists(p):',
            '            return open(p).read().strip()',
            '    return "missing"',
            'print(json.dumps({',
            '    "memory": read("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"),',
            '    "memsw": read("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),',
            '    "swap_v2": read("/sys/fs/cgroup/memory.swap.max"),',
            '    "pids": read("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max"),',
            '}))',
          ),
        )
    expect(r.memory).toBe(String(512 * MiB))
    // cgroup v1: memory+swap equal to memory; cgroup v2: swap.max 0.
    if (r.memsw !== 'missing') expect(r.memsw).toBe(String(512 * MiB))
    else expect(r.swap_v2).toBe('0')
    expect(r.pids).toBe('128')
  })

  it('CPU is capped at 1 CPU: two busy processes get about one CPU-second per second', async () => {
    const r = await probe<{ wall: number; cpu: number }>(
      py(
        'import json, os, resource, time',
        'def spin(seconds):',
        '    end = time.monotonic() + seconds',
        '    while time.monotonic() < end:',
        '        pass',
        't0 = time.monotonic()',
        'pids = []',
        'for _ in range(2):',
        '    pid = os.fork()',
        '    if pid == 0:',
        '        spin(1.5)',
        '        os._exit(0)',
        '    pids.append(pid)',
        'for pid in pids:',
        '    os.waitpid(pid, 0)',
        'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
        'print(json.dumps({"wall": time.monotonic() - t0, "cpu": u.ru_utime + u.ru_stime}))',
      ),
      { timeout: 30 },
    )
    // Uncapped, two spinning processes on two cores would use ≈ 2 × wall.
    expect(r.wall).toBeGreaterThanOrEqual(1.5)
    expect(r.cpu / r.wall).toBeLessThan(1.3)
  }, 30_000)

  it('the nofile limit is 256 (soft and hard)', async () => {
    const r = await probe<{ limit: number[]; opened: number; error: string }>(
      py(
        'import errno, json, resource',
        'files, error = [], "none"',
        'try:',
        '    for _ in range(1000):',
        '        files.append(open("/input/data.json"))',
        'except OSError as e:',
        '    error = errno.errorcode[e.errno]',
        'opened = len(files)',
        'for f in files:',
        '    f.close()',
        'print(json.dumps({"limit": resource.getrlimit(resource.RLIMIT_NOFILE), "opened": opened,',
        '                  "error": error}))',
      ),
    )
    expect(r.limit).toEqual([256, 256])
    expect(r.error).toBe('EMFILE')
    expect(r.opened).toBeLessThan(256)
    expect(r.opened).toBeGreaterThan(240)
  })

  it('the fsize limit stops a file at 100 MiB in /output', async () => {
    const limit = 100 * MiB
    const r = await executeOk(
      srv.url,
      py(
        'import errno, json, os, resource',
        'out = {"rlimit": resource.getrlimit(resource.RLIMIT_FSIZE)}',
        'try:',
        '    with open("big.bin", "wb") as f:',
        '        f.seek(200 * 2**20)',
        '        f.write(b"x")',
        '    out["big"] = "written"',
        'except OSError as e:',
        '    out["big"] = errno.errorcode[e.errno]',
        'fd = os.open("edge.bin", os.O_WRONLY | os.O_CREAT)',
        'out["at_limit"] = os.pwrite(fd, b"xy", 100 * 2**20 - 1)',
        'try:',
        '    os.pwrite(fd, b"z", 100 * 2**20)',
        '    out["past_limit"] = "written"',
        'except OSError as e:',
        '    out["past_limit"] = errno.errorcode[e.errno]',
        'os.close(fd)',
        'print(json.dumps(out))',
      ),
    )
    expect(JSON.parse(r.stdout)).toEqual({
      rlimit: [limit, limit],
      big: 'EFBIG',
      // Of two bytes straddling the limit, only the first is written.
      at_limit: 1,
      past_limit: 'EFBIG',
    })
    const sizes = Object.fromEntries(r.artifacts.map((a) => [a.name, a.size_bytes]))
    expect(sizes['edge.bin']).toBe(limit)
    expect(sizes['big.bin'] ?? 0).toBeLessThan(limit)
    for (const a of r.artifacts) expect(a.size_bytes, a.name).toBeLessThanOrEqual(limit)
  }, 60_000)
})
