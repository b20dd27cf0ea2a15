import fs from 'node:fs'
import os from 'node:os'

/**
 * Identifies the process that owns a container: host name, pid and (on Linux) the process's start
 * time, so a reused pid is not mistaken for the owner. Two app processes sharing one Docker daemon
 * (the desktop app and `npm run serve`, or parallel test runs) must never reap each other's runs.
 */
export function processStartTime(pid: number): string | null {
  if (process.platform !== 'linux') return null
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces): [0] state, [19] starttime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // A zombie (Z) or dead (X) process is gone, even while its parent has not reaped it yet.
    if (fields[0] === 'Z' || fields[0] === 'X') return null
    return fields[19] ?? null
  } catch {
    return null
  }
}

export function currentOwner(): string {
  return `${os.hostname()}:${process.pid}:${processStartTime(process.pid) ?? '-'}`
}

/** False only when we can tell the owner process is gone; an owner on another host counts as alive. */
export function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false
  const [host, pidText, start] = owner.split(':')
  if (host !== os.hostname()) return true
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (start && start !== '-') return processStartTime(pid) === start
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
