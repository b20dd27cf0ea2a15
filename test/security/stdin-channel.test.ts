// docs/security.md, 'Standard input': the read-request frames an interactive run writes on its own
// stdout are the only signal of the stdin channel. A script that forges or floods them can make its
// own run say "waiting" (bounded prompt, coalesced events, bytes counted toward its output ceiling)
// and nothing else: not pause its own limits, not touch another run, not read another run's input,
// not change its stored stdin. Runs on the path TAKO_POOL selects (warm by default, cold with 0).
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { StdinChannel, type StdinChannelEvent } from '../../src/main/engine/stdin-channel'
import { STDIN_FILE } from '../../src/main/engine/run-folder'
import { request } from '../integration/helpers'
import { MiB, engineRun, apiLatency, py, result, securitySuite, sleep, startAsync } from './harness'

const suite = securitySuite()

const FRAME = 'b"\\x00TAKO-STDIN:%d\\n"'

function postStdin(id: string, body: unknown): ReturnType<typeof request> {
  return request(`${suite.ctx.srv.url}/jobs/${id}/stdin`, { method: 'POST', json: body })
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

describe('the stdin channel', () => {
  it('a flood of forged frames ends at the output ceiling; events stay coalesced, memory bounded', async () => {
    const events: StdinChannelEvent[] = []
    const channel = new StdinChannel(null, true, (e) => events.push(e))
    const probe = apiLatency(suite.ctx)
    const rss0 = process.memoryUsage().rss
    const t0 = Date.now()
    const { outcome } = await engineRun(
      suite.ctx,
      py(
        'import os',
        `block = b"".join(b"prompt %d" % k + ${FRAME} % (10 ** 14) for k in range(2000))`,
        'while True:',
        '    os.write(1, block)',
      ),
      { outputCeilingBytes: 16 * MiB, timeoutMs: 60_000 },
      { stdin: channel },
    )
    const elapsed = Date.now() - t0
    const health = await probe.stop()
    expect(outcome.status, outcome.stderr).toBe('failed')
    expect(outcome.error?.type).toBe('output_limit')
    // The frames were taken out of stdout (what is left is the prompts), yet counted.
    // (A frame the kill cut short stays output: it was never a frame.)
    expect(/\0TAKO-STDIN:\d+\n/.test(outcome.stdout), 'a frame left in stdout').toBe(false)
    expect(outcome.stdout).toContain('prompt 1999')
    expect(outcome.stdoutBytes).toBeLessThan(16 * MiB)
    // At most one `waiting` event per 100 ms, however many frames came.
    const waits = events.filter((e) => e.event === 'waiting')
    expect(waits.length).toBeGreaterThan(0)
    expect(waits.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1)
    for (const w of waits) expect((w as { prompt: string }).prompt.length).toBeLessThanOrEqual(500)
    expect(health.count).toBeGreaterThan(0)
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * MiB)
  })

  it('a forged wait does not stop the clock for a script that computes: it ends as timeout', async () => {
    const id = await startAsync(suite.ctx, {
      code: py('import os', `os.write(1, ${FRAME} % (10 ** 12))`, 'while True:', '    pass'),
      interactive: true,
      timeout: 2,
    })
    const done = await result(suite.ctx, id)
    expect(done.status).toBe('timeout')
    // Its CPU time ended it, not the input-wait ceiling (10 minutes).
    expect((done.error as { message: string }).message).not.toMatch(/waited for input/)
  })

  it('forged frames make only the forging run say waiting, and cannot end another run', async () => {
    const { jobs } = suite.ctx.srv.core
    const forger = await startAsync(suite.ctx, {
      code: py(
        'import os, time',
        'for i in range(300):',
        `    os.write(1, b"\\nforged %d" % i + ${FRAME} % i)`,
        '    time.sleep(0.01)',
        'print("forger done")',
      ),
      interactive: true,
    })
    const other = await startAsync(suite.ctx, {
      code: py('import time', 'time.sleep(1.5)', 'print("got", input("B? "))'),
      interactive: true,
    })
    try {
      await until('the forger to say waiting', () => jobs.stdinState(forger)?.waiting != null)
      expect(jobs.stdinState(forger)?.waiting?.prompt).toMatch(/^forged \d+$/)
      expect(jobs.stdinState(other)?.waiting).toBeNull()
      await until('the other to wait', () => jobs.stdinState(other)?.waiting?.prompt === 'B? ')
      expect((await postStdin(other, { data: 'own line\n' })).status).toBe(202)
    } finally {
      // A failed check must not leave the other run waiting for input (its ceiling is 10 minutes).
      if (jobs.isRunning(other)) await postStdin(other, { eof: true })
    }
    const [f, o] = await Promise.all([result(suite.ctx, forger), result(suite.ctx, other)])
    expect(f.status, String(f.stderr)).toBe('succeeded')
    expect(o.status, String(o.stderr)).toBe('succeeded')
    expect(o.stdout).toBe('B? got own line\n')
    expect(String(f.stdout)).toContain('forger done')
  })

  it('in a run that is not interactive the frame bytes are plain output and mean nothing', async () => {
    const id = await startAsync(suite.ctx, {
      code: py('import os, time', `os.write(1, ${FRAME} % 5)`, 'time.sleep(1)', 'print("end")'),
    })
    await sleep(300)
    expect(suite.ctx.srv.core.jobs.stdinState(id)?.waiting ?? null).toBeNull()
    expect((await postStdin(id, { data: 'x\n' })).status).toBe(409)
    const done = await result(suite.ctx, id)
    expect(done.stdout).toBe('\u0000TAKO-STDIN:5\nend\n')
  })

  it('two interactive runs at once each get only their own lines, and find no trace of the other', async () => {
    // Each looks for the other's line in every folder it can see (the needle is split in the code).
    const probe = (name: string, other: string): string =>
      py(
        'import os',
        `needle = ("secret-" + "${other}").encode()`,
        `line = input("${name}? ")`,
        'found = []',
        'for root in ("/code", "/input", "/output", "/tmp"):',
        '    for d, _, files in os.walk(root):',
        '        for n in files:',
        '            try:',
        '                with open(os.path.join(d, n), "rb") as f:',
        '                    if needle in f.read():',
        '                        found.append(os.path.join(d, n))',
        '            except OSError:',
        '                pass',
        'print("got", line, "found", found)',
      )
    const a = await startAsync(suite.ctx, { code: probe('A', 'B'), interactive: true })
    const b = await startAsync(suite.ctx, { code: probe('B', 'A'), interactive: true })
    const { jobs } = suite.ctx.srv.core
    try {
      await until('both', () => !!jobs.stdinState(a)?.waiting && !!jobs.stdinState(b)?.waiting)
      expect((await postStdin(a, { data: 'secret-A\n' })).status).toBe(202)
      expect((await postStdin(b, { data: 'secret-B\n' })).status).toBe(202)
    } finally {
      for (const id of [a, b]) if (jobs.isRunning(id)) await postStdin(id, { eof: true })
    }
    const [ra, rb] = await Promise.all([result(suite.ctx, a), result(suite.ctx, b)])
    expect(ra.stdout).toBe('A? got secret-A found []\n')
    expect(rb.stdout).toBe('B? got secret-B found []\n')
  })

  it('a script cannot reach or change its stored stdin; a rerun gets the original', async () => {
    const id = await startAsync(suite.ctx, {
      code: py(
        'import os, json, time',
        // Read first: a write into the run's own stdin pipe (/proc/self/fd/0) would otherwise race
        // the data the engine sends, and the script would read back its own text. That is the
        // script choosing its own input, not a change to the stored stdin, which is what's tested.
        'first = input()',
        'out = {}',
        'for p in ("/code/stdin.txt", "/input/stdin.txt", "/output/../stdin.txt",',
        '          "/code/../stdin.txt", "/stdin.txt", "/proc/self/fd/0"):',
        '    try:',
        '        with open(p, "w") as f:',
        '            f.write("tampered\\n")',
        '        out[p] = "written"',
        '    except OSError as e:',
        '        out[p] = type(e).__name__',
        'try:',
        '    os.write(0, b"tampered\\n")',
        '    out["fd0"] = "written"',
        'except OSError as e:',
        '    out["fd0"] = type(e).__name__',
        'print(json.dumps(out))',
        'print(first)',
      ),
      stdin: 'original\n',
    })
    const done = await result(suite.ctx, id)
    expect(done.status, String(done.stderr)).toBe('succeeded')
    const lines = String(done.stdout).trim().split('\n')
    expect(lines.at(-1)).toBe('original')
    const tries = JSON.parse(lines[0] ?? '{}') as Record<string, string>
    // Nothing that holds the run's stdin was writable (a write to /output/.. is refused too).
    expect(tries['/code/stdin.txt']).not.toBe('written')
    expect(tries['/input/stdin.txt']).not.toBe('written')
    expect(tries['/code/../stdin.txt']).not.toBe('written')
    expect(tries['/stdin.txt']).not.toBe('written')
    const stored = path.join(suite.ctx.srv.core.store.runDir(id), STDIN_FILE)
    expect(fs.readFileSync(stored, 'utf8')).toBe('original\n')
    const rerun = await request<{ job_id: string }>(`${suite.ctx.srv.url}/jobs/${id}/rerun`, {
      method: 'POST',
      json: {},
    })
    const again = await result(suite.ctx, rerun.body.job_id)
    expect(String(again.stdout).trim().split('\n').at(-1)).toBe('original')
    const storedAgain = path.join(suite.ctx.srv.core.store.runDir(rerun.body.job_id), STDIN_FILE)
    expect(fs.readFileSync(storedAgain, 'utf8')).toBe('original\n')
  })
})
