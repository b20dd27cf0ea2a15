// One uid per run for an app running as a non-root user (the desktop case: rootful Docker, the user
// in the `docker` group). The app runs as a fresh uid N under setpriv (nonroot/nonroot-app.ts); the
// same hostile scripts also run through a root app (this process, `securitySuite`) as the reference.
// A script that locks the app out of what it wrote — a folder 0700, a file 000, a set-gid file, a
// sticky or read-only folder, a deep tree, links — still has its artifacts collected exactly as the
// root app collects them, its quota still counts everything, and DELETE removes everything. The warm
// path is taken when the pool is on (`npm run test:security`), the cold one when it is off
// (`npm run test:security:cold`); the run says which it took.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LABEL_SESSION } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { isRunUid } from '../../src/main/engine/run-users'
import { execute, sessionContainers, type ExecuteBody } from '../integration/execute'
import { request } from '../integration/helpers'
import { py, run, securitySuite } from './harness'
import { startNonRootApp, type NonRootApp } from './nonroot/nonroot-app'

const suite = securitySuite()
/** Small enough that a flood in a locked folder is quick to write. */
const MAX_ENTRIES = 2_000

let app: NonRootApp

beforeAll(async () => {
  app = await startNonRootApp({ NONROOT_MAX_RUN_ENTRIES: String(MAX_ENTRIES) })
}, 120_000)

afterAll(async () => {
  if (!app) return
  try {
    expect(await app.stop()).toBe(0)
    const left = await new DockerContainerClient().listByLabel(`${LABEL_SESSION}=${app.sessionId}`)
    expect(left.map((c) => c.id)).toEqual([])
    // Nothing a run's uid owns is left anywhere in the app's data folder.
    expect(runOwned(app.dataDir)).toEqual([])
  } finally {
    app.cleanUp()
  }
})

/** Paths below `dir` owned by a run's uid (links not followed). */
function runOwned(dir: string): string[] {
  const found: string[] = []
  const stack = [dir]
  while (stack.length > 0) {
    const d = stack.pop()!
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (isRunUid(fs.lstatSync(p).uid)) found.push(p)
      if (e.isDirectory()) stack.push(p)
    }
  }
  return found
}

/** Runs `code` on the non-root app, warm when its pool is on; says which path it took. */
async function runNonRoot(code: string): Promise<{ body: ExecuteBody; warm: boolean }> {
  await app.warm()
  const body = await execute(app.url, { code, timeout: 60 })
  const id = body.execution_id
  const warm = app.events.some((e) => e.event === 'pool-dispatch' && e.runId === id)
  expect(warm, `pool ${app.pool ? 'on: the run must be warm' : 'off: cold'}`).toBe(app.pool)
  return { body, warm }
}

async function deleteRun(id: string): Promise<void> {
  const res = await request(`${app.url}/executions/${id}`, { method: 'DELETE' })
  expect(res.status).toBe(200)
  expect(fs.existsSync(path.join(app.dataDir, 'runs', id)), 'the run folder is gone').toBe(false)
}

const comparable = (b: ExecuteBody): unknown => ({
  status: b.status,
  artifacts: b.artifacts.map((a) => [a.name, a.size_bytes, a.sha256]),
  warnings: b.warnings.map((w) => [w.code, w.path ?? null]),
})

const HOSTILE = py(
  'import json, os',
  'os.makedirs("plain/sub")',
  'open("plain/sub/ok.txt", "w").write("ok")',
  'os.makedirs("locked/inner")',
  'open("locked/a.txt", "w").write("a" * 1000)',
  'open("locked/inner/b.txt", "w").write("b")',
  'os.symlink("../../..", "locked/up")',
  'os.mkfifo("locked/pipe")',
  'open("zero.txt", "w").write("zero")',
  'for name, mode in (("sgid.bin", 0o2755), ("suid.bin", 0o4755), ("wide.txt", 0o666)):',
  '    open(name, "w").write(name)',
  '    os.chmod(name, mode)',
  'os.makedirs("sticky")',
  'open("sticky/s.txt", "w").write("s")',
  'os.symlink("/etc/passwd", "sticky/passwd")',
  'os.makedirs("ro")',
  'os.symlink("/etc", "ro/etc-link")',
  'open("ro/r.txt", "w").write("r")',
  'd = "deep"',
  'for i in range(24):',
  '    d = os.path.join(d, "d")',
  '    os.makedirs(d)',
  '    open(os.path.join(d, "f.txt"), "w").write(str(i))',
  'os.chmod(d, 0o500)',
  'os.symlink("/etc/passwd", "link-file")',
  'os.symlink("/", "link-root")',
  'os.chmod("locked/inner", 0)',
  'os.chmod("locked", 0o700)',
  'os.chmod("zero.txt", 0)',
  'os.chmod("sticky", 0o1777)',
  'os.chmod("ro", 0o555)',
  'um = os.umask(0)',
  'print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "umask": um}))',
)

