import { LABEL_APP, LABEL_OWNER } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { imageRef } from '../../src/main/environments/catalogue'
import { ownerAlive } from '../../src/main/engine/owner'

/** Integration tests need the real daemon and the `default` image; say how to get them if missing. */
export async function setup(): Promise<void> {
  const client = new DockerContainerClient()
  try {
    await client.ping()
  } catch (err) {
    throw new Error(`Integration tests need a running Docker daemon: ${(err as Error).message}`, {
      cause: err,
    })
  }
  const ref = imageRef('default')
  if (!(await client.imageExists(ref))) {
    throw new Error(`Image ${ref} is missing: run \`npm run environments -- build default\` first`)
  }
}

/**
 * After the whole suite, no container carrying our label may be left by it. By now every process the
 * suite started (test workers, `npm run serve` children) has exited, so a container whose owner is
 * gone is a leak; one owned by a live process (a developer's own server) is not the suite's.
 */
export async function teardown(): Promise<void> {
  const client = new DockerContainerClient()
  const left = (await client.listByLabel(LABEL_APP)).filter(
    (c) => !ownerAlive(c.labels[LABEL_OWNER]),
  )
  if (left.length > 0) {
    for (const c of left) await client.remove(c.id)
    throw new Error(
      `${left.length} container(s) with label ${LABEL_APP} were left after the suite: ${left.map((c) => c.id.slice(0, 12)).join(', ')}`,
    )
  }
}
