// Error types (docs/run-contract.md, "How a run ends") from real tracebacks, output edge cases, and infrastructure failures
// (image missing, Docker unreachable) — all a normal result, never an HTTP error.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { execute, executeOk, postExecute, py, expectNoSessionContainersLeft } from './execute'
import { request, startInProcess, tempDir } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server

beforeAll(async () => {
  srv = await startInProcess()
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

describe('error types from the traceback', () => {
  it('a syntax error names the line', async () => {
    const r = await execute(srv.url, { code: py('x = 1', 'y = 2', 'def f(:', '    pass') })
    expect(r.status).toBe('failed')
    expect(r.success).toBe(false)
    expect(r.error_type).toBe('syntax_error')
    expect(r.error).toMatch(/^SyntaxError: .+\(line 3\)$/)
    expect(r.stderr).toContain('File "/code/main.py", line 3')
    expect(r.exit_code).toBe(1)
  })

  it('an indentation error is a syntax error too', async () => {
    const r = await execute(srv.url, { code: py('if True:', 'print("x")') })
    expect(r.error_type).toBe('syntax_error')
    expect(r.error).toMatch(/^IndentationError: .+\(line 2\)$/)
  })

  it.each([
    ['ZeroDivisionError', py('print("a")', 'x = 1 / 0'), 'division_error', 2, 'division by zero'],
    [
      'ModuleNotFoundError',
      py('import no_such_module_xyz'),
      'import_error',
      1,
      'no_such_module_xyz',
    ],
    ['KeyError', py('d = {}', 'd["missing-key"]'), 'key_error', 2, "'missing-key'"],
    ['NameError', py('undefined_name_q'), 'name_error', 1, 'undefined_name_q'],
    ['TypeError', py('len(5)'), 'type_error', 1, 'int'],
    ['IndexError', py('[][3]'), 'index_error', 1, 'list index out of range'],
    ['AttributeError', py('None.foo'), 'attribute_error', 1, 'foo'],
    ['FileNotFoundError', py('open("/nope.txt")'), 'file_not_found', 1, '/nope.txt'],
    ['RecursionError', py('def f(): f()', 'f()'), 'recursion_error', 1, 'recursion'],
  ])('%s → %s', async (exception, code, type, line, detail) => {
    const r = await execute(srv.url, { code })
    expect(r.status).toBe('failed')
    expect(r.error_type).toBe(type)
    expect(r.exit_code).toBe(1)
    expect(r.error).toContain(exception)
    expect(r.error).toContain(detail)
    expect(r.error).toContain(`(line ${line})`)
    expect(r.stderr).toContain('Traceback (most recent call last):')
  })

  it('a printed exception name does not classify a run that ends with another error', async () => {
    const r = await execute(srv.url, {
      code: py(
        'import sys',
        'print("KeyError: fake", file=sys.stderr)',
        'raise ValueError("real")',
      ),
    })
    expect(r.error_type).toBe('value_error')
    expect(r.error).toMatch(/^ValueError: real/)
  })
})

describe('output edge cases', () => {
  it('binary output is decoded with replacement characters, NUL kept', async () => {
    const r = await executeOk(
      srv.url,
      py(
        'import os, sys',
        'sys.stdout.buffer.write(os.urandom(100000) + b"\\x00")',
        'sys.stdout.buffer.write(b"\\xff\\xfe after-nul-marker\\n")',
        'sys.stderr.buffer.write(b"\\xc3\\x28 bad utf8 on stderr\\n")',
      ),
    )
    expect(r.stdout).toContain('\uFFFD')
    expect(r.stdout).toContain('\u0000')
    expect(r.stdout).toContain(' after-nul-marker\n')
    expect(r.stdout.endsWith('\uFFFD\uFFFD after-nul-marker\n')).toBe(true)
    expect(r.stderr).toBe('\uFFFD( bad utf8 on stderr\n')
    expect(r.stdout_truncated).toBe(false)
  })

  it('a 3 MiB stdout flood is truncated, keeping the first and last lines', async () => {
    const r = await executeOk(
      srv.url,
      py(
        'print("FIRST-LINE-MARKER")',
        'line = "y" * 1023',
        'for i in range(3 * 1024):',
        '    print(line)',
        'print("LAST-LINE-MARKER")',
      ),
    )
    expect(r.stdout_truncated).toBe(true)
    expect(r.stderr_truncated).toBe(false)
    expect(r.stdout.startsWith('FIRST-LINE-MARKER\n')).toBe(true)
    expect(r.stdout.endsWith('LAST-LINE-MARKER\n')).toBe(true)
    expect(r.stdout).toMatch(
      /\[TRUNCATED: \d+ of \d+ bytes omitted; output exceeded 1048576 bytes\]/,
    )
    const total = 'FIRST-LINE-MARKER\n'.length + 3 * 1024 * 1024 + 'LAST-LINE-MARKER\n'.length
    expect(r.stdout).toContain(`of ${total} bytes omitted`)
    // Head and tail together stay within the 1 MiB cap (plus the marker).
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(1024 * 1024 + 200)
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(1024 * 1024 - 10)
  }, 30_000)
})

describe('error types with a flooded stderr', () => {
  it('the final exception is still classified after 3 MiB of stderr', async () => {
    const r = await execute(srv.url, {
      code: py(
        'import sys',
        'for i in range(3 * 1024):',
        '    print("ValueError: noise " + "n" * 1000, file=sys.stderr)',
        '{}["the-real-key"]',
      ),
    })
    expect(r.status).toBe('failed')
    expect(r.stderr_truncated).toBe(true)
    expect(r.stderr).toContain('[TRUNCATED: ')
    expect(r.error_type).toBe('key_error')
    expect(r.error).toBe("KeyError: 'the-real-key' (line 4)")
  })
})

describe('environments and images', () => {
  it('an unknown job_type is a 422 naming job_type, and nothing runs', async () => {
    const before = srv.core.store.list({ limit: 1000, offset: 0 }).total
    const res = await postExecute(srv.url, { json: { code: 'print(1)', job_type: 'no-such-env' } })
    expect(res.status).toBe(422)
    expect(res.body.detail).toHaveLength(1)
    expect(res.body.detail[0].loc).toEqual(['body', 'job_type'])
    expect(res.body.detail[0].msg).toMatch(/unknown job_type 'no-such-env'/)
    expect(res.body.detail[0].msg).toMatch(/default/)
    expect(srv.core.store.list({ limit: 1000, offset: 0 }).total).toBe(before)
  })

  it('a missing image ends the run as failed/image_missing naming the environment and build command', async () => {
    const dir = tempDir('tako-image-missing-')
    const runDir = path.join(dir, 'run')
    const outcome = await srv.core.engine.run({
      runId: `it-${randomUUID()}`,
      code: 'print("never runs")',
      inputData: {},
      environment: 'default',
      image: 'tako-vm/not-built:nope',
      limits: { ...DEFAULT_LIMITS, timeoutMs: 10_000 },
      runDir,
    })
    fs.rmSync(dir, { recursive: true, force: true })
    expect(outcome.status).toBe('failed')
    expect(outcome.error?.type).toBe('image_missing')
    expect(outcome.error?.phase).toBe('startup')
    expect(outcome.error?.message).toContain("environment 'default'")
    expect(outcome.error?.message).toContain('tako-vm/not-built:nope')
    expect(outcome.error?.message).toContain('npm run environments -- build default')
    // It points at what exists: the app's Build button for the environment and the HTTP build.
    expect(outcome.error?.message).not.toContain('Environments panel')
    expect(outcome.error?.message).toContain('the app\'s "Build default" button')
    expect(outcome.error?.message).toContain('POST /job-types/default/build')
    expect(outcome.stdout).toBe('')
    expect(outcome.startedAt).toBeNull()
  })

  it('a queued job whose image is missing is recorded as image_missing and served over HTTP', async () => {
    // The API checks images before queueing; an image removed after that (or a catalogue
    // environment never built) reaches the engine, and the record carries the error object.
    const rec = srv.core.jobs.submit({
      code: 'print("never runs")',
      inputData: {},
      environment: 'default',
      image: 'tako-vm/not-built:nope',
      limits: { ...DEFAULT_LIMITS, timeoutMs: 10_000 },
      source: 'api',
    })
    const res = await request<{
      status: string
      error: { type: string; message: string; phase: string } | null
    }>(`${srv.url}/jobs/${rec.id}/result?wait=true&timeout=30`)
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('failed')
    expect(res.body.error?.type).toBe('image_missing')
    expect(res.body.error?.phase).toBe('startup')
    expect(res.body.error?.message).toContain('npm run environments -- build default')
  })
})

describe('Docker unreachable', () => {
  const endpoint = 'unix:///tmp/no-such-docker.sock'
  let down: Server

  beforeAll(async () => {
    const client = new DockerContainerClient(
      new Docker({ socketPath: '/tmp/no-such-docker.sock' }),
      endpoint,
    )
    down = await startInProcess({ client })
  })

  afterAll(async () => {
    await down.close()
  })

  it('POST /execute returns 200 with failed/service_unavailable naming the endpoint', async () => {
    const t0 = performance.now()
    const r = await execute(down.url, { code: 'print("hi")' })
    expect(performance.now() - t0).toBeLessThan(5_000)
    expect(r.status).toBe('failed')
    expect(r.success).toBe(false)
    expect(r.error_type).toBe('service_unavailable')
    expect(r.error).toContain(`Docker is not reachable at ${endpoint}`)
    expect(r.error).toContain('ENOENT')
    expect(r.stdout).toBe('')
  })

  it('GET /health reports docker_available false and status degraded', async () => {
    const res = await request<{ status: string; docker_available: boolean; docker_error: string }>(
      `${down.url}/health`,
    )
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('degraded')
    expect(res.body.docker_available).toBe(false)
    expect(res.body.docker_error).toContain(endpoint)
  })

  it('the healthy server reports docker_available true', async () => {
    const res = await request<{ status: string; docker_available: boolean }>(`${srv.url}/health`)
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('healthy')
    expect(res.body.docker_available).toBe(true)
  })
})