describe('one uid per run, app not root', () => {
  it('the app runs as its own non-root uid in the docker group', () => {
    expect(app.uid).not.toBe(0)
    expect(app.gid).not.toBe(0)
    expect(isRunUid(app.uid)).toBe(false)
  })

  it("each run has a uid of its own in the app's group, umask 002, and leaves files the app can read and remove", async () => {
    const code = py(
      'import json, os',
      'os.makedirs("sub")',
      'open("sub/f.txt", "w").write("x")',
      'um = os.umask(0)',
      'print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "umask": um}))',
    )
    const a = await runNonRoot(code)
    const b = await runNonRoot(code)
    for (const r of [a, b]) expect(r.body.status, r.body.stderr).toBe('succeeded')
    const ua = JSON.parse(a.body.stdout) as { uid: number; gid: number; umask: number }
    const ub = JSON.parse(b.body.stdout) as { uid: number; gid: number; umask: number }
    expect(isRunUid(ua.uid) && isRunUid(ub.uid), `${ua.uid} ${ub.uid}`).toBe(true)
    expect(ua.uid).not.toBe(ub.uid)
    expect([ua.gid, ub.gid]).toEqual([app.gid, app.gid])
    expect([ua.umask, ub.umask]).toEqual([0o002, 0o002])
    const runDir = path.join(app.dataDir, 'runs', a.body.execution_id)
    expect(fs.statSync(runDir).mode & 0o777, 'the run folder is closed to others').toBe(0o700)
    const file = fs.lstatSync(path.join(runDir, 'artifacts', 'sub', 'f.txt'))
    expect([file.uid, file.gid, file.mode & 0o7777]).toEqual([ua.uid, app.gid, 0o664])
    expect(a.body.artifacts.map((x) => x.name)).toEqual(['sub/f.txt'])
    // An ordinary run needs no hand-back.
    expect(app.events.filter((e) => e.event === 'handback')).toEqual([])
    for (const r of [a, b]) await deleteRun(r.body.execution_id)
  })

  it('a script that locks the app out (0700, 000, set-id, sticky, read-only, deep, links) is collected exactly as by a root app, and deleted', async () => {
    const reference = await run(suite.ctx, { code: HOSTILE, timeout: 60 })
    const { body } = await runNonRoot(HOSTILE)
    expect(body.status, body.stderr).toBe('succeeded')
    expect(comparable(body)).toEqual(comparable(reference))
    expect(body.artifacts.length).toBeGreaterThan(20)
    expect(body.warnings.map((w) => w.code)).toContain('artifact_rejected:symlink')
    const ran = JSON.parse(body.stdout) as { uid: number; gid: number }
    expect(isRunUid(ran.uid)).toBe(true)

    const handBacks = app.events.filter(
      (e) => e.event === 'handback' && String(e.dir).includes(body.execution_id),
    )
    expect(handBacks.length, JSON.stringify(app.events.slice(-5))).toBeGreaterThanOrEqual(1)
    expect(handBacks.every((e) => e.exitCode === 0)).toBe(true)

    // What stays on the host: no set-id bit, nothing others may write, no link, no FIFO.
    const artifacts = path.join(app.dataDir, 'runs', body.execution_id, 'artifacts')
    const stack = [artifacts]
    let files = 0
    while (stack.length > 0) {
      const d = stack.pop()!
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name)
        const st = fs.lstatSync(p)
        expect(st.isFile() || st.isDirectory(), p).toBe(true)
        expect(st.mode & 0o7002, `${p} ${(st.mode & 0o7777).toString(8)}`).toBe(
          st.isDirectory() ? st.mode & 0o2000 : 0,
        )
        if (st.isDirectory()) stack.push(p)
        else files++
      }
    }
    expect(files).toBe(body.artifacts.length)
    await deleteRun(body.execution_id)
  })

  it('a flood inside a folder made unreadable is still counted by the per-run quota, even by a run of many processes', async () => {
    await expectQuotaStop(
      py(
        'import os, time',
        // Processes of the run's uid count against its hand-back's nproc limit too (per uid).
        'for _ in range(40):',
        '    if os.fork() == 0:',
        '        time.sleep(120)',
        '        os._exit(0)',
        'os.makedirs("hide/deeper")',
        'os.chmod("hide/deeper", 0o700)',
        'os.chmod("hide", 0o700)',
        `for i in range(${MAX_ENTRIES * 3}):`,
        '    open("hide/deeper/%d" % i, "w").close()',
        'time.sleep(60)',
      ),
      /over this run's quota of 2,000/,
    )
  })

  it('a script that locks its folder again after every hand-back is stopped, not left unmeasured', async () => {
    await expectQuotaStop(
      py(
        'import os, time',
        'os.makedirs("hide")',
        'end = time.time() + 60',
        'i = 0',
        'while time.time() < end:',
        '    os.chmod("hide", 0o700)',
        '    open("hide/%d" % i, "w").close()',
        '    i += 1',
        '    time.sleep(0.01)',
      ),
      /quota/,
    )
  })
})

