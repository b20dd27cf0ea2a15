// How the archive transfer loads a run's volumes on each engine (see docs/remote-hosts.md, 'Podman'):
// the puts planned per layout, the output volume's owner option, and ArchiveTransfer's use of them
// through a fake of our own ContainerClient interface (the real engines: test/remote, the
// integration suite's archive pass).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import tar from 'tar-stream'
import type Docker from 'dockerode'
import { afterEach, describe, expect, it } from 'vitest'
import {
  dialectOf,
  planLoad,
  volumeOptions,
  type ArchivePut,
  type LoadFiles,
} from '../../src/main/engine/archive-layout'
import { ArchiveTransfer } from '../../src/main/engine/archive-transfer'
import type { ContainerClient } from '../../src/main/engine/docker-client'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { prepareRunDir } from '../../src/main/engine/run-folder'

const OWNER = { uid: 2_100_000_007, gid: 2_100_000_007 }
const FILES: LoadFiles = {
  code: [{ name: 'main.py', source: '/run/main.py' }],
  input: [
    { name: 'data.json', source: '/run/input.json' },
    { name: 'table.csv', source: '/run/files/table.csv' },
  ],
}

/** Each put as `path: name type mode uid:gid` lines. */
const shown = (puts: ArchivePut[]): Record<string, string[]> =>
  Object.fromEntries(
    puts.map((p) => [
      p.path,
      p.entries.map((e) => `${e.name} ${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid}`),
    ]),
  )

describe('planLoad', () => {
  it('Docker (root): one tar at / whose names reach all three volumes', () => {
    expect(shown(planLoad('root', OWNER, FILES))).toEqual({
      '/': [
        'code/ directory 755 0:0',
        'code/main.py file 444 0:0',
        'input/ directory 755 0:0',
        'input/data.json file 444 0:0',
        'input/table.csv file 444 0:0',
        `output/ directory 700 ${OWNER.uid}:${OWNER.gid}`,
      ],
    })
  })

  it('Podman (per-volume): one tar at each volume, its own folder named "/"', () => {
    const puts = planLoad('per-volume', OWNER, FILES)
    expect(shown(puts)).toEqual({
      '/code': ['/ directory 755 0:0', 'main.py file 444 0:0'],
      '/input': ['/ directory 755 0:0', 'data.json file 444 0:0', 'table.csv file 444 0:0'],
      '/output': [`/ directory 700 ${OWNER.uid}:${OWNER.gid}`],
    })
    expect(puts.map((p) => p.path)).toEqual(['/code', '/input', '/output'])
    expect(puts[1]?.entries[2]?.source).toBe('/run/files/table.csv')
  })

  it('a warm container: the folders at its start, the files alone at dispatch', () => {
    expect(shown(planLoad('per-volume', OWNER, null))).toEqual({
      '/code': ['/ directory 755 0:0'],
      '/input': ['/ directory 755 0:0'],
      '/output': [`/ directory 700 ${OWNER.uid}:${OWNER.gid}`],
    })
    expect(shown(planLoad('per-volume', null, FILES))).toEqual({
      '/code': ['main.py file 444 0:0'],
      '/input': ['data.json file 444 0:0', 'table.csv file 444 0:0'],
    })
    expect(shown(planLoad('root', null, FILES))).toEqual({
      '/': [
        'code/main.py file 444 0:0',
        'input/data.json file 444 0:0',
        'input/table.csv file 444 0:0',
      ],
    })
    expect(planLoad('root', null, null)).toEqual([])
    expect(planLoad('per-volume', null, null)).toEqual([])
  })
})

describe('dialectOf and volumeOptions', () => {
  it('Docker: one tar at /, output/ names, no volume options (its local driver wants a device)', () => {
    const d = dialectOf('docker')
    expect(d).toEqual({ layout: 'root', outputTop: 'output', ownedVolume: false })
    for (const v of ['code', 'input', 'output'] as const)
      expect(volumeOptions(d, v, OWNER)).toBeUndefined()
  })

  it('Podman: per volume, /-rooted names, the output volume created owned by the run user', () => {
    const d = dialectOf('podman')
    expect(d).toEqual({ layout: 'per-volume', outputTop: '', ownedVolume: true })
    expect(volumeOptions(d, 'output', OWNER)).toEqual({ o: `uid=${OWNER.uid},gid=${OWNER.gid}` })
    expect(volumeOptions(d, 'code', OWNER)).toBeUndefined()
    expect(volumeOptions(d, 'input', OWNER)).toBeUndefined()
  })
})

interface Put {
  id: string
  path: string
  names: string[]
}

/** A fake daemon of our own interface: records volumes, puts (the tars read back) and removals. */
class FakeDaemon {
  engine: 'docker' | 'podman' = 'podman'
  pings = 0
  pingFails = 0
  volumes: { name: string; options?: Record<string, string> }[] = []
  puts: Put[] = []
  removed: string[] = []
  private next = 0

