import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  RUN_UID_BASE,
  RUN_UID_SPAN,
  RunUsers,
  fixedUser,
  isRunUid,
} from '../../src/main/engine/run-users'

describe('RunUsers', () => {
  it('hands out a distinct uid:gid from the run range each time', () => {
    const users = new RunUsers([])
    const seen = new Set<number>()
    for (let i = 0; i < 1000; i++) {
      const u = users.next()
      expect(isRunUid(u.uid)).toBe(true)
      expect(u.gid).toBe(u.uid)
      seen.add(u.uid)
    }
    expect(seen.size).toBe(1000)
  })

  it('skips ids the host account files use, and wraps within the range', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-users-'))
    const passwd = path.join(dir, 'passwd')
    const group = path.join(dir, 'group')
    const top = RUN_UID_BASE + RUN_UID_SPAN - 1
    fs.writeFileSync(passwd, `root:x:0:0::/root:/bin/sh\nodd:x:${top}:${top}::/:/bin/false\n`)
    fs.writeFileSync(group, `grp:x:${RUN_UID_BASE}:\n`)
    const users = new RunUsers([passwd, group, path.join(dir, 'missing')], RUN_UID_SPAN - 2)
    expect(users.next().uid).toBe(top - 1)
    expect(users.next().uid).toBe(RUN_UID_BASE + 1)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('the real host has no account in the range', () => {
    for (const file of ['/etc/passwd', '/etc/group']) {
      const ids = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => Number(l.split(':')[2]))
      expect(ids.filter(isRunUid)).toEqual([])
    }
  })

  it('fixedUser gives the same ids every time', () => {
    const users = fixedUser({ uid: 1234, gid: 99 })
    expect(users.next()).toEqual({ uid: 1234, gid: 99 })
    expect(users.next()).toEqual({ uid: 1234, gid: 99 })
  })
})