describe('one uid per run, app not root: after a crash', () => {
  it('a deletion left half done over a locked tree is finished at the next start', async () => {
    // What a crash during DELETE leaves: the run folder moved into a trash folder, its artifacts
    // still holding a folder the run's uid locked (made here as root, owned as a run leaves it).
    const runUid = 2_000_000_777
    const trash = path.join(app.dataDir, 'runs', '.tako-rm-crashed')
    const artifacts = path.join(trash, '0', 'artifacts')
    const locked = path.join(artifacts, 'locked', 'inner')
    fs.mkdirSync(locked, { recursive: true })
    fs.writeFileSync(path.join(locked, 'f.txt'), 'x')
    for (const p of [trash, path.join(trash, '0'), artifacts]) {
      fs.chownSync(p, app.uid, app.gid)
      fs.chmodSync(p, 0o700)
    }
    for (const p of [path.join(artifacts, 'locked'), locked, path.join(locked, 'f.txt')])
      fs.chownSync(p, runUid, app.gid)
    fs.chmodSync(path.join(locked, 'f.txt'), 0)
    fs.chmodSync(locked, 0)
    fs.chmodSync(path.join(artifacts, 'locked'), 0o700)
    expect(await app.stop()).toBe(0)
    expect(await sessionContainers(app.sessionId)).toEqual([])
    app = await startNonRootApp({ NONROOT_MAX_RUN_ENTRIES: String(MAX_ENTRIES) }, app)
    expect(fs.existsSync(trash), 'the trash folder is gone after the start').toBe(false)
    const mended = app.events.filter(
      (e) => e.event === 'handback' && String(e.dir).startsWith(trash),
    )
    expect(mended.map((e) => e.exitCode)).toEqual([0])
  })
})

/** The run is stopped by its quota after a hand-back while it ran; then it is deleted. */
async function expectQuotaStop(code: string, message: RegExp): Promise<void> {
  const { body } = await runNonRoot(code)
  expect(body.status).toBe('failed')
  expect(body.error_type).toBe('output_limit')
  expect(String(body.error)).toMatch(message)
  const id = body.execution_id
  const live = app.events.filter((e) => e.event === 'handback' && String(e.dir).includes(id))
  expect(live.length, 'the quota asked for a hand-back while the run went on').toBeGreaterThan(0)
  expect(live[0]?.exitCode, JSON.stringify(live[0])).toBe(0)
  await deleteRun(id)
}
