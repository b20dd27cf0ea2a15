import { LABEL_APP, LABEL_OWNER, LABEL_SESSION } from './container-spec'
import type { ContainerClient } from './docker-client'
import { ownerAlive } from './owner'

/**
 * Removes containers left by earlier app sessions (a crash, a kill -9, a daemon restart): containers
 * carrying our app label, from another session, whose owner process is gone. Containers without our
 * label, and those of another live app process on this daemon, are never touched. Returns the ids removed.
 */
export async function reapOrphans(
  client: ContainerClient,
  currentSession: string,
  isOwnerAlive: (owner: string | undefined) => boolean = ownerAlive,
): Promise<string[]> {
  const ours = await client.listByLabel(LABEL_APP)
  const stale = ours.filter(
    (c) =>
      c.labels[LABEL_APP] !== undefined &&
      c.labels[LABEL_SESSION] !== currentSession &&
      !isOwnerAlive(c.labels[LABEL_OWNER]),
  )
  const removed: string[] = []
  for (const c of stale) {
    await client.remove(c.id)
    removed.push(c.id)
  }
  // Archive transfer's volumes (see archive-transfer.ts), once their containers are gone.
  for (const v of (await client.listVolumesByLabel?.(LABEL_APP)) ?? []) {
    if (v.labels[LABEL_SESSION] === currentSession || isOwnerAlive(v.labels[LABEL_OWNER])) continue
    await client.removeVolume?.(v.name).catch(() => undefined) // in use: next start-up
  }
  return removed
}
