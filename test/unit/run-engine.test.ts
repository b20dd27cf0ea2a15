import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import { afterEach, beforeEach, describe, it, expect } from 'vitest'
import type { OutputStream, RunLimits } from '../../src/shared/run'
import { DockerUnavailableError, type ContainerClient } from '../../src/main/engine/docker-client'
import { DEFAULT_LIMITS, LimitError } from '../../src/main/engine/limits'
import type { OutputGuard } from '../../src/main/engine/output-guard'
import { UsageMonitor } from '../../src/main/engine/resource-usage'
import { RunEngine, type RunSpec } from '../../src/main/engine/run-engine'
import { dockerError, dockerFrame } from './fake-container-client'

const CONTAINER = 'c0ffee'

const out = (text: string | Buffer): Buffer => dockerFrame(1, text)
const err = (text: string | Buffer): Buffer => dockerFrame(2, text)

/** A scripted Docker daemon behind our own ContainerClient interface. */
class FakeClient implements ContainerClient {
  readonly endpoint: string = 'fake://docker'
  readonly calls: string[] = []
  readonly specs: Docker.ContainerCreateOptions[] = []
  readonly stream = new PassThrough()
  frames: Buffer[] = []
  exitCode = 0
  oomKilled = false
  /** The process runs until killed. */
  runsForever = false
  /** kill() is accepted but the daemon never reports the exit. */
  killIsIgnored = false
  /** Plain objects too: the engine must cope with Docker errors that are not Error instances. */
  createError: Error | { statusCode: number; json: { message: string } } | null = null
  attachError: Error | null = null
  startError: Error | null = null
  removeError: Error | null = null
  /** The "script": writes into /output (the host folder) when the container starts. */
  onStart: (outputDir: string) => void = () => undefined
  private killed = false
  private resolveWait: ((code: number) => void) | null = null
  private rejectWait: ((err: Error) => void) | null = null

  private async tick(): Promise<void> {
    await Promise.resolve()
  }

  async ping(): Promise<{ version: string; apiVersion: string }> {
    await this.tick()
    return { version: 'fake', apiVersion: '1.47' }
  }

  async imageExists(): Promise<boolean> {
    await this.tick()
    return true
  }

  async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    await this.tick()
    this.calls.push('create')
    this.specs.push(spec)
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error rejection on purpose
    if (this.createError) throw this.createError
    return CONTAINER
  }

  attachInteractive(): Promise<NodeJS.ReadWriteStream> {
    return Promise.reject(new Error('the fake has no warm pool'))
  }

  async attach(id: string): Promise<NodeJS.ReadableStream> {
    await this.tick()
    this.calls.push(`attach:${id}`)
    if (this.attachError) throw this.attachError
    return this.stream
  }

  async start(id: string): Promise<void> {
    await this.tick()
    this.calls.push(`start:${id}`)
    if (this.startError) throw this.startError
    const bind = this.specs[0]?.HostConfig?.Binds?.find((b) => b.endsWith(':/output:rw')) ?? ''
    this.onStart(bind.slice(0, -':/output:rw'.length))
    for (const f of this.frames) this.stream.write(f)
    if (!this.runsForever) this.stream.end()
  }

  wait(id: string): Promise<number> {
    this.calls.push(`wait:${id}`)
    return new Promise((resolve, reject) => {
      if (!this.runsForever) resolve(this.exitCode)
      else if (this.killed && !this.killIsIgnored) resolve(137)
      else {
        this.resolveWait = resolve
        this.rejectWait = reject
      }
    })
  }

  /** The daemon goes away: a wait still open fails, as dockerode's does when its socket closes. */
  failWait(err: Error): void {
    this.rejectWait?.(err)
  }

  async inspect(id: string): Promise<{ running: boolean; exitCode: number; oomKilled: boolean }> {
    await this.tick()
    this.calls.push(`inspect:${id}`)
    return { running: false, exitCode: this.exitCode, oomKilled: this.oomKilled }
  }

  async kill(id: string): Promise<void> {
    await this.tick()
    this.calls.push(`kill:${id}`)
    this.killed = true
    this.stream.end()
    if (!this.killIsIgnored) this.resolveWait?.(137)
  }

  async remove(id: string): Promise<void> {
    await this.tick()
    this.calls.push(`remove:${id}`)
    if (this.removeError) throw this.removeError
  }

  async listByLabel(): Promise<{ id: string; labels: Record<string, string> }[]> {
    await this.tick()
    return []
  }
}