  client(): ContainerClient {
    const fail = (): never => {
      throw new Error('not used')
    }
    return {
      endpoint: 'unix:///fake.sock',
      ping: () => {
        this.pings++
        if (this.pingFails > 0) {
          this.pingFails--
          return Promise.reject(new Error('connect ECONNREFUSED'))
        }
        return Promise.resolve({ version: '4.3.1', apiVersion: '1.41', engine: this.engine })
      },
      imageExists: fail,
      create: (_spec: Docker.ContainerCreateOptions) => Promise.resolve(`c${++this.next}`),
      attach: fail,
      attachInteractive: fail,
      start: fail,
      wait: fail,
      inspect: fail,
      kill: fail,
      remove: (id: string) => {
        this.removed.push(id)
        return Promise.resolve()
      },
      listByLabel: fail,
      createVolume: (name: string, _labels: Record<string, string>, options) => {
        this.volumes.push({ name, ...(options ? { options } : {}) })
        return Promise.resolve()
      },
      removeVolume: (name: string) => {
        this.removed.push(name)
        return Promise.resolve()
      },
      putArchive: async (id: string, p: string, stream: NodeJS.ReadableStream) => {
        const names: string[] = []
        const extract = tar.extract()
        extract.on('entry', (h, s, next) => {
          names.push(h.name)
          s.resume()
          s.on('end', next)
        })
        await new Promise<void>((resolve, reject) => {
          extract.on('finish', () => resolve())
          extract.on('error', reject)
          stream.pipe(extract)
        })
        this.puts.push({ id, path: p, names })
      },
      getArchive: fail,
    }
  }
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function runFolder(): ReturnType<typeof prepareRunDir> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-layout-'))
  dirs.push(runDir)
  return prepareRunDir(
    {
      runDir,
      code: 'print(1)',
      inputData: { a: 1 },
      inputFiles: [{ name: 'table.csv', data: Buffer.from('a,b\n') }],
    },
    OWNER,
  )
}

describe('ArchiveTransfer on each engine', () => {
  it('Podman: an owned output volume, one put per volume; the loader goes with the volumes', async () => {
    const daemon = new FakeDaemon()
    const t = new ArchiveTransfer(daemon.client(), 'session')
    const slot = await t.prepare('run1', 'img', DEFAULT_LIMITS, OWNER, runFolder())
    expect(daemon.volumes).toEqual([
      { name: 'tako-run1-code' },
      { name: 'tako-run1-input' },
      { name: 'tako-run1-output', options: { o: `uid=${OWNER.uid},gid=${OWNER.gid}` } },
    ])
    expect(daemon.puts).toEqual([
      { id: 'c1', path: '/code', names: ['/', 'main.py'] },
      { id: 'c1', path: '/input', names: ['/', 'data.json', 'table.csv'] },
      { id: 'c1', path: '/output', names: ['/'] },
    ])
    expect(daemon.removed).toEqual([])
    await t.release(slot)
    expect(daemon.removed).toEqual(['c1', 'tako-run1-code', 'tako-run1-input', 'tako-run1-output'])
  })

  it('Docker: one put at /; the engine is asked once', async () => {
    const daemon = new FakeDaemon()
    daemon.engine = 'docker'
    const t = new ArchiveTransfer(daemon.client(), 'session')
    await t.prepare('run1', 'img', DEFAULT_LIMITS, OWNER, runFolder())
    await t.prepare('run2', 'img', DEFAULT_LIMITS, OWNER, runFolder())
    expect(daemon.volumes.every((v) => v.options === undefined)).toBe(true)
    expect(daemon.puts.map((p) => [p.path, p.names])).toEqual([
      ['/', ['code/', 'code/main.py', 'input/', 'input/data.json', 'input/table.csv', 'output/']],
      ['/', ['code/', 'code/main.py', 'input/', 'input/data.json', 'input/table.csv', 'output/']],
    ])
    expect(daemon.pings).toBe(1)
  })

  it('a warm container is filled once at dispatch; a failed ask of the engine is asked again', async () => {
    const daemon = new FakeDaemon()
    daemon.pingFails = 1
    const t = new ArchiveTransfer(daemon.client(), 'session')
    await expect(t.prepare('pool-1', 'img', DEFAULT_LIMITS, OWNER, null)).rejects.toThrow(
      /ECONNREFUSED/,
    )
    expect(daemon.volumes).toEqual([])
    const slot = await t.prepare('pool-1', 'img', DEFAULT_LIMITS, OWNER, null)
    expect(daemon.pings).toBe(2)
    expect(daemon.puts.map((p) => [p.path, p.names])).toEqual([
      ['/code', ['/']],
      ['/input', ['/']],
      ['/output', ['/']],
    ])
    await t.fill(slot, runFolder())
    expect(daemon.puts.slice(3).map((p) => [p.path, p.names])).toEqual([
      ['/code', ['main.py']],
      ['/input', ['data.json', 'table.csv']],
    ])
    await expect(t.fill(slot, runFolder())).rejects.toThrow(/no loader left/)
  })
})
