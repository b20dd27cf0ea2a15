// One uid per run: per-user kernel limits (here inotify instances) are never shared with another
// run or with a host account. A run that takes every inotify instance its uid may have leaves a
// host process of uid 1000 (the desktop user on a typical Linux) and a concurrent run unharmed.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { isRunUid } from '../../src/main/engine/run-users'
import type { OutputStream } from '../../src/shared/run'
import { engineRun, lastJson, py, securitySuite } from './harness'

const suite = securitySuite()

const INOTIFY_ONE = [
  'import ctypes, json, os',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'fd = libc.inotify_init()',
  'print(json.dumps({"fd": fd, "errno": ctypes.get_errno() if fd < 0 else 0, "uid": os.getuid()}))',
]

describe('one uid per run', () => {
  it('a run that exhausts inotify instances leaves the host user and a concurrent run able to make one', async () => {
    const abort = new AbortController()
    let exhausted: (line: string) => void = () => undefined
    const seen = new Promise<string>((r) => (exhausted = r))
    let text = ''
    const hog = engineRun(
      suite.ctx,
      py(
        'import ctypes, os, sys, time',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'fds = []',
        'while True:',
        '    fd = libc.inotify_init()',
        '    if fd < 0:',
        '        err = ctypes.get_errno()',
        '        break',
        '    fds.append(fd)',
        'print("EXHAUSTED", len(fds), err, os.getuid(), flush=True)',
        'time.sleep(60)',
      ),
      {},
      {
        signal: abort.signal,
        onOutput: (stream: OutputStream, chunk: string) => {
          if (stream !== 'stdout') return
          text += chunk
          const line = /EXHAUSTED .*\n/.exec(text)?.[0]
          if (line) exhausted(line)
        },
      },
    )
    const [, count, errno, hogUid] = (await seen).trim().split(' ').map(Number)
    expect(errno, 'the run took every instance its uid may have (EMFILE)').toBe(24)
    expect(count).toBeGreaterThan(0)

    const host = spawnSync('/usr/bin/python3', ['-c', INOTIFY_ONE.join('\n')], {
      uid: 1000,
      gid: 1000,
      cwd: '/',
      encoding: 'utf8',
    })
    expect(host.status, host.stderr).toBe(0)
    expect(JSON.parse(host.stdout)).toMatchObject({ errno: 0, uid: 1000 })

    const other = await engineRun(suite.ctx, py(...INOTIFY_ONE))
    expect(other.outcome.status, other.outcome.stderr).toBe('succeeded')
    const probe = JSON.parse(other.outcome.stdout) as { fd: number; errno: number; uid: number }
    expect(probe.errno).toBe(0)
    expect(probe.fd).toBeGreaterThanOrEqual(0)
    expect(probe.uid).not.toBe(hogUid)
    expect(isRunUid(hogUid), `uid ${hogUid}`).toBe(true)

    abort.abort()
    expect((await hog).outcome.status).toBe('cancelled')
  })

  it('two concurrent runs see different uids, both from the run range', async () => {
    const code = py(
      'import json, os, time',
      'time.sleep(1)',
      'print(json.dumps({"uid": os.getuid(), "gid": os.getgid()}))',
    )
    const [a, b] = await Promise.all([engineRun(suite.ctx, code), engineRun(suite.ctx, code)])
    for (const r of [a, b]) expect(r.outcome.status, r.outcome.stderr).toBe('succeeded')
    const ua = lastJson<{ uid: number; gid: number }>({ stdout: a.outcome.stdout } as never)
    const ub = lastJson<{ uid: number; gid: number }>({ stdout: b.outcome.stdout } as never)
    expect(isRunUid(ua.uid) && isRunUid(ub.uid), `${ua.uid} ${ub.uid}`).toBe(true)
    expect(ua.uid).not.toBe(ub.uid)
    expect(ua.gid).toBe(ua.uid)
    expect(ub.gid).toBe(ub.uid)
  })
})