let tmp: string
let client: FakeClient
let engine: RunEngine
let logged: string[]

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-engine-'))
  client = new FakeClient()
  logged = []
  engine = new RunEngine({
    client,
    sessionId: 'session-1',
    user: { uid: 1000, gid: 1000 },
    killGraceMs: 100,
    log: (event) => logged.push(event),
  })
})

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

function spec(overrides: Partial<RunSpec> = {}, limits: Partial<RunLimits> = {}): RunSpec {
  return {
    runId: 'run-1',
    code: 'print("hi")\n',
    inputData: { n: 3 },
    environment: 'default',
    image: 'tako/default:test',
    limits: { ...DEFAULT_LIMITS, ...limits },
    runDir: path.join(tmp, 'run-1'),
    ...overrides,
  }
}

const removed = (): boolean => client.calls.includes(`remove:${CONTAINER}`)

describe('RunEngine: a successful run', () => {
  it('writes the run files, passes the hardened spec and collects output, result and artifacts', async () => {
    client.frames = [out('hello\n'), err('warn\n'), out('bye\n')]
    client.onStart = (dir) => {
      fs.writeFileSync(path.join(dir, 'result.json'), '{"answer": 42}')
      fs.mkdirSync(path.join(dir, 'plots'))
      fs.writeFileSync(path.join(dir, 'plots', 'a.csv'), 'x\n1\n')
    }
    const started: string[] = []
    const r = await engine.run(spec({ onStarted: (at) => started.push(at) }))

    expect(r.status).toBe('succeeded')
    expect(r.exitCode).toBe(0)
    expect(r.error).toBeNull()
    expect(r.stdout).toBe('hello\nbye\n')
    expect(r.stderr).toBe('warn\n')
    expect(r.output).toEqual({ answer: 42 })
    expect(r.artifacts.map((a) => [a.name, a.sizeBytes, a.contentType])).toEqual([
      ['plots/a.csv', 4, 'text/csv'],
      ['result.json', 14, 'application/json'],
    ])
    expect(r.warnings).toEqual([])
    expect(r.timing.phaseAtExit).toBe('completed')
    expect(started).toHaveLength(1)
    expect(r.startedAt).toBe(started[0])

    const runDir = path.join(tmp, 'run-1')
    expect(fs.readFileSync(path.join(runDir, 'main.py'), 'utf8')).toBe('print("hi")\n')
    expect(fs.statSync(path.join(runDir, 'main.py')).mode & 0o777).toBe(0o444)
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'input.json'), 'utf8'))).toEqual({ n: 3 })

    const created = client.specs[0]
    expect(created?.HostConfig?.NetworkMode).toBe('none')
    expect(created?.HostConfig?.ReadonlyRootfs).toBe(true)
    expect(created?.User).toBe('1000:1000')
    expect(created?.Labels?.['app.tako-vm-desktop.session']).toBe('session-1')
    expect(client.calls).toEqual([
      'create',
      `attach:${CONTAINER}`,
      `start:${CONTAINER}`,
      `wait:${CONTAINER}`,
      `remove:${CONTAINER}`,
    ])
  })

  it('counts the bytes /output held; without cgroup access the rest of the use is null', async () => {
    client.onStart = (dir) => {
      fs.writeFileSync(path.join(dir, 'result.json'), '{"answer": 42}')
      fs.writeFileSync(path.join(dir, 'a.bin'), Buffer.alloc(1000))
    }
    const r = await engine.run(spec())
    expect(r.resourceUsage).toEqual({
      maxRssBytes: null,
      cpuTimeMs: null,
      peakPids: null,
      warmBaselineBytes: null,
      outputBytes: 1014,
    })
  })

  it("gives a cold container a cgroup parent of its own and reads the run's use there", async () => {
    class CgroupClient extends FakeClient {
      override readonly endpoint = 'unix:///fake/docker.sock'
      cgroupInfo(): Promise<{ driver: string; version: string }> {
        return Promise.resolve({ driver: 'cgroupfs', version: '1' })
      }
    }
    const cgClient = new CgroupClient()
    const root = path.join(tmp, 'cgroup')
    fs.mkdirSync(path.join(root, 'memory'), { recursive: true })
    fs.writeFileSync(path.join(root, 'memory', 'memory.usage_in_bytes'), '0')
    const usage = new UsageMonitor(cgClient, { layout: { version: 1, root } })
    const parent = (await usage.parentFor('run-1'))!
    const put = (controller: string, file: string, value: number): void => {
      fs.mkdirSync(path.join(root, controller, parent), { recursive: true })
      fs.writeFileSync(path.join(root, controller, parent, file), `${value}\n`)
    }
    // What the kernel leaves in the parent after the container exited.
    put('memory', 'memory.max_usage_in_bytes', 150 * 2 ** 20)
    put('cpuacct', 'cpuacct.usage', 1_500_000_000)
    // runc's own start-up tasks; the script's interpreter and its init while it ran.
    put('pids', 'pids.peak', 6)
    put('pids', 'pids.current', 2)
    const eng = new RunEngine({
      client: cgClient,
      sessionId: 'session-1',
      user: { uid: 1000, gid: 1000 },
      usage,
    })
    const r = await eng.run(spec())
    expect(cgClient.specs[0]?.HostConfig?.CgroupParent).toBe(parent)
    expect(r.resourceUsage).toMatchObject({
      maxRssBytes: 150 * 2 ** 20,
      cpuTimeMs: 1500,
      peakPids: 2,
      warmBaselineBytes: null,
    })
  })

  it('streams output to the listener without splitting UTF-8 characters across frames', async () => {
    const bytes = Buffer.from('€😀 done\n')
    client.frames = [out(bytes.subarray(0, 2)), out(bytes.subarray(2, 5)), out(bytes.subarray(5))]
    const events: [OutputStream, string][] = []
    const r = await engine.run(spec({ onOutput: (s, t) => events.push([s, t]) }))
    expect(events.map((e) => e[1]).join('')).toBe('€😀 done\n')
    expect(events.every(([s, t]) => s === 'stdout' && !t.includes('\uFFFD'))).toBe(true)
    expect(r.stdout).toBe('€😀 done\n')
  })

  it('survives a listener that throws', async () => {
    client.frames = [out('x')]
    const r = await engine.run(
      spec({
        onOutput: () => {
          throw new Error('listener bug')
        },
      }),
    )
    expect(r.status).toBe('succeeded')
    expect(r.stdout).toBe('x')
    expect(logged).toContain('output-listener-error')
  })

  it('starts from an empty /output even when the run folder is reused', async () => {
    fs.mkdirSync(path.join(tmp, 'run-1', 'artifacts'), { recursive: true })
    fs.writeFileSync(path.join(tmp, 'run-1', 'artifacts', 'stale.txt'), 'old')
    fs.writeFileSync(path.join(tmp, 'run-1', 'artifacts', 'result.json'), '"old"')
    const r = await engine.run(spec())
    expect(r.artifacts).toEqual([])
    expect(r.output).toBeNull()
  })

  it('rejects links the script planted in /output', async () => {
    const secret = path.join(tmp, 'host-secret.txt')
    fs.writeFileSync(secret, 'host only')
    client.onStart = (dir) => {
      fs.symlinkSync(secret, path.join(dir, 'a.txt'))
      fs.symlinkSync(secret, path.join(dir, 'result.json'))
    }
    const r = await engine.run(spec())
    expect(r.status).toBe('succeeded')
    expect(r.output).toBeNull()
    expect(r.artifacts).toEqual([])
    // result.json is refused by the parser and, as an artifact, by the walker
    expect(r.warnings.map((w) => `${w.code} ${w.path ?? ''}`).sort()).toEqual([
      'artifact_rejected:symlink a.txt',
      'artifact_rejected:symlink result.json',
      'result_invalid result.json',
    ])
    expect(fs.readFileSync(secret, 'utf8')).toBe('host only')
  })

  it('keeps the status when result.json is malformed', async () => {
    client.onStart = (dir) => fs.writeFileSync(path.join(dir, 'result.json'), 'not valid json {')
    const r = await engine.run(spec())
    expect(r.status).toBe('succeeded')
    expect(r.output).toBeNull()
    expect(r.warnings[0]?.code).toBe('result_invalid')
  })

  it('caps kept stdout and flags the cut', async () => {
    client.frames = [out('a'.repeat(300)), out('b'.repeat(300))]
    const r = await engine.run(spec({}, { stdoutBytes: 100 }))
    expect(r.status).toBe('succeeded')
    expect(r.stdoutTruncated).toBe(true)
    expect(r.stdoutBytes).toBe(600)
    expect(r.stdout.startsWith('a'.repeat(50) + '\n\n[TRUNCATED: 500 of 600')).toBe(true)
    expect(r.stdout.endsWith('b'.repeat(50))).toBe(true)
  })
})

