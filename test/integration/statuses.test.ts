// Statuses and errors (docs/run-contract.md, "How a run ends"): how a run ends — timeout, oom, killed, exit codes — decided from
// Docker's state and our own timer, never from the exit code alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  execute,
  expectKilledAtTimeout,
  py,
  expectNoSessionContainersLeft,
  type ExecuteBody,
} from './execute'
import { startInProcess } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server

beforeAll(async () => {
  srv = await startInProcess()
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

/** Runs with a 2 s timeout and returns the response with the request's wall time. */
async function runTimed(code: string): Promise<{ r: ExecuteBody; ms: number }> {
  const t0 = performance.now()
  const r = await execute(srv.url, { code, timeout: 2 })
  return { r, ms: performance.now() - t0 }
}

function expectTimeout(r: ExecuteBody, ms: number): void {
  expectKilledAtTimeout(r, 2, ms)
  expect(r.output).toBeNull()
}

describe('timeout', () => {
  it('a CPU loop ends at the timeout, keeping the output printed before it', async () => {
    const { r, ms } = await runTimed(
      py(
        'import sys',
        'print("before the loop")',
        'print("to stderr", file=sys.stderr)',
        'while True: pass',
      ),
    )
    expectTimeout(r, ms)
    expect(r.stdout).toBe('before the loop\n')
    expect(r.stderr).toBe('to stderr\n')
  }, 15_000)

  it('a sleeper ends at the timeout', async () => {
    const { r, ms } = await runTimed(py('import time', 'print("sleeping")', 'time.sleep(10**6)'))
    expectTimeout(r, ms)
    expect(r.stdout).toBe('sleeping\n')
  }, 15_000)

  it('a script ignoring SIGTERM still ends at the timeout', async () => {
    const { r, ms } = await runTimed(
      py(
        'import signal',
        'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
        'signal.signal(signal.SIGINT, signal.SIG_IGN)',
        'print("ignoring", flush=True)',
        'while True: pass',
      ),
    )
    expectTimeout(r, ms)
    expect(r.stdout).toBe('ignoring\n')
  }, 15_000)

  it('a slow drip of output does not extend the timeout', async () => {
    const { r, ms } = await runTimed(
      py('import time', 'while True:', '    print(".", end="", flush=True)', '    time.sleep(0.1)'),
    )
    expectTimeout(r, ms)
    expect(r.stdout).toMatch(/^\.{5,}$/)
  }, 15_000)
})

describe('memory', () => {
  it('a memory bomb over memory_mb ends as oom', async () => {
    const r = await execute(srv.url, {
      code: py(
        'x = bytearray(1)',
        'chunks = []',
        'print("allocating", flush=True)',
        'while True:',
        "    chunks.append(b'x' * (50 * 2**20))",
      ),
      memory_mb: 128,
      timeout: 60,
    })
    expect(r.status).toBe('oom')
    expect(r.success).toBe(false)
    expect(r.error_type).toBe('oom')
    expect(r.error).toMatch(/memory limit \(128 MiB\)/)
    expect(r.stdout).toBe('allocating\n')
  }, 90_000)

  it('exit code 137 from the script itself is not oom', async () => {
    const r = await execute(srv.url, { code: py('import sys', 'sys.exit(137)') })
    expect(r.status).toBe('failed')
    expect(r.error_type).toBe('killed')
    expect(r.exit_code).toBe(137)
    expect(r.error).toMatch(/not from the memory limit/)
  })
})

describe('exit codes', () => {
  it('SIGKILL of the script is failed/killed', async () => {
    const r = await execute(srv.url, {
      code: py('import os', 'print("about to die", flush=True)', 'os.kill(os.getpid(), 9)'),
    })
    expect(r.status).toBe('failed')
    expect(r.error_type).toBe('killed')
    expect(r.exit_code).toBe(137)
    expect(r.error).toMatch(/SIGKILL/)
    expect(r.stdout).toBe('about to die\n')
  })

  it('sys.exit(3) is failed/runtime_error with exit code 3', async () => {
    const r = await execute(srv.url, { code: py('import sys', 'print("bye")', 'sys.exit(3)') })
    expect(r.status).toBe('failed')
    expect(r.success).toBe(false)
    expect(r.error_type).toBe('runtime_error')
    expect(r.exit_code).toBe(3)
    expect(r.error).toMatch(/exited with code 3/)
    expect(r.stdout).toBe('bye\n')
  })

  it('sys.exit(0) with stderr output is still succeeded', async () => {
    const r = await execute(srv.url, {
      code: py(
        'import sys',
        'print("Traceback (most recent call last):", file=sys.stderr)',
        'sys.exit(0)',
      ),
    })
    expect(r.status).toBe('succeeded')
    expect(r.error_type).toBeNull()
    expect(r.exit_code).toBe(0)
  })

  it('a script cannot pose as a timeout or oom by its message', async () => {
    const r = await execute(srv.url, {
      code: py(
        'import sys',
        'print("Execution timed out; MemoryError; OOMKilled", file=sys.stderr)',
        'sys.exit(124)',
      ),
    })
    expect(r.status).toBe('failed')
    expect(r.error_type).toBe('runtime_error')
    expect(r.exit_code).toBe(124)
  })
})
