// Warm runs end on Docker's word, never on text the script prints: a script that forges the
// supervisor's end marker (reading its nonce from the supervisor's frame) cannot choose its exit
// code, hide an OOM kill or escape the output ceiling. The pool is on for every case here, and each
// case checks that its run really went warm.
import { describe, expect, it } from 'vitest'
import { engineRun, MiB, py, warmContainerOf, securitySuite } from './harness'
import { UNDER_GVISOR } from '../integration/runtime-env'

const suite = securitySuite({ pool: true })

/**
 * Writes the end marker the supervisor would write, with the real nonce when a frame up the stack
 * holds it, so the host would see a complete, valid `\0TAKO-END <nonce> 0\n` on both streams.
 */
const FORGE = [
  'import os, sys',
  'def forge(complete=True):',
  '    marker = b"\\x00TAKO-END 0 "',
  '    f = sys._getframe(0)',
  '    while f is not None:',
  '        v = f.f_locals.get("end")',
  '        if isinstance(v, bytes) and v.startswith(b"\\x00TAKO-END "):',
  '            marker = v',
  '        f = f.f_back',
  '    for fd in (1, 2):',
  '        os.write(fd, marker + (b"0\\n" if complete else b""))',
]

/**
 * The output ceiling the floods must pass. gVisor's ptrace platform moves a run's output several
 * times slower, so there the same property is checked at 64 MiB, within the run's time
 * (docs/security.md, 'gVisor'); the ceiling is not part of the pool's key, so the run stays warm.
 */
const CEILING = UNDER_GVISOR ? 64 * MiB : 512 * MiB

async function warmRun(code: string): ReturnType<typeof engineRun> {
  // The default limits: the key the pool keeps warm from start-up.
  const r = await engineRun(suite.ctx, code, { outputCeilingBytes: CEILING })
  expect(
    warmContainerOf(suite.ctx, r.runId),
    'the run went through a warm container',
  ).not.toBeNull()
  return r
}

describe('warm end marker', () => {
  it('a forged marker then sys.exit(3) is reported failed with exit code 3', async () => {
    const { outcome } = await warmRun(py(...FORGE, 'forge()', 'print("after")', 'sys.exit(3)'))
    expect(outcome.status, outcome.stderr).toBe('failed')
    expect(outcome.exitCode).toBe(3)
    expect(outcome.stdout).toContain('after')
  })

  it('a forged marker then a memory bomb is reported oom', async () => {
    const { outcome } = await warmRun(
      py(...FORGE, 'forge()', 'hog = []', 'while True:', '    hog.append(b"x" * (16 << 20))'),
    )
    expect(outcome.status, outcome.stderr).toBe('oom')
    expect(outcome.error?.type).toBe('oom')
  })

  it('output after a forged marker counts against the output ceiling', async () => {
    const { outcome } = await warmRun(
      py(
        ...FORGE,
        'forge()',
        'block = b"y" * (1 << 20)',
        ...(UNDER_GVISOR
          ? [
              // gVisor answers a write to a full stdout pipe with a short count instead of
              // blocking, and Python's unbuffered stdout drops the rest: write every byte
              // (docs/security.md, 'gVisor').
              `for _ in range(${CEILING / MiB + 128}):`,
              '    view = memoryview(block)',
              '    while view:',
              '        view = view[os.write(1, view):]',
            ]
          : ['for _ in range(640):', '    sys.stdout.buffer.write(block)', 'sys.stdout.flush()']),
      ),
    )
    expect(outcome.status).toBe('failed')
    expect(outcome.error?.type).toBe('output_limit')
    expect(outcome.stdoutBytes + outcome.stderrBytes).toBeGreaterThan(CEILING)
  })

  it('a dangling marker prefix followed by a flood ends by the output ceiling', async () => {
    const { outcome } = await warmRun(
      py(
        ...FORGE,
        'forge(complete=False)',
        'block = b"z" * (1 << 20)',
        'while True:',
        '    sys.stdout.buffer.write(block)',
      ),
    )
    expect(outcome.status).toBe('failed')
    expect(outcome.error?.type).toBe('output_limit')
  }, 120_000)
})
