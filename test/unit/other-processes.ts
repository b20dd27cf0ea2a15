// Owner strings ("host:pid:start time") of processes other than this one, for tests of what
// belongs to whom: a live `sleep`, and a shell that has already exited.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import os from 'node:os'
import { processStartTime } from '../../src/main/engine/owner'

const children: ChildProcess[] = []

/** Kills every process liveOther started (a test file calls it in afterAll). */
export function killLiveOthers(): void {
  for (const c of children) c.kill('SIGKILL')
}

/** The owner string of a live process that is not this one. */
export function liveOther(): { owner: string; pid: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' })
  children.push(child)
  const pid = child.pid!
  return { owner: `${os.hostname()}:${pid}:${processStartTime(pid)}`, pid }
}

/** The owner string of a process that has exited. */
export function deadOther(): { owner: string; pid: number } {
  const pid = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim()
  return { owner: `${os.hostname()}:${pid}:123456`, pid: Number(pid) }
}
