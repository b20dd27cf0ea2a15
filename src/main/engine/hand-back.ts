// The hand-back of a non-root app (see docs/security.md, 'One uid per run'): a run's uid owns what
// it wrote to the group-shared /output, so a script can lock the app (a member of the group, not the
// owner) out of it — a folder chmod 0700, a file chmod 000 — or leave a set-gid file of the app's
// group. Only the owner can undo that; this module finds such entries and, when there are any, runs
// a short container as the run's own uid that mends every mode below /output.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { buildContainerSpec, type SandboxUser } from './container-spec'
import { measureTree, type LockedEntry } from './disk-usage'
import { dockerMessage, type ContainerClient } from './docker-client'
import { DEFAULT_LIMITS, LIMIT_BOUNDS } from './limits'
import { isRunUid } from './run-users'
import { MiB } from '../../shared/units'

/**
 * Runs as the run's uid, in the run's image, with only the folder to mend mounted at /output and
 * the hardened flags of every container (no capabilities, no network, read-only root). Folders
 * become 2770, files lose set-id, sticky and group/other write bits and gain group read; links,
 * FIFOs and the like are left alone (the walker removes them: that needs only the folder's
 * modes). It descends one component at a time from a descriptor opened with O_NOFOLLOW and changes
 * modes through /proc/self/fd, so even a live script swapping folders for links (the quota's
 * hand-back) leads it nowhere but into the container's own read-only view. At most argv[1] folders
 * are entered. The app's /output itself is the app's: left as it is.
 */
export const HAND_BACK_SOURCE = String.raw`
import os, stat, sys
P = os.O_PATH | os.O_NOFOLLOW
def fix(name):
    try:
        fd = os.open(name, P)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        m = st.st_mode
        if stat.S_ISDIR(m):
            want = 0o2770
        elif stat.S_ISREG(m):
            want = (m & 0o755) | 0o040
        else:
            return st
        if m & 0o7777 != want:
            try:
                os.chmod('/proc/self/fd/%d' % fd, want)
            except OSError:
                pass
        return st
    finally:
        os.close(fd)
def listing():
    names = []
    try:
        with os.scandir('.') as it:
            for e in it:
                st = fix(e.name)
                if st is not None and stat.S_ISDIR(st.st_mode):
                    names.append(e.name)
    except OSError:
        pass
    return names
def enter(name):
    fd = os.open(name, P | os.O_DIRECTORY)
    try:
        os.fchdir(fd)
    finally:
        os.close(fd)
os.chdir('/output')
budget = int(sys.argv[1])
levels = [listing()]
while levels and budget > 0:
    names = levels[-1]
    if not names:
        levels.pop()
        if levels:
            os.chdir('..')
        continue
    budget -= 1
    try:
        enter(names.pop())
    except OSError:
        continue
    levels.append(listing())
`

/** Folders one hand-back enters at most (a live script could nest without end). */
const MAX_FOLDERS = 1_000_000
const HAND_BACK_TIMEOUT_MS = 120_000
/** Hand-backs one mend may take (each mends everything below the folder it mounts). */
const MAX_MEND_ROUNDS = 4
/**
 * `pids` is also the container's nproc limit, which the kernel counts per uid: a live run's
 * processes count against its hand-back, so it must be above any run's own limit.
 */
const LIMITS = { ...DEFAULT_LIMITS, memoryBytes: 256 * MiB, pids: LIMIT_BOUNDS.pids.max + 16 }

/**
 * The folder a hand-back for `locked` (a path below `dir`) mounts: the deepest folder on the way
 * that the app owns. Everything below it is the run uid's, which it can open as the owner.
 */
function mountFor(dir: string, locked: string): string {
  let at = dir
  let mount = dir
  for (const part of path.dirname(locked).split('/')) {
    if (part === '' || part === '.') continue
    at = path.join(at, part)
    const st = fs.lstatSync(at)
    if (!st.isDirectory()) break
    if (st.uid === process.geteuid?.()) mount = at
  }
  return mount
}

