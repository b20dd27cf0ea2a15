// docs/security.md, group B (#15–#22): filesystem escapes, where the host reads what a script left in
// /output. Links planted at host files (a canary the test creates, with known content) must never be
// followed, read, previewed or copied; read-only mounts stay read-only; nothing survives a run.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRunUid } from '../../src/main/engine/run-users'
import { resolveDockerEndpoint } from '../../src/main/engine/docker-endpoint'
import { request } from '../integration/helpers'
import {
  artifactPath,
  type ExecuteBody,
  HOST_USER,
  lastJson,
  py,
  result,
  run,
  securitySuite,
  sha256,
  startAsync,
  treeBytes,
  warmContainerOf,
} from './harness'
import { UNDER_GVISOR } from '../integration/runtime-env'

// A variable of the host process that must never reach user code, set before the server exists.
const HOST_VAR = `TAKO_SEC_SECRET_${randomBytes(6).toString('hex').toUpperCase()}`
const HOST_VALUE = `host-secret-${randomBytes(12).toString('hex')}`

beforeAll(() => {
  process.env[HOST_VAR] = HOST_VALUE
})

afterAll(() => {
  delete process.env[HOST_VAR]
})

const sec = securitySuite()

/** Python: `attempt(fn)` → "OK" or the errno name of the OSError it raised. */
const ATTEMPT = py(
  'import errno, json, os',
  'def attempt(fn):',
  '    try:',
  '        fn()',
  '        return "OK"',
  '    except OSError as e:',
  '        return errno.errorcode.get(e.errno, str(e.errno))',
  'def write(path, mode="w"):',
  '    def go():',
  '        with open(path, mode) as f:',
  '            f.write("x")',
  '    return go',
)

/** Nothing of the canary reached the answer, the stored record or the run's folder. */
function expectNoCanary(r: ExecuteBody): void {
  expect(JSON.stringify(r)).not.toContain(sec.canary.secret)
  const runDir = sec.ctx.srv.core.store.runDir(r.execution_id)
  const stack = [runDir]
  while (stack.length > 0) {
    const d = stack.pop()!
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      expect(e.isSymbolicLink(), `link left on the host: ${p}`).toBe(false)
      if (e.isDirectory()) stack.push(p)
      else if (e.isFile()) expect(fs.readFileSync(p, 'utf8')).not.toContain(sec.canary.secret)
    }
  }
}

/** `{path: code}` of the artifact warnings of a run. */
function rejected(r: ExecuteBody): Record<string, string> {
  return Object.fromEntries(
    r.warnings
      .filter((w) => w.code.startsWith('artifact_'))
      .map((w): [string, string] => [w.path ?? '', w.code]),
  )
}

