// The archive file transfer against the real daemon (see docs/architecture.md, 'File transfer'):
// no container of an archive run has a bind mount, a hostile /output gets the same verdicts as
// with bind mounts, /health says which transfer is used, and nothing is left on the daemon.
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LABEL_SESSION } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { execute, py, expectNoSessionContainersLeft, type ExecuteBody } from './execute'
import { request, startInProcess } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>

interface Seen {
  name: string
  binds: string[]
  mounts: { type: string; target: string; rw: boolean }[]
  readonlyRootfs: boolean
}

/** The real client, plus what the daemon says about each container right after it was created. */
class RecordingClient extends DockerContainerClient {
  readonly seen: Seen[] = []
  private readonly inspector = new Docker()

  override async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    const id = await super.create(spec)
    const info = await this.inspector.getContainer(id).inspect()
    this.seen.push({
      name: info.Name,
      binds: info.HostConfig.Binds ?? [],
      mounts: info.Mounts.map((m) => ({ type: m.Type, target: m.Destination, rw: m.RW })),
      readonlyRootfs: info.HostConfig.ReadonlyRootfs ?? false,
    })
    return id
  }
}

async function startWith(transfer: 'bind' | 'archive', client?: RecordingClient): Promise<Server> {
  const before = process.env.TAKO_TRANSFER
  process.env.TAKO_TRANSFER = transfer
  try {
    return await startInProcess(client ? { client } : {})
  } finally {
    if (before === undefined) delete process.env.TAKO_TRANSFER
    else process.env.TAKO_TRANSFER = before
  }
}

async function sessionVolumes(sessionId: string): Promise<string[]> {
  const r = await new Docker().listVolumes({
    filters: { label: [`${LABEL_SESSION}=${sessionId}`] },
  })
  return (r.Volumes ?? []).map((v) => v.Name)
}

let archive: Server
let bind: Server
const recorder = new RecordingClient()

beforeAll(async () => {
  archive = await startWith('archive', recorder)
  bind = await startWith('bind')
})

afterAll(async () => {
  await archive.close()
  await bind.close()
  await expectNoSessionContainersLeft(archive.core.sessionId)
  expect(await sessionVolumes(archive.core.sessionId)).toEqual([])
})

const HOSTILE = py(
  'import os',
  'os.symlink("/etc/passwd", "result.json")',
  'os.symlink("/etc/passwd", "passwd.txt")',
  'os.symlink("/", "root")',
  'os.mkfifo("pipe")',
  'open("a.txt", "w").write("same")',
  'os.link("a.txt", "b.txt")',
  'deep = "/".join("d%d" % i for i in range(18))',
  'os.makedirs(deep)',
  'open(deep + "/x.txt", "w").write("x")',
  'long = "/".join(["b" * 200] * 6)',
  'os.makedirs(long)',
  'open(long + "/deep.txt", "w").write("x")',
  'open(b"\\xff\\xfe.txt", "w").write("not utf-8")',
  'os.makedirs("many")',
  'for i in range(10001):',
  '    open("many/f%05d" % i, "w").write(str(i))',
  'print("done")',
)

const verdicts = (r: ExecuteBody): unknown => ({
  status: r.status,
  stdout: r.stdout,
  output: r.output,
  artifacts: r.artifacts,
  warnings: r.warnings,
})

describe('archive transfer', () => {
  it('/health names the host, the transfer and the engine', async () => {
    const a = await request(`${archive.url}/health`)
    expect(a.body).toMatchObject({
      docker_available: true,
      file_transfer: 'archive',
      container_engine: 'docker',
    })
    expect(a.body.docker_host).toMatch(/^unix:\/\//)
    const b = await request(`${bind.url}/health`)
    expect(b.body).toMatchObject({ file_transfer: 'bind' })
  })

  it('a hostile /output gets exactly the verdicts it gets with bind mounts', async () => {
    const [a, b] = [
      await execute(archive.url, { code: HOSTILE, timeout: 120 }),
      await execute(bind.url, { code: HOSTILE, timeout: 120 }),
    ]
    expect(a.status, a.stderr).toBe('succeeded')
    expect(a.artifacts.length).toBe(10_000)
    expect(a.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining([
        'artifact_rejected:symlink',
        'artifact_rejected:fifo',
        'artifact_rejected:name',
        'artifact_limit:depth',
        'artifact_limit:path',
        'artifact_limit',
        'result_invalid',
      ]),
    )
    expect(JSON.stringify(a)).not.toContain('root:x:0:0')
    expect(a.warnings).toEqual(b.warnings)
    expect(a.artifacts.length).toBe(b.artifacts.length)
    expect(verdicts(a)).toEqual(verdicts(b))
  }, 300_000)

  it('no container of an archive run had a bind mount; code and input were read-only', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await execute(archive.url, { code: 'open("r.txt", "w").write("ok")' })
      expect(r.artifacts.map((x) => x.name)).toEqual(['r.txt'])
    }
    const runs = recorder.seen.filter((s) => /^\/tako-(run|pool)-/.test(s.name))
    const loaders = recorder.seen.filter((s) => s.name.startsWith('/tako-load-'))
    expect(runs.length).toBeGreaterThan(0)
    expect(loaders.length).toBeGreaterThan(0)
    for (const s of recorder.seen) {
      expect(s.binds, s.name).toEqual([])
      for (const m of s.mounts) expect(m.type, `${s.name} ${m.target}`).toBe('volume')
    }
    for (const s of runs) {
      expect(s.readonlyRootfs, s.name).toBe(true)
      expect(Object.fromEntries(s.mounts.map((m) => [m.target, m.rw])), s.name).toEqual({
        '/code': false,
        '/input': false,
        '/output': true,
      })
    }
  }, 120_000)
})
