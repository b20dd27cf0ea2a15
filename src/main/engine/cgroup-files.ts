import fs from 'node:fs'
import path from 'node:path'

/**
 * The host's cgroup files for one cgroup, v1 (one hierarchy per controller) or v2 (one unified
 * tree). Only what resource use needs: memory peak and current use, CPU time, task counts. Every
 * reader answers null when the file is missing or unreadable (another runtime, a remote daemon, a
 * cgroup already removed); nothing here throws. The root is a parameter so tests use a fake tree
 * (see docs/run-contract.md, 'Resource use').
 */
export interface CgroupLayout {
  version: 1 | 2
  /** Where the hierarchies are mounted, normally /sys/fs/cgroup. */
  root: string
}

export const CGROUP_ROOT = '/sys/fs/cgroup'

/** v2 when the unified tree is mounted at the root, v1 when the memory hierarchy is; else null. */
export function detectLayout(root = CGROUP_ROOT): CgroupLayout | null {
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return { version: 2, root }
  if (fs.existsSync(path.join(root, 'memory', 'memory.usage_in_bytes'))) return { version: 1, root }
  return null
}

/**
 * The cgroup a process is in, relative to the hierarchy root, from `/proc/<pid>/cgroup`: the memory
 * line on v1, the `0::` line on v2. Null when the process is gone.
 */
export function cgroupOfPid(layout: CgroupLayout, pid: number, proc = '/proc'): string | null {
  let text: string
  try {
    text = fs.readFileSync(path.join(proc, String(pid), 'cgroup'), 'utf8')
  } catch {
    return null
  }
  for (const line of text.split('\n')) {
    const [, controllers, rel] = line.split(':')
    if (rel === undefined) continue
    const wanted =
      layout.version === 2 ? controllers === '' : controllers.split(',').includes('memory')
    if (wanted) return rel.replace(/^\/+/, '')
  }
  return null
}

function readNumber(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim())
    return Number.isFinite(n) ? n : null
  } catch {
    return null
  }
}

function readKey(file: string, key: string): number | null {
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.split(' ')
      if (k === key) {
        const n = Number(v)
        return Number.isFinite(n) ? n : null
      }
    }
  } catch {
    // missing or unreadable
  }
  return null
}

/** One cgroup's files, by its path relative to the hierarchy root (e.g. `docker/<id>`). */
export class CgroupDir {
  constructor(
    readonly layout: CgroupLayout,
    readonly rel: string,
  ) {}

  /** The folder of this cgroup in the hierarchy of `controller` (v1), or in the unified tree. */
  private dir(controller: string): string {
    return this.layout.version === 2
      ? path.join(this.layout.root, this.rel)
      : path.join(this.layout.root, controller, this.rel)
  }

  private file(controller: string, v1: string, v2: string): string {
    return path.join(this.dir(controller), this.layout.version === 2 ? v2 : v1)
  }

  exists(): boolean {
    return fs.existsSync(this.dir('memory'))
  }

  /** Highest memory use since the cgroup was made or the peak was last reset, bytes. */
  memoryPeak(): number | null {
    return readNumber(this.file('memory', 'memory.max_usage_in_bytes', 'memory.peak'))
  }

  memoryCurrent(): number | null {
    return readNumber(this.file('memory', 'memory.usage_in_bytes', 'memory.current'))
  }

  /**
   * Starts a fresh peak at the current use. v1: writing 0 to `memory.max_usage_in_bytes` (root
   * only). v2 resets `memory.peak` only for the descriptor that wrote it, so the window keeps that
   * descriptor and reads through it. Null when the peak cannot be reset (no permission, an old
   * kernel): the caller then separates the peak another way.
   */
  openPeakWindow(): PeakWindow | null {
    const file = this.file('memory', 'memory.max_usage_in_bytes', 'memory.peak')
    if (this.layout.version === 1) {
      try {
        fs.writeFileSync(file, '0')
      } catch {
        return null
      }
      return { read: () => readNumber(file), close: () => undefined }
    }
    let fd: number
    try {
      fd = fs.openSync(file, 'r+')
      fs.writeSync(fd, 'reset\n')
    } catch {
      return null
    }
    let open = true
    return {
      read: () => {
        if (!open) return null
        try {
          const buf = Buffer.alloc(32)
          const n = fs.readSync(fd, buf, 0, buf.length, 0)
          const v = Number(buf.subarray(0, n).toString('utf8').trim())
          return Number.isFinite(v) ? v : null
        } catch {
          return null
        }
      },
      close: () => {
        if (open) fs.closeSync(fd)
        open = false
      },
    }
  }

  /** CPU time (user + system) of every task in the cgroup, nanoseconds. */
  cpuNs(): number | null {
    if (this.layout.version === 2) {
      const usec = readKey(path.join(this.dir('cpu'), 'cpu.stat'), 'usage_usec')
      return usec === null ? null : usec * 1000
    }
    return readNumber(path.join(this.dir('cpuacct'), 'cpuacct.usage'))
  }

  pidsCurrent(): number | null {
    return readNumber(path.join(this.dir('pids'), 'pids.current'))
  }

  /** Highest task count the kernel saw (newer kernels only; it cannot be reset). */
  pidsPeak(): number | null {
    return readNumber(path.join(this.dir('pids'), 'pids.peak'))
  }

  /**
   * Removes this (empty) cgroup from every hierarchy it was made in. False when one of them is
   * still busy (its container's own cgroup not removed yet): call again later.
   */
  remove(): boolean {
    const dirs =
      this.layout.version === 2
        ? [this.dir('')]
        : subfolders(this.layout.root).map((h) => path.join(this.layout.root, h, this.rel))
    // v1: every hierarchy it was made in (memory, cpuacct, pids, systemd, …).
    let done = true
    for (const dir of dirs) {
      try {
        fs.rmdirSync(dir)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') done = false
      }
    }
    return done
  }
}

/** A peak that started at `openPeakWindow()`; `read()` is null once unreadable. */
export interface PeakWindow {
  read(): number | null
  close(): void
}

/** Names of the folders directly in `dir` (links skipped); none when it cannot be read. */
function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
  } catch {
    return []
  }
}

/** Names of the folders directly below `rel` in the memory hierarchy (v1) or the unified tree. */
export function listChildren(layout: CgroupLayout, rel: string): string[] {
  return subfolders(
    layout.version === 2 ? path.join(layout.root, rel) : path.join(layout.root, 'memory', rel),
  )
}

/** Whether this process may make, reset and remove cgroups under the root (root, normally). */
export function cgroupsWritable(layout: CgroupLayout): boolean {
  try {
    fs.accessSync(
      layout.version === 2 ? layout.root : path.join(layout.root, 'memory'),
      fs.constants.W_OK,
    )
    return true
  } catch {
    return false
  }
}
