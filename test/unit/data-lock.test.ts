// The data folder's lock, with real files and real processes (a live `sleep`, an exited child).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { acquireDataLock, DataFolderBusyError, LOCK_FILE } from '../../src/main/store/data-lock'
import { deadOther, killLiveOthers, liveOther } from './other-processes'

afterAll(killLiveOthers)

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-lock-'))
}

function writeHolder(dir: string, owner: string, pid: number): void {
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ owner, pid, host: os.hostname(), startedAt: 'then', command: 'node serve' }),
  )
}

describe('acquireDataLock', () => {
  it('creates the lock file naming this process, and release removes it', () => {
    const dir = tempDir()
    const lock = acquireDataLock(dir)
    const held = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as {
      pid: number
      host: string
    }
    expect(held).toMatchObject({ pid: process.pid, host: os.hostname() })
    lock.release()
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false)
    lock.release()
  })

  it('refuses a folder whose lock a live process holds, naming that process and the folder, and leaves its lock', () => {
    const dir = tempDir()
    const other = liveOther()
    writeHolder(dir, other.owner, other.pid)
    const before = fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')
    let error: unknown
    try {
      acquireDataLock(dir)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(DataFolderBusyError)
    expect((error as Error).message).toContain(`pid ${other.pid}`)
    expect((error as Error).message).toContain(dir)
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(before)
  })

  it('takes over a lock whose owner is dead, or whose content is torn', () => {
    for (const content of ['dead', '', '{"owner":', 'not json']) {
      const dir = tempDir()
      if (content === 'dead') {
        const dead = deadOther()
        writeHolder(dir, dead.owner, dead.pid)
      } else fs.writeFileSync(path.join(dir, LOCK_FILE), content)
      const lock = acquireDataLock(dir)
      const held = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as {
        pid: number
      }
      expect(held.pid, content).toBe(process.pid)
      lock.release()
      expect(fs.readdirSync(dir), content).toEqual([])
    }
  })

  it('release leaves a lock that is no longer ours', () => {
    const dir = tempDir()
    const lock = acquireDataLock(dir)
    const other = liveOther()
    writeHolder(dir, other.owner, other.pid)
    lock.release()
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true)
  })
})