describe('RunEngine: failures of the script', () => {
  it('classifies a traceback on stderr', async () => {
    client.exitCode = 1
    client.frames = [
      out('start\n'),
      err(
        'Traceback (most recent call last):\n' +
          '  File "/code/main.py", line 3, in <module>\n' +
          '    print(1 / 0)\n' +
          '          ~~^~~\n' +
          'ZeroDivisionError: division by zero\n',
      ),
    ]
    const r = await engine.run(spec())
    expect(r.status).toBe('failed')
    expect(r.exitCode).toBe(1)
    expect(r.error).toEqual({
      type: 'division_error',
      message: 'ZeroDivisionError: division by zero (line 3)',
      phase: 'execution',
      line: 3,
      hint: expect.stringContaining('divided by zero on line 3') as unknown,
    })
    expect(removed()).toBe(true)
  })

  it('does not classify a printed exception name without a traceback', async () => {
    client.exitCode = 1
    client.frames = [err('ValueError: x\n')]
    const r = await engine.run(spec())
    expect(r.error).toEqual({
      type: 'runtime_error',
      message: 'Process exited with code 1: ValueError: x',
      phase: 'execution',
      line: null,
      hint: null,
    })
  })

  it('reports OOM only when Docker says OOMKilled', async () => {
    client.exitCode = 137
    client.oomKilled = true
    const r = await engine.run(spec({}, { memoryBytes: 256 * 1024 * 1024 }))
    expect(r.status).toBe('oom')
    expect(r.error?.type).toBe('oom')
    expect(r.error?.message).toContain('256 MiB')
    expect(client.calls).toContain(`inspect:${CONTAINER}`)
    expect(removed()).toBe(true)
  })

  it('reports exit 137 without OOMKilled as killed, not oom', async () => {
    client.exitCode = 137
    client.oomKilled = false
    const r = await engine.run(spec())
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('killed')
  })

  it('cannot pose as a timeout through the exit code', async () => {
    client.exitCode = 124
    client.frames = [err('Execution timed out\n')]
    const r = await engine.run(spec())
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('runtime_error')
  })
})