/** The first entry below `dir` that a group-shared app cannot collect or remove as it is. */
export async function findLocked(dir: string): Promise<LockedEntry | null> {
  const all = { bytes: Infinity, entries: Infinity }
  const usage = await measureTree(dir, all, undefined, { sharedGroup: true, stopAtLock: true })
  return usage.locked
}

export interface HandBackOptions {
  client: ContainerClient
  sessionId: string
  log?: (event: string, fields: Record<string, unknown>) => void
}

export class HandBack {
  private readonly running = new Map<string, Promise<void>>()

  constructor(private readonly o: HandBackOptions) {}

  /**
   * What one run needs (null unless it shares the app's group): `unlock` for the quota, which meets
   * a folder it cannot measure while the run goes on; `mend` after the run, before collection.
   */
  forRun(
    user: SandboxUser,
    dir: string,
    image: string,
  ): { unlock: (locked: LockedEntry) => Promise<void>; mend: () => Promise<void> } | null {
    if (!user.sharedGroup) return null
    return { unlock: (locked) => this.run(dir, locked, image), mend: () => this.mend(dir, image) }
  }

  /**
   * Mends `dir` (a run's /output after the run, a run folder being deleted, a deletion's leftover
   * trash) when anything in it is locked; ordinary runs cost one walk of metadata and no container.
   * The script is gone, so the tree holds still: each hand-back mounts the deepest app-owned
   * folder on the way to the locked entry (the run's uid could not pass an app-owned folder the
   * walker left 0700), so one round mends the whole run's tree; a few rounds at most. Waits for a
   * hand-back of the same folder still under way (the quota's) first.
   */
  async mend(dir: string, image: string): Promise<void> {
    await this.running.get(dir)
    try {
      for (let round = 0; round < MAX_MEND_ROUNDS; round++) {
        const locked = await findLocked(dir).catch(() => null)
        if (!locked) return
        await this.run(mountFor(dir, locked.path), locked, image)
      }
    } catch (err) {
      // The walker or the deletion reports what is still out of reach.
      this.o.log?.('handback-failed', { dir, error: String(err) })
    }
  }

  /**
   * One hand-back of `dir` as the owner of `locked`, which must be a run's uid in the app's own
   * group: never the app's uid, never root. Failures are logged, not thrown: the walker and the
   * deletion then report what they still cannot reach.
   */
  run(dir: string, locked: LockedEntry, image: string): Promise<void> {
    const pending = this.running.get(dir)
    if (pending) return pending
    const p = this.handBack(dir, locked, image).finally(() => this.running.delete(dir))
    this.running.set(dir, p)
    return p
  }

  private async handBack(dir: string, locked: LockedEntry, image: string): Promise<void> {
    const log = this.o.log ?? (() => undefined)
    if (!isRunUid(locked.uid) || locked.gid !== process.getegid?.()) {
      log('handback-refused', { dir, path: locked.path, uid: locked.uid, gid: locked.gid })
      return
    }
    const { client } = this.o
    const t0 = performance.now()
    try {
      // The folder mended is the app's (the artifacts folder a walk left 0700): let the group in.
      if (fs.statSync(dir).uid === process.geteuid?.()) fs.chmodSync(dir, 0o2770)
    } catch {
      return // gone
    }
    let id: string | null = null
    let timer: NodeJS.Timeout | undefined
    try {
      id = await client.create(
        buildContainerSpec({
          kind: 'handback',
          handBackId: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
          sessionId: this.o.sessionId,
          image,
          limits: LIMITS,
          user: { uid: locked.uid, gid: locked.gid },
          outputDir: dir,
          command: ['python3', '-I', '-c', HAND_BACK_SOURCE, String(MAX_FOLDERS)],
        }),
      )
      const container = id
      await client.start(container)
      const exitCode = await Promise.race([
        client.wait(container),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), HAND_BACK_TIMEOUT_MS)
        }),
      ])
      log('handback', {
        dir,
        path: locked.path,
        why: locked.why,
        exitCode,
        ms: Math.round(performance.now() - t0),
      })
    } catch (err) {
      log('handback-failed', { dir, error: dockerMessage(err) })
    } finally {
      clearTimeout(timer)
      if (id !== null) await client.remove(id).catch(() => undefined)
    }
  }
}
