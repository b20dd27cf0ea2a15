import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { currentOwner, ownerAlive } from '../engine/owner'

/** The lock file inside a data folder: one server (app or `npm run serve`) per folder. */
export const LOCK_FILE = 'tako.lock'
/** Held for a moment only, while a stale lock is replaced, so two starters cannot both replace it. */
const BREAK_FILE = 'tako.lock.break'

export interface LockHolder {
  /** `host:pid:start-time`, as `currentOwner()` writes it. */
  owner: string
  pid: number
  host: string
  startedAt: string
  command: string
}

export class DataFolderBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The data folder ${dataDir} is in use by another Tako VM Desktop process ` +
        `(pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}: ${holder.command}). ` +
        'Stop that process first, or use another data folder (TAKO_DATA_DIR).',
    )
    this.name = 'DataFolderBusyError'
  }
}

export interface DataLock {
  readonly file: string
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): void
}

/** The holder written in a lock file; null when it is gone or holds no owner. */
function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>
    return typeof parsed.owner === 'string' ? (parsed as LockHolder) : null
  } catch {
    return null
  }
}

/**
 * Creates `file` with `content` only if it does not exist; false when it does. The content is
 * written to a temporary file first and linked into place (link fails with EEXIST like O_EXCL), so
 * a reader never sees a lock file without its owner in it.
 */
function createExclusive(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const fd = fs.openSync(tmp, 'wx', 0o644)
  try {
    fs.writeSync(fd, content)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.linkSync(tmp, file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    fs.rmSync(tmp, { force: true })
  }
}

/**
 * Replaces a lock whose owner is gone. Under the break file, so two processes that both found the
 * same stale lock cannot both remove it (the second would remove the first's fresh lock).
 */
function breakStaleLock(dir: string, file: string, stale: string, me: string): void {
  const breakFile = path.join(dir, BREAK_FILE)
  if (!createExclusive(breakFile, JSON.stringify({ owner: me }))) {
    // Another starter is replacing it right now, or died doing so (then its break file is stale).
    const breaker = readHolder(breakFile)
    if (breaker && !ownerAlive(breaker.owner)) fs.rmSync(breakFile, { force: true })
    return
  }
  try {
    let current: string | null = null
    try {
      current = fs.readFileSync(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (current === stale) fs.rmSync(file, { force: true })
  } finally {
    fs.rmSync(breakFile, { force: true })
  }
}

/**
 * Takes the data folder's lock: an exclusive file (O_EXCL) holding this process's owner, pid, host,
 * start time and command. A lock whose owner is dead (a crash, kill -9) is stale and taken over; a
 * live owner's lock throws DataFolderBusyError naming it. Released on process exit.
 */
export function acquireDataLock(dataDir: string): DataLock {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, LOCK_FILE)
  const me = currentOwner()
  const holder: LockHolder = {
    owner: me,
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.map((a) => path.basename(a)).join(' '),
  }
  const content = JSON.stringify(holder)
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(file, content)) break
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    let other: LockHolder | null
    try {
      other = JSON.parse(text) as LockHolder
    } catch {
      other = null
    }
    if (other?.owner === me) break
    if (other && typeof other.owner === 'string' && ownerAlive(other.owner)) {
      throw new DataFolderBusyError(dataDir, other)
    }
    if (attempt >= 5) {
      throw new Error(`could not take the lock ${file}: it keeps changing; try again`)
    }
    breakStaleLock(dataDir, file, text, me)
    // Give a concurrent starter a moment to finish replacing it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * (attempt + 1))
  }
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    process.off('exit', release)
    try {
      if (fs.readFileSync(file, 'utf8') === content) fs.rmSync(file, { force: true })
    } catch {
      // Already gone.
    }
  }
  process.on('exit', release)
  return { file, release }
}
