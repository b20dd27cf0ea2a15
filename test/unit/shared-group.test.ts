// A non-root app's runs (see docs/security.md, 'One uid per run'): a fresh uid in the app's group,
// the script's commands under umask 002, the hand-back container's spec, and which modes make an
// entry of a group-shared /output one only the run's uid can open up again.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  buildContainerSpec,
  withGroupUmask,
  type SandboxUser,
} from '../../src/main/engine/container-spec'
import { lockOf, measureTree } from '../../src/main/engine/disk-usage'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { RunUsers, isRunUid } from '../../src/main/engine/run-users'

const common = {
  sessionId: 's',
  image: 'tako-vm-desktop/default:x',
  limits: DEFAULT_LIMITS,
}

function coldRun(user: SandboxUser): ReturnType<typeof buildContainerSpec> {
  return buildContainerSpec({
    ...common,
    user,
    runId: 'r',
    codeFile: '/d/main.py',
    inputFile: '/d/input.json',
    outputDir: '/d/artifacts',
  })
}

describe('runs sharing the app group', () => {
  it('each run gets a fresh run uid and the app group', () => {
    const users = new RunUsers([], 0, 4242)
    expect(users.sharedGroup).toBe(true)
    const a = users.next()
    const b = users.next()
    expect(isRunUid(a.uid) && isRunUid(b.uid)).toBe(true)
    expect(a.uid).not.toBe(b.uid)
    expect([a.gid, b.gid, a.sharedGroup]).toEqual([4242, 4242, true])
    expect(new RunUsers([], 0).sharedGroup).toBe(false)
    expect(new RunUsers([], 0).next().sharedGroup).toBeUndefined()
  })

  it('cold and warm scripts run under umask 002; other containers and root-app runs do not', () => {
    const shared = { uid: 2_000_000_001, gid: 4242, sharedGroup: true }
    const cold = coldRun(shared)
    expect(cold.Cmd).toEqual(withGroupUmask(['python3', '-u', '/code/main.py']))
    expect(cold.Cmd?.slice(0, 3)).toEqual(['/bin/sh', '-c', 'umask 002 && exec "$0" "$@"'])
    expect(cold.User).toBe('2000000001:4242')
    const warm = buildContainerSpec({
      ...common,
      user: shared,
      kind: 'warm',
      slotId: 'w',
      codeDir: '/p/code',
      inputDir: '/p/input',
      outputDir: '/p/output',
      preimports: [],
    })
    expect(warm.Cmd?.slice(0, 6)).toEqual([
      '/bin/sh',
      '-c',
      'umask 002 && exec "$0" "$@"',
      'python3',
      '-u',
      '-c',
    ])
    const rootRun = coldRun({ uid: 2_000_000_001, gid: 2_000_000_001 })
    expect(rootRun.Cmd).toEqual(['python3', '-u', '/code/main.py'])
    const probe = buildContainerSpec({
      ...common,
      user: shared,
      kind: 'probe',
      probeId: 'p',
      command: ['python3', '-V'],
    })
    expect(probe.Cmd).toEqual(['python3', '-V'])
  })

  it('the hand-back container mounts only the folder it mends, as the run uid, hardened', () => {
    const spec = buildContainerSpec({
      ...common,
      user: { uid: 2_000_000_001, gid: 4242 },
      kind: 'handback',
      handBackId: 'h',
      outputDir: '/d/artifacts',
      command: ['python3', '-I', '-c', 'pass'],
    })
    const h = spec.HostConfig ?? {}
    expect(spec.User).toBe('2000000001:4242')
    expect(h.Binds).toEqual(['/d/artifacts:/output:rw'])
    expect(h.Mounts).toBeUndefined()
    expect([h.CapDrop, h.ReadonlyRootfs, h.NetworkMode, h.SecurityOpt]).toEqual([
      ['ALL'],
      true,
      'none',
      ['no-new-privileges'],
    ])
    expect(spec.Cmd).toEqual(['python3', '-I', '-c', 'pass'])
    expect(spec.OpenStdin).toBe(false)
  })
})

describe('lockOf', () => {
  const stat = (mode: number, kind: 'dir' | 'file' | 'link'): fs.Stats =>
    ({
      mode,
      isDirectory: () => kind === 'dir',
      isFile: () => kind === 'file',
    }) as fs.Stats

  it('folders need the group rwx and no sticky bit; files the group read and no set-id bit', () => {
    expect(lockOf(stat(0o2775, 'dir'))).toBeNull()
    expect(lockOf(stat(0o2770, 'dir'))).toBeNull()
    expect(lockOf(stat(0o700, 'dir'))).toMatch(/denies/)
    expect(lockOf(stat(0o2755, 'dir'))).toMatch(/denies/)
    expect(lockOf(stat(0o1777, 'dir'))).toMatch(/sticky/)
    expect(lockOf(stat(0o2777, 'dir'))).toMatch(/others write/)
    expect(lockOf(stat(0o664, 'file'))).toBeNull()
    expect(lockOf(stat(0o640, 'file'))).toBeNull()
    expect(lockOf(stat(0o000, 'file'))).toMatch(/denies/)
    expect(lockOf(stat(0o2755, 'file'))).toMatch(/set-id/)
    expect(lockOf(stat(0o4755, 'file'))).toMatch(/set-id/)
    expect(lockOf(stat(0o666, 'file'))).toMatch(/others write/)
    expect(lockOf(stat(0o777, 'link'))).toBeNull()
  })

  it('measureTree names the first entry of another owner that is locked, and only with sharedGroup', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-lock-'))
    fs.mkdirSync(path.join(root, 'a'))
    fs.writeFileSync(path.join(root, 'a', 'f'), 'x')
    fs.chmodSync(path.join(root, 'a', 'f'), 0o2755)
    // This process's own entries are never locked: it can change them itself.
    const all = { bytes: Infinity, entries: Infinity }
    const own = await measureTree(root, all, undefined, { sharedGroup: true })
    expect(own.locked).toBeNull()
    expect(own.entries).toBe(2)
    fs.chownSync(path.join(root, 'a', 'f'), 2_000_000_001, 4242)
    fs.chmodSync(path.join(root, 'a', 'f'), 0o2755) // chown cleared it
    const other = await measureTree(root, all, undefined, { sharedGroup: true })
    expect(other.locked).toMatchObject({ path: 'a/f', uid: 2_000_000_001, gid: 4242 })
    expect(other.locked?.why).toMatch(/set-id/)
    expect((await measureTree(root, all)).locked).toBeNull()
    fs.rmSync(root, { recursive: true, force: true })
  })
})