describe('B. filesystem escapes', () => {
  it('#15 symlinks to host files (a canary, /etc/passwd, ~/.ssh/id_rsa) are skipped as artifact_rejected:symlink and never read', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import os',
        `os.symlink(${JSON.stringify(sec.canary.file)}, "/output/a.txt")`,
        `os.symlink(${JSON.stringify(sec.canary.nested)}, "/output/id_rsa")`,
        'os.symlink("/etc/passwd", "/output/passwd.txt")',
        'os.symlink("/root/.ssh/id_rsa", "/output/root_key")',
        `os.symlink(${JSON.stringify(path.join(os.homedir(), '.ssh', 'id_rsa'))}, "/output/home_key")`,
        'os.symlink("../main.py", "/output/relative.py")',
        'os.makedirs("/output/sub")',
        `os.symlink(${JSON.stringify(sec.canary.file)}, "/output/sub/inner.txt")`,
        'open("/output/real.txt", "w").write("real")',
        `print(os.path.exists(${JSON.stringify(sec.canary.file)}))`,
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    // The canary's path does not exist inside the sandbox: only the host could follow the link.
    expect(r.stdout).toBe('False\n')
    expect(r.artifacts.map((a) => a.name)).toEqual(['real.txt'])
    expect(rejected(r)).toEqual({
      'a.txt': 'artifact_rejected:symlink',
      id_rsa: 'artifact_rejected:symlink',
      'passwd.txt': 'artifact_rejected:symlink',
      root_key: 'artifact_rejected:symlink',
      home_key: 'artifact_rejected:symlink',
      'relative.py': 'artifact_rejected:symlink',
      'sub/inner.txt': 'artifact_rejected:symlink',
    })
    expect(JSON.stringify(r)).not.toContain('root:x:0:0')
    expectNoCanary(r)
    const get = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, 'a.txt')}`)
    expect(get.status).toBe(404)
    expect(await get.text()).not.toContain(sec.canary.secret)
  })

  it('#16 result.json as a symlink to a host file: result_invalid, the target is not read', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import os',
        `os.symlink(${JSON.stringify(sec.canary.file)}, "/output/result.json")`,
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.output).toBeNull()
    const invalid = r.warnings.filter((w) => w.code === 'result_invalid')
    expect(invalid).toEqual([
      {
        code: 'result_invalid',
        path: 'result.json',
        message: 'result.json is a symbolic link; it was not read',
      },
    ])
    expect(rejected(r)).toEqual({ 'result.json': 'artifact_rejected:symlink' })
    expectNoCanary(r)
  })

  it('#16 result.json as a folder: result_invalid, its contents are still artifacts', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import os',
        'os.mkdir("/output/result.json")',
        'open("/output/result.json/x", "w").write("1")',
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.output).toBeNull()
    expect(r.warnings).toEqual([
      {
        code: 'result_invalid',
        path: 'result.json',
        message: 'result.json is a folder, not a file',
      },
    ])
    expect(r.artifacts.map((a) => a.name)).toEqual(['result.json/x'])
  })

  it('#17 symlinked folders (/, a host folder, ..) are not descended into', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import os',
        'os.symlink("/", "/output/root")',
        `os.symlink(${JSON.stringify(sec.canary.dir)}, "/output/canary")`,
        'os.symlink("..", "/output/up")',
        'os.symlink("/output", "/output/self")',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.artifacts).toEqual([])
    expect(rejected(r)).toEqual({
      root: 'artifact_rejected:symlink',
      canary: 'artifact_rejected:symlink',
      up: 'artifact_rejected:symlink',
      self: 'artifact_rejected:symlink',
    })
    expectNoCanary(r)
    expect(treeBytes(sec.ctx.srv.core.store.artifactsDir(r.execution_id)).entries).toBe(0)
  })

  it('#18 FIFOs as an artifact and as result.json are skipped by type without being opened (no hang)', async () => {
    // Opening a FIFO nobody writes blocks for ever: the run returning at all is the evidence of no
    // hang, and the reasons below show each was skipped by its type.
    const r = await run(sec.ctx, {
      code: py(
        'import os, socket',
        'os.mkfifo("/output/result.json")',
        'os.mkfifo("/output/pipe.csv")',
        'os.mkdir("/output/d")',
        'os.mkfifo("/output/d/deep.txt")',
        's = socket.socket(socket.AF_UNIX)',
        's.bind("/output/sock")',
        'open("/output/ok.txt", "w").write("ok")',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.output).toBeNull()
    if (UNDER_GVISOR) {
      // gVisor keeps FIFOs and sockets made in a bind mount inside the sandbox: the host's /output
      // never holds them, so there is nothing to open, skip or report (docs/security.md, 'gVisor').
      expect(r.warnings.filter((w) => w.code === 'result_invalid')).toEqual([])
      expect(rejected(r)).toEqual({})
    } else {
      expect(r.warnings.find((w) => w.code === 'result_invalid')?.message).toMatch(
        /not a regular file/,
      )
      expect(rejected(r)).toEqual({
        'result.json': 'artifact_rejected:fifo',
        'pipe.csv': 'artifact_rejected:fifo',
        'd/deep.txt': 'artifact_rejected:fifo',
        sock: 'artifact_rejected:socket',
      })
    }
    expect(r.artifacts.map((a) => a.name)).toEqual(['ok.txt'])
  })

  it('#19 device nodes cannot be made (EPERM) or reach no device; only a FIFO via mknod works, and it is skipped', async () => {
    const r = await run(sec.ctx, {
      code: py(
        ATTEMPT,
        'import stat',
        'out = {',
        '    "char 1,3 (null)": attempt(lambda: os.mknod("/output/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))),',
        '    "char 1,1 (mem)": attempt(lambda: os.mknod("/output/mem", 0o600 | stat.S_IFCHR, os.makedev(1, 1))),',
        '    "block 254,0": attempt(lambda: os.mknod("/tmp/disk", 0o600 | stat.S_IFBLK, os.makedev(254, 0))),',
        '    "fifo": attempt(lambda: os.mknod("/output/fifo", 0o600 | stat.S_IFIFO)),',
        '}',
        'out["open block"] = attempt(lambda: os.close(os.open("/tmp/disk", os.O_RDWR)))',
        'print(json.dumps(out))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(lastJson(r)).toEqual({
      'char 1,3 (null)': 'EPERM',
      'char 1,1 (mem)': 'EPERM',
      // gVisor's own tmpfs takes the name, but no device is behind it: opening it is ENXIO
      // (docs/security.md, 'gVisor'). Under runc the node is never made.
      ...(UNDER_GVISOR
        ? { 'block 254,0': 'OK', 'open block': 'ENXIO' }
        : { 'block 254,0': 'EPERM', 'open block': 'ENOENT' }),
      fifo: 'OK',
    })
    // Under gVisor the FIFO stays inside the sandbox (as in #18): nothing reaches the host to skip.
    expect(rejected(r)).toEqual(UNDER_GVISOR ? {} : { fifo: 'artifact_rejected:fifo' })
    expect(r.artifacts).toEqual([])
  })

  it('#20 writes to /code, /input/data.json, /etc/hosts and the root fs fail (EROFS/EACCES); host copies unchanged', async () => {
    const input = { keep: 'me', n: 1 }
    const code = py(
      ATTEMPT,
      'targets = ["/code/x", "/code/main.py", "/input/data.json", "/input/x", "/etc/hosts",',
      '           "/etc/hostname", "/etc/passwd", "/usr/bin/python3", "/x", "/var/tmp/x"]',
      'out = {t: attempt(write(t, "a")) for t in targets}',
      'out["chmod main.py"] = attempt(lambda: os.chmod("/code/main.py", 0o777))',
      'out["rename input"] = attempt(lambda: os.rename("/input/data.json", "/input/y"))',
      'out["unlink main.py"] = attempt(lambda: os.unlink("/code/main.py"))',
      'out["input unchanged"] = json.load(open("/input/data.json")) == {"keep": "me", "n": 1}',
      'print(json.dumps(out))',
    )
    const r = await run(sec.ctx, { code, input_data: input })
    expect(r.status, r.stderr).toBe('succeeded')
    const out = lastJson<Record<string, string | boolean>>(r)
    for (const [target, errno] of Object.entries(out)) {
      if (target === 'input unchanged') expect(errno).toBe(true)
      else expect(errno, target).toMatch(/^(EROFS|EACCES|EPERM|EBUSY)$/)
    }
    // The host's copies are exactly what was submitted.
    const runDir = sec.ctx.srv.core.store.runDir(r.execution_id)
    expect(sha256(fs.readFileSync(path.join(runDir, 'main.py')))).toBe(sha256(code))
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'input.json'), 'utf8'))).toEqual(input)
  })

  it('#21 /proc and environment recon: no host variable, secret or process; mountinfo shows only the bind-mounted run paths', async () => {
    expect(process.env[HOST_VAR]).toBe(HOST_VALUE)
    const r = await run(sec.ctx, {
      code: py(
        'import json, os',
        'def rd(p):',
        '    try:',
        '        return open(p, "rb").read().decode("utf-8", "replace")',
        '    except OSError as e:',
        '        return "ERR " + type(e).__name__',
        'pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())',
        'dump = {',
        '    "environ": dict(os.environ),',
        '    "self_environ": rd("/proc/self/environ"),',
        '    "pid1_environ": rd("/proc/1/environ"),',
        '    "pid1_cmdline": rd("/proc/1/cmdline"),',
        '    "cmdlines": {p: rd(f"/proc/{p}/cmdline") for p in pids},',
        '    "mountinfo": rd("/proc/self/mountinfo"),',
        '    "cgroup": rd("/proc/self/cgroup"),',
        '    "passwd": rd("/etc/passwd"),',
        '    "hostname": os.uname().nodename,',
        '}',
        'for k, v in dump.items():',
        '    open(f"/output/{k}.txt", "w").write(v if isinstance(v, str) else json.dumps(v))',
        'print(json.dumps(dump))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    const dump = lastJson<{
      environ: Record<string, string>
      pid1_cmdline: string
      cmdlines: Record<string, string>
      mountinfo: string
      hostname: string
      self_environ: string
      pid1_environ: string
    }>(r)
    // Everything the script could gather, as the API serves it back.
    const texts = await Promise.all(
      r.artifacts.map(async (a) => {
        const res = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, a.name)}`)
        return res.text()
      }),
    )
    const everything = JSON.stringify(r) + texts.join('\n')
    expect(everything).not.toContain(HOST_VAR)
    expect(everything).not.toContain(HOST_VALUE)
    expect(everything).not.toContain(sec.canary.secret)
    for (const name of [
      'TAKO_DATA_DIR',
      'DOCKER_HOST',
      'VITEST',
      'NODE_ENV',
      'USER',
      'SSH_AUTH_SOCK',
    ])
      expect(dump.environ[name], name).toBeUndefined()
    expect(Object.keys(dump.environ).sort()).toEqual(
      [
        'HOME',
        'HOSTNAME',
        'LANG',
        'MPLBACKEND',
        'MPLCONFIGDIR',
        'PATH',
        'PYTHONDONTWRITEBYTECODE',
        'PYTHONUNBUFFERED',
        ...(dump.environ.LC_CTYPE ? ['LC_CTYPE'] : []),
      ].sort(),
    )
    expect(dump.hostname).toBe('sandbox')
    // Only the container's own processes are visible: its init and the Python it runs.
    expect(dump.pid1_cmdline.split('\0')[0]).toBe('/sbin/docker-init')
    for (const cmd of Object.values(dump.cmdlines)) {
      expect(cmd.split('\0')[0]).toMatch(/^(\/sbin\/docker-init|python3)$/)
    }
    expect(Object.keys(dump.cmdlines).length).toBeLessThanOrEqual(3)
    // Host paths in mountinfo: the run's own bind mounts (under the data folder), the container's
    // hostname file and docker-init from Docker's own folders — nothing else of the host.
    const docker = new Docker(resolveDockerEndpoint().options)
    const dockerRoot = ((await docker.info()) as { DockerRootDir: string }).DockerRootDir
    const hostPaths: string[] = []
    for (const line of dump.mountinfo.trim().split('\n')) {
      const [pre, post] = line.split(' - ')
      const fields = pre.split(' ')
      const fstype = post.split(' ')[0]
      if (UNDER_GVISOR) {
        // The Sentry's view: bind mounts are 9p mounts served by the gofer, and no mount line
        // names any host path at all (docs/security.md, 'gVisor').
        expect(post.split(' ')[1], line).toBe('none')
        if (fstype === '9p' && fields[4] !== '/') hostPaths.push(`none -> ${fields[4]}`)
        continue
      }
      if (['ext4', 'xfs', 'btrfs', 'ext3', 'zfs', 'fuse.grpcfuse', 'virtiofs'].includes(fstype)) {
        hostPaths.push(`${fields[3]} -> ${fields[4]}`)
      }
      for (const m of post.matchAll(/(?:lowerdir|upperdir|workdir)=([^,\s]+)/g)) {
        for (const p of m[1].split(':')) expect(p.startsWith(`${dockerRoot}/`), p).toBe(true)
      }
    }
    console.info(`[#21] host paths in /proc/self/mountinfo:\n  ${hostPaths.join('\n  ')}`)
    const realData = fs.realpathSync(sec.ctx.srv.dataDir)
    const targets = hostPaths.map((h) => h.split(' -> ')[1]).sort()
    // A warm container mounts its slot's folders; a cold one the run's own files.
    const warm = warmContainerOf(sec.ctx, r.execution_id) !== null
    expect(targets).toEqual(
      warm
        ? ['/code', '/etc/hostname', '/input', '/output', '/usr/sbin/docker-init']
        : [
            '/code/main.py',
            '/etc/hostname',
            '/input/data.json',
            '/output',
            '/usr/sbin/docker-init',
          ],
    )
    for (const h of UNDER_GVISOR ? [] : hostPaths) {
      const [source, target] = h.split(' -> ')
      if (target === '/etc/hostname')
        expect(source.startsWith(`${dockerRoot}/containers/`)).toBe(true)
      else if (target === '/usr/sbin/docker-init') expect(source).toMatch(/(tini|docker-init)/)
      else expect(source.startsWith(`${realData}/`), source).toBe(true)
    }
    // The only host-specific names revealed are the data folder's path (which, in the desktop app,
    // sits in the user's home and so names the user) and Docker's own folders.
    if (!realData.startsWith(os.homedir())) expect(dump.mountinfo).not.toContain(os.homedir() + '/')
    expect(HOST_USER.length).toBeGreaterThan(0)
  })

  it('#22 nothing carries over between runs: /tmp, /dev/shm, $HOME and /output start empty', async () => {
    const first = await run(sec.ctx, {
      code: py(
        ATTEMPT,
        'paths = ["/tmp/bean", "/dev/shm/bean", "/output/bean", os.path.expanduser("~/.bean")]',
        'print(json.dumps({p: attempt(write(p)) for p in paths}))',
      ),
    })
    expect(lastJson(first)).toEqual({
      '/tmp/bean': 'OK',
      '/dev/shm/bean': 'OK',
      '/output/bean': 'OK',
      '/tmp/.bean': 'OK',
    })
    const second = await run(sec.ctx, {
      code: py(
        'import json, os',
        'paths = ["/tmp/bean", "/dev/shm/bean", "/output/bean", "/tmp/.bean"]',
        'print(json.dumps({"exists": [p for p in paths if os.path.exists(p)],',
        '                  "tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),',
        '                  "output": os.listdir("/output")}))',
      ),
    })
    expect(lastJson(second)).toEqual({ exists: [], tmp: [], shm: [], output: [] })
  })

  it('#22 parallel runs cannot see each other’s /tmp, /dev/shm, /output or processes', async () => {
    const mark = `bean-${randomBytes(4).toString('hex')}`
    const a = await startAsync(sec.ctx, {
      code: py(
        'import os, time',
        `for d in ("/tmp", "/dev/shm", "/output"):`,
        `    open(f"{d}/${mark}", "w").write("a")`,
        'time.sleep(3)',
        'print("a done")',
      ),
      timeout: 20,
    })
    const b = await run(sec.ctx, {
      code: py(
        'import json, os',
        'procs = [open(f"/proc/{p}/cmdline", "rb").read() for p in os.listdir("/proc") if p.isdigit()]',
        'print(json.dumps({"tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),',
        '                  "output": os.listdir("/output"),',
        `                  "sleepers": sum(b"${mark}" in c for c in procs)}))`,
      ),
    })
    expect(sec.ctx.srv.core.jobs.isRunning(a)).toBe(true)
    expect(lastJson(b)).toEqual({ tmp: [], shm: [], output: [], sleepers: 0 })
    const ra = await result(sec.ctx, a)
    expect(ra.status).toBe('succeeded')
  })
})

