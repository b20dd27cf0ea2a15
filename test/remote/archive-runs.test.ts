// The archive transfer on the remote daemon, cold and warm (see docs/remote-hosts.md, 'Podman'):
// code, input_data, input files and stdin reach the script; /output is the run user's own (0700)
// and comes back with the same rules; nothing of a warm container's previous run is left, nor
// anything of the sessions on the daemon at the end. Run by the archive passes only (`test:remote`,
// whose daemon is remote, and `test:podman:archive`); the global set-up fails the pass if any
// container there had a bind mount.
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { LABEL_SESSION } from '../../src/main/engine/container-spec'
import { resolveDockerEndpoint } from '../../src/main/engine/docker-endpoint'
import { execute, py, type ExecuteBody } from '../integration/execute'
import { request, startInProcess, warmReady, WarmRuns } from '../integration/helpers'
import type { Server } from './app-server'

const kind = inject('remoteKind')
const warmRuns = new WarmRuns()
let cold: Server
let warm: Server

beforeAll(async () => {
  cold = await startInProcess({ pool: { enabled: false } })
  warm = await startInProcess({ pool: { enabled: true, size: 1 }, log: warmRuns.log })
})

afterAll(async () => {
  await cold?.close()
  await warm?.close()
  // Nothing of either session is left there: containers, loaders, volumes.
  const docker = new Docker(resolveDockerEndpoint().options)
  for (const s of [cold, warm]) {
    const filters = { label: [`${LABEL_SESSION}=${s.core.sessionId}`] }
    expect(await docker.listContainers({ all: true, filters })).toEqual([])
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([])
  }
})

const b64 = (text: string): string => Buffer.from(text).toString('base64')

const CONTRACT = py(
  'import json, os, stat, sys',
  'out = os.stat("/output")',
  'print("output", out.st_uid == os.getuid(), oct(stat.S_IMODE(out.st_mode)), os.listdir("/output"))',
  'for p in ("/code/main.py", "/input/data.json", "/input/table.csv"):',
  '    s = os.stat(p)',
  '    print(p, s.st_uid, oct(stat.S_IMODE(s.st_mode)), os.access(p, os.W_OK))',
  'print("input", sorted(os.listdir("/input")), json.load(open("/input/data.json")))',
  'print("csv", open("/input/table.csv").read().split())',
  'print("stdin", sys.stdin.read().split())',
  'os.makedirs("plots/deep")',
  'open("plots/deep/x.txt", "w").write("artifact")',
  'json.dump({"sum": 42}, open("result.json", "w"))',
)

function expectContract(r: ExecuteBody): void {
  expect(r.status, `${r.stderr}\n${r.error}`).toBe('succeeded')
  expect(r.stdout.split('\n')).toEqual([
    'output True 0o700 []',
    '/code/main.py 0 0o444 False',
    '/input/data.json 0 0o444 False',
    '/input/table.csv 0 0o444 False',
    "input ['data.json', 'table.csv'] {'n': 7}",
    "csv ['a,b', '1,2']",
    "stdin ['first', 'second']",
    '',
  ])
  expect(r.output).toEqual({ sum: 42 })
  // result.json is listed as an artifact as well (docs/run-contract.md).
  expect(r.artifacts.map((a) => [a.name, a.size_bytes])).toEqual([
    ['plots/deep/x.txt', 8],
    ['result.json', 11],
  ])
}

const RUN = {
  code: CONTRACT,
  input_data: { n: 7 },
  input_files: { 'table.csv': b64('a,b\n1,2\n') },
  stdin: 'first\nsecond\n',
}

describe(`the archive transfer on the ${kind} daemon`, () => {
  it('is the transfer in use', async () => {
    for (const s of [cold, warm]) {
      const h = await request(`${s.url}/health`)
      expect(h.body).toMatchObject({
        file_transfer: 'archive',
        container_engine: kind === 'podman' ? 'podman' : 'docker',
      })
    }
  })

  it('a cold run: code, input, input files and stdin in; /output its own, out again', async () => {
    const r = await execute(cold.url, RUN)
    expectContract(r)
  })

  it('warm runs: the same, and the next run sees nothing of the one before', async () => {
    await warmReady(warm.core)
    const first = await execute(warm.url, RUN)
    warmRuns.expectPath(warm.core, first.execution_id)
    expectContract(first)
    await warmReady(warm.core)
    const second = await execute(warm.url, {
      code: py('import os', 'print(sorted(os.listdir("/input")), os.listdir("/output"))'),
    })
    warmRuns.expectPath(warm.core, second.execution_id)
    expect(second.status, second.stderr).toBe('succeeded')
    expect(second.stdout).toBe("['data.json'] []\n")
    expect(second.artifacts).toEqual([])
  })
})