describe('RunEngine: Docker failures', () => {
  it('reports a missing image (404 "No such image") as image_missing', async () => {
    client.createError = { statusCode: 404, json: { message: 'No such image: tako/default:test' } }
    const r = await engine.run(spec())
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('image_missing')
    expect(r.error?.phase).toBe('startup')
    expect(r.error?.message).toContain("environment 'default'")
    expect(r.error?.message).toContain('tako/default:test')
    expect(client.calls).toEqual(['create'])
  })

  it('reports a missing image thrown as a dockerode Error too', async () => {
    client.createError = dockerError(404, 'No such image: tako/default:test')
    expect((await engine.run(spec())).error?.type).toBe('image_missing')
  })

  it('reports an unreachable daemon as service_unavailable', async () => {
    client.createError = new DockerUnavailableError('Docker is not reachable at fake://docker')
    const r = await engine.run(spec())
    expect(r.status).toBe('failed')
    expect(r.error).toEqual({
      type: 'service_unavailable',
      message: 'Docker is not reachable at fake://docker',
      phase: 'startup',
    })
  })

  it('reports another daemon refusal as service_unavailable', async () => {
    client.createError = dockerError(409, 'Conflict. The container name is already in use')
    const r = await engine.run(spec())
    expect(r.error?.type).toBe('service_unavailable')
    expect(r.error?.message).toContain('already in use')
  })

  it('removes the container when start fails', async () => {
    client.startError = new DockerUnavailableError('daemon went away')
    const r = await engine.run(spec())
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('service_unavailable')
    expect(removed()).toBe(true)
    expect(client.calls).not.toContain(`wait:${CONTAINER}`)
  })

  it('removes the container when attach fails, and reports an internal error', async () => {
    client.attachError = new Error('boom')
    const r = await engine.run(spec())
    expect(r.error?.type).toBe('internal_error')
    expect(r.error?.message).toContain('boom')
    expect(removed()).toBe(true)
  })

  it('still returns the outcome when remove fails', async () => {
    client.removeError = new DockerUnavailableError('gone')
    const r = await engine.run(spec())
    expect(r.status).toBe('succeeded')
    expect(logged).toContain('remove-failed')
  })
})