describe('B. more attacks on /output and privileges', () => {
  it('files and folders made mode 000 (and /output itself) are still collected and the run can be deleted', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import os',
        'os.makedirs("/output/locked/inner")',
        'open("/output/locked/inner/a.txt", "w").write("A")',
        'open("/output/secret.txt", "w").write("S")',
        'os.chmod("/output/secret.txt", 0)',
        'os.chmod("/output/locked/inner", 0)',
        'os.chmod("/output/locked", 0)',
        'os.chmod("/output", 0)',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.artifacts.map((a) => [a.name, a.sha256])).toEqual([
      ['locked/inner/a.txt', sha256('A')],
      ['secret.txt', sha256('S')],
    ])
    const get = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, 'secret.txt')}`)
    expect(await get.text()).toBe('S')
    const del = await request(`${sec.ctx.srv.url}/executions/${r.execution_id}`, {
      method: 'DELETE',
    })
    expect(del.status).toBe(200)
    expect(fs.existsSync(sec.ctx.srv.core.store.runDir(r.execution_id))).toBe(false)
  })

  it('hard links: inside /output they are plain copies; to /code, /input or /etc they fail (EXDEV); result.json may be one', async () => {
    const r = await run(sec.ctx, {
      code: py(
        ATTEMPT,
        'open("/output/data.json", "w").write(json.dumps({"v": 1}))',
        'os.link("/output/data.json", "/output/result.json")',
        'os.link("/output/data.json", "/output/copy.json")',
        'out = {p: attempt(lambda p=p: os.link(p, "/output/" + os.path.basename(p) + ".lnk"))',
        '       for p in ["/code/main.py", "/input/data.json", "/etc/hostname", "/etc/passwd"]}',
        'print(json.dumps(out))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(lastJson(r)).toEqual({
      '/code/main.py': 'EXDEV',
      '/input/data.json': 'EXDEV',
      '/etc/hostname': 'EXDEV',
      '/etc/passwd': 'EXDEV',
    })
    expect(r.output).toEqual({ v: 1 })
    const sha = sha256('{"v": 1}')
    expect(r.artifacts.map((a) => [a.name, a.sha256])).toEqual([
      ['copy.json', sha],
      ['data.json', sha],
      ['result.json', sha],
    ])
    expect(r.warnings).toEqual([])
  })

  it('set-id bits and world-writable modes give nothing: no-new-privileges inside, and the host keeps at most 0755 (root 0700)', async () => {
    const r = await run(sec.ctx, {
      code: py(
        ATTEMPT,
        'import ctypes, shutil',
        'shutil.copy("/usr/bin/id", "/output/id")',
        'os.chmod("/output/id", 0o6755)',
        'os.makedirs("/output/pub")',
        'open("/output/pub/f.txt", "w").write("x")',
        'os.chmod("/output/pub/f.txt", 0o6777)',
        'os.chmod("/output/pub", 0o3777)',
        'os.chmod("/output", 0o1777)',
        'st = os.stat("/output/id")',
        'status = dict(l.split(":", 1) for l in open("/proc/self/status"))',
        'print(json.dumps({"mode": oct(st.st_mode & 0o7777), "uid": st.st_uid, "me": os.getuid(),',
        '                  "nnp": status["NoNewPrivs"].strip() if "NoNewPrivs" in status',
        '                         else "prctl %d" % ctypes.CDLL(None).prctl(39, 0, 0, 0, 0),',
        '                  "chown root": attempt(lambda: os.chown("/output/id", 0, 0)),',
        '                  "setuid 0": attempt(lambda: os.setuid(0))}))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    const seen = lastJson<{ me: number }>(r)
    const user = { uid: seen.me }
    expect(isRunUid(user.uid), `uid ${user.uid}`).toBe(true)
    expect(seen).toEqual({
      mode: '0o6755',
      uid: user.uid,
      me: user.uid,
      // gVisor's /proc/self/status has no NoNewPrivs line; prctl(PR_GET_NO_NEW_PRIVS) says the same.
      nnp: UNDER_GVISOR ? 'prctl 1' : '1',
      'chown root': 'EPERM',
      'setuid 0': 'EPERM',
    })
    expect(r.artifacts.map((a) => a.name)).toEqual(['id', 'pub/f.txt'])
    // On the host the files belong to the sandbox user (the desktop user on Linux): a set-uid copy
    // of a binary in a folder others can reach would run as that user for anyone.
    const dir = sec.ctx.srv.core.store.artifactsDir(r.execution_id)
    const mode = (p: string): string => (fs.statSync(path.join(dir, p)).mode & 0o7777).toString(8)
    expect({ root: mode('.'), id: mode('id'), pub: mode('pub'), f: mode('pub/f.txt') }).toEqual({
      root: '700',
      id: '755',
      pub: '755',
      f: '755',
    })
    expect(fs.statSync(path.join(dir, 'id')).uid).toBe(user.uid)
  })

  it('file names with newlines, tabs, quotes and markup are data: listed verbatim, served with a safe header', async () => {
    const names = [
      'a\nb.txt',
      'tab\there.txt',
      'quote"\'.txt',
      '<img src=x onerror=alert(1)>.png',
      'ü ✓.txt',
    ]
    const r = await run(sec.ctx, {
      code: py(
        'import json',
        `for n in json.loads(${JSON.stringify(JSON.stringify(names))}):`,
        '    open("/output/" + n, "w").write(n)',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.artifacts.map((a) => a.name).sort()).toEqual([...names].sort())
    for (const name of names) {
      const res = await fetch(`${sec.ctx.srv.url}${artifactPath(r.execution_id, name)}`)
      expect(res.status, name).toBe(200)
      expect(await res.text()).toBe(name)
      const cd = res.headers.get('content-disposition') ?? ''
      expect(cd).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''/)
      expect(cd).not.toMatch(/[\r\n\t]/)
      expect(cd).toContain(`filename*=UTF-8''${encodeURIComponent(name)}`)
    }
  })

  it('mount, unshare, chroot, setuid(0), raw sockets and ptrace of anything outside the sandbox are refused', async () => {
    const r = await run(sec.ctx, {
      code: py(
        ATTEMPT,
        'import ctypes, socket, stat',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'def call(fn, *args):',
        '    def go():',
        '        if fn(*args) != 0:',
        '            e = ctypes.get_errno()',
        '            raise OSError(e, os.strerror(e))',
        '    return go',
        '# Each attempt in a child of its own, so one that succeeds cannot change the next.',
        'def child(fn):',
        '    r, w = os.pipe()',
        '    pid = os.fork()',
        '    if pid == 0:',
        '        os.close(r)',
        '        os.write(w, attempt(fn).encode())',
        '        os._exit(0)',
        '    os.close(w)',
        '    got = os.read(r, 64).decode()',
        '    os.waitpid(pid, 0)',
        '    return got',
        'out = {',
        '    "mount tmpfs": child(call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None)),',
        '    "mount proc": child(call(libc.mount, b"proc", b"/tmp", b"proc", 0, None)),',
        '    "unshare user": child(call(libc.unshare, 0x10000000)),',
        '    "unshare mount": child(call(libc.unshare, 0x00020000)),',
        '    "chroot": child(lambda: os.chroot("/tmp")),',
        '    "setuid 0": child(lambda: os.setuid(0)),',
        '    "raw socket": child(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)),',
        '    "packet socket": child(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW)),',
        '    "write /proc/sys": child(write("/proc/sys/kernel/hostname")),',
        '    "write /sys": child(write("/sys/kernel/uevent_helper")),',
        '}',
        '# ptrace can only reach the sandbox’s own processes (same uid, own PID namespace)',
        'pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())',
        'out["visible pids"] = len(pids)',
        '# What a new user namespace (with its mount namespace) would give, where one can be made.',
        'r, w = os.pipe()',
        'pid = os.fork()',
        'if pid == 0:',
        '    os.close(r)',
        '    try:',
        '        call(libc.unshare, 0x10000000 | 0x00020000)()',
        '        res = {"write /code": attempt(write("/code/main.py", "a")),',
        '               "mknod null": attempt(lambda: os.mknod("/output/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))),',
        '               "mount tmpfs": attempt(call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None)),',
        '               "setuid 0": attempt(lambda: os.setuid(0))}',
        '        open("/output/made-in-userns", "w").write("u")',
        '        res["chown root"] = attempt(lambda: os.chown("/output/made-in-userns", 0, 0))',
        '    except OSError as e:',
        '        res = errno.errorcode.get(e.errno, str(e.errno))',
        '    os.write(w, json.dumps(res).encode())',
        '    os._exit(0)',
        'os.close(w)',
        'got = b""',
        'while True:',
        '    chunk = os.read(r, 4096)',
        '    if not chunk:',
        '        break',
        '    got += chunk',
        'os.waitpid(pid, 0)',
        'out["in a new user namespace"] = json.loads(got)',
        'print(json.dumps(out))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    const out = lastJson<Record<string, string | number>>(r)
    expect(out).toMatchObject({
      'mount tmpfs': 'EPERM',
      'mount proc': 'EPERM',
      // gVisor lets a script make namespaces of its own: they are the Sentry's, and give nothing
      // outside the sandbox (checked just below; docs/security.md, 'gVisor').
      'unshare user': UNDER_GVISOR ? 'OK' : 'EPERM',
      'unshare mount': UNDER_GVISOR ? 'OK' : 'EPERM',
      chroot: 'EPERM',
      'setuid 0': 'EPERM',
      'raw socket': 'EPERM',
      'packet socket': 'EPERM',
    })
    expect(out['write /proc/sys']).toMatch(/^(EROFS|EACCES)$/)
    expect(out['write /sys']).toMatch(/^(EROFS|EACCES)$/)
    expect(out['visible pids']).toBeLessThanOrEqual(3)
    if (!UNDER_GVISOR) {
      expect(out['in a new user namespace']).toBe('EPERM')
      return
    }
    // Inside its own user namespace the script is still the run's uid to everything outside it.
    const inNs = out['in a new user namespace'] as unknown as Record<string, string>
    expect(inNs['write /code']).toMatch(/^(EROFS|EACCES)$/)
    expect(inNs['mknod null']).toBe('EPERM')
    expect(inNs['mount tmpfs']).toBe('EPERM')
    expect(inNs['setuid 0']).toMatch(/^(EPERM|EINVAL)$/)
    expect(inNs['chown root']).toMatch(/^(EPERM|EINVAL)$/)
    const made = path.join(sec.ctx.srv.core.store.artifactsDir(r.execution_id), 'made-in-userns')
    expect(isRunUid(fs.statSync(made).uid), `uid ${fs.statSync(made).uid}`).toBe(true)
  })

  it('ptrace-stopping the container’s own init only hurts the run itself: it still ends at the timeout', async () => {
    const r = await run(sec.ctx, {
      code: py(
        'import ctypes, os',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'print("attach", libc.ptrace(16, 1, None, None), flush=True)',
        'os._exit(0)',
      ),
      timeout: 3,
    })
    // Attaching stops docker-init; when the tracer exits, init stays stopped and never reaps, so
    // the run cannot finish by itself: the host's own timer ends it.
    if (UNDER_GVISOR) {
      // gVisor refuses to attach to the sandbox's init (EPERM): init never stops, and the run ends
      // by itself, exit 0, before its timeout (docs/security.md, 'gVisor').
      expect(r.stdout).toBe('attach -1\n')
      expect(r.status).toBe('succeeded')
      expect(r.exit_code).toBe(0)
      return
    }
    expect(r.stdout).toMatch(/^attach (0|-1)\n$/)
    expect(r.status).toBe('timeout')
    expect(r.error_type).toBe('timeout')
  })
})
