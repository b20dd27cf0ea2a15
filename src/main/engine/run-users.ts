import fs from 'node:fs'
import { randomInt } from 'node:crypto'
import { sandboxUser, type SandboxUser } from './container-spec'

/** Where each run's uid:gid comes from. */
export interface SandboxUsers {
  next(): SandboxUser
  /** Every run shares the app's group (a non-root app on Linux; see `defaultUsers`). */
  readonly sharedGroup?: boolean
}

/**
 * Run uids are taken from [RUN_UID_BASE, RUN_UID_BASE + RUN_UID_SPAN): above every range a Linux
 * system hands out (useradd: below 60000; systemd's dynamic users 61184–65519 and container ranges
 * 524288–1879048191) and below 2^31, which some tools treat as signed. Checked against the host's
 * account files at start-up. See docs/security.md, 'One uid per run'.
 */
export const RUN_UID_BASE = 2_000_000_000
export const RUN_UID_SPAN = 100_000_000

export function isRunUid(id: number): boolean {
  return Number.isInteger(id) && id >= RUN_UID_BASE && id < RUN_UID_BASE + RUN_UID_SPAN
}

/** Numeric ids named in passwd/group-style files (third field), ignoring unreadable files. */
function idsIn(files: readonly string[]): Set<number> {
  const ids = new Set<number>()
  for (const file of files) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n')) {
      const id = Number(line.split(':')[2])
      if (Number.isInteger(id)) ids.add(id)
    }
  }
  return ids
}

/**
 * A uid:gid of its own for every run and every warm container, so per-user kernel limits (inotify
 * instances, pending signals, message queues, the pids of a user) are never shared with another run
 * or with an account of the host. Ids are handed out from a random point of the range onwards (two
 * app processes on one daemon are unlikely to meet), skipping any id the host's account files use.
 */
export class RunUsers implements SandboxUsers {
  private readonly taken: Set<number>
  private offset: number

  /**
   * `sharedGid`: every run's group is this one (the non-root app's own), not a fresh one; see
   * `defaultUsers`.
   */
  constructor(
    accountFiles: readonly string[] = ['/etc/passwd', '/etc/group'],
    start: number = randomInt(0, RUN_UID_SPAN),
    private readonly sharedGid: number | null = null,
  ) {
    this.taken = idsIn(accountFiles)
    this.offset = start
  }

  get sharedGroup(): boolean {
    return this.sharedGid !== null
  }

  next(): SandboxUser {
    for (;;) {
      const id = RUN_UID_BASE + (this.offset % RUN_UID_SPAN)
      this.offset = (this.offset + 1) % RUN_UID_SPAN
      if (this.taken.has(id)) continue
      return this.sharedGid === null
        ? { uid: id, gid: id }
        : { uid: id, gid: this.sharedGid, sharedGroup: true }
    }
  }
}

/** The same uid:gid for every run. */
export function fixedUser(user: SandboxUser): SandboxUsers {
  return { next: () => ({ ...user }) }
}

/**
 * The uids for this process's runs: one uid per run everywhere. Root on Linux (and Docker Desktop,
 * whose file sharing maps any uid to the user): the run's /output is handed to its uid with chown.
 * A non-root app on Linux cannot chown; its runs share its own group instead (uid fresh, gid the
 * app's, /output the app's with mode 2770, umask 002 in the container), and what a script locks
 * away is handed back by hand-back.ts (see docs/security.md, 'One uid per run'). Only an app whose
 * own group is root's keeps its own uid for every run: no run may have group 0.
 */
export function defaultUsers(): SandboxUsers {
  const uid = process.geteuid?.() ?? 0
  if (process.platform !== 'linux' || uid === 0) return new RunUsers()
  const gid = process.getegid?.() ?? 0
  return gid === 0 ? fixedUser(sandboxUser()) : new RunUsers(undefined, undefined, gid)
}