describe('RunEngine: stopping a run', () => {
  it('kills at the timeout and reports status timeout', async () => {
    client.runsForever = true
    client.frames = [out('working...\n')]
    const t0 = Date.now()
    const r = await engine.run(spec({}, { timeoutMs: 1_000 }))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990)
    expect(r.status).toBe('timeout')
    expect(r.error?.type).toBe('timeout')
    expect(r.error?.message).toContain('1 s')
    expect(r.stdout).toBe('working...\n')
    expect(client.calls).toContain(`kill:${CONTAINER}`)
    expect(removed()).toBe(true)
  })

  it('stops waiting for a daemon that never reports the exit after a kill', async () => {
    client.runsForever = true
    client.killIsIgnored = true
    const r = await engine.run(spec({}, { timeoutMs: 1_000 }))
    expect(r.status).toBe('timeout')
    expect(removed()).toBe(true)
  })

  it('leaves no unhandled rejection when that wait fails after the run ended', async () => {
    client.runsForever = true
    client.killIsIgnored = true
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const ac = new AbortController()
      const r = await engine.run(spec({ signal: ac.signal, onStarted: () => ac.abort() }))
      expect(r.status).toBe('cancelled')
      // The daemon comes back (or goes for good): the wait the engine stopped waiting for fails.
      client.failWait(new DockerUnavailableError('Docker is not reachable (ECONNRESET)'))
      // Let a rejection that nobody handles reach the process.
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('kills on cancel and reports cancelled', async () => {
    client.runsForever = true
    const ac = new AbortController()
    const r = await engine.run(spec({ signal: ac.signal, onStarted: () => ac.abort() }))
    expect(r.status).toBe('cancelled')
    expect(r.error?.type).toBe('cancelled')
    expect(client.calls).toContain(`kill:${CONTAINER}`)
    expect(removed()).toBe(true)
  })

  it('does not create a container for a run cancelled before it began', async () => {
    const ac = new AbortController()
    ac.abort()
    const r = await engine.run(spec({ signal: ac.signal }))
    expect(r.status).toBe('cancelled')
    expect(client.calls).toEqual([])
  })

  it('kills a run that floods past the output ceiling', async () => {
    client.runsForever = true
    client.frames = Array.from({ length: 10 }, () => out('x'.repeat(300)))
    const r = await engine.run(spec({}, { outputCeilingBytes: 1_000, stdoutBytes: 100 }))
    expect(r.status).toBe('failed')
    expect(r.error?.type).toBe('output_limit')
    expect(client.calls).toContain(`kill:${CONTAINER}`)
    expect(r.stdoutTruncated).toBe(true)
    expect(r.stdoutBytes).toBeGreaterThan(1_000)
    expect(removed()).toBe(true)
  })
})

describe('RunEngine: the output guard', () => {
  /** A guard of our own interface: refuses to start, or breaches once the run is watched. */
  function guarded(g: Partial<OutputGuard>): RunEngine {
    return new RunEngine({
      client,
      sessionId: 'session-1',
      user: { uid: 1000, gid: 1000 },
      killGraceMs: 100,
      outputGuard: {
        checkBeforeStart: () => null,
        watch: () => () => undefined,
        ...g,
      },
    })
  }

  it('refuses to start a run when the guard says no, creating nothing', async () => {
    const r = await guarded({ checkBeforeStart: () => 'disk is full' }).run(spec())
    expect(r.status).toBe('failed')
    expect(r.error).toEqual({ type: 'output_limit', message: 'disk is full', phase: 'startup' })
    expect(client.calls).toEqual([])
  })

  it('stops a live run on a breach with the breach message, and disposes the watch', async () => {
    client.runsForever = true
    let disposed = 0
    const r = await guarded({
      watch: (_id, _dir, onBreach) => {
        setTimeout(() => onBreach({ reason: 'output_quota', message: 'quota of 1 MiB used up' }), 5)
        return () => disposed++
      },
    }).run(spec())
    expect(r.status).toBe('failed')
    expect(r.error).toEqual({
      type: 'output_limit',
      message: 'quota of 1 MiB used up',
      phase: 'execution',
      line: null,
      hint: expect.stringContaining('wrote more than it is allowed') as unknown,
    })
    expect(client.calls).toContain(`kill:${CONTAINER}`)
    expect(disposed).toBe(1)
    expect(removed()).toBe(true)
  })
})

describe('RunEngine: limits', () => {
  it('rejects invalid limits before creating anything', async () => {
    for (const timeoutMs of [0, -1, NaN, Infinity]) {
      await expect(engine.run(spec({}, { timeoutMs }))).rejects.toBeInstanceOf(LimitError)
    }
    await expect(engine.run(spec({}, { memoryBytes: 4 * 1024 * 1024 }))).rejects.toThrow(
      /memoryBytes/,
    )
    expect(client.calls).toEqual([])
    expect(fs.existsSync(path.join(tmp, 'run-1'))).toBe(false)
  })
})
