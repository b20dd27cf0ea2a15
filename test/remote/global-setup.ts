// Global set-up of the `remote` project: starts the daemon TAKO_REMOTE names (`tls`: a second dockerd
// with TLS; `podman`: Podman's API service; `ssh`: a private sshd in front of this machine's main
// dockerd, see ssh-daemon.ts), copies the default image into it (not for ssh), points the engine at
// it (through `inject('remoteEnv')`, applied by env-setup.ts in each test file), and watches its
// container events: every container created there is inspected while it exists, and with the archive
// transfer (tcp; or TAKO_TRANSFER=archive) none may have a bind mount. The daemon, its data and
// its bridge are removed at the end, whatever happened.
import Docker from 'dockerode'
import type { TestProject } from 'vitest/node'
import { endpointForHost } from '../../src/main/engine/docker-connection'
import { resolveDockerEndpoint, transferFor } from '../../src/main/engine/docker-endpoint'
import { imageRef } from '../../src/main/environments/catalogue'
import * as integration from '../integration/global-setup'
import { startPodman, startTlsDockerd, type RemoteDaemon } from './daemons'
import { ownedByThisRun, startSshd, type SshFixture } from './ssh-daemon'

declare module 'vitest' {
  export interface ProvidedContext {
    remoteEnv: Record<string, string>
    remoteKind: 'tls' | 'podman' | 'ssh'
    /** The ssh pass's sshd and client homes (null in the other passes). */
    remoteSsh: SshFixture | null
    /** The TLS daemon's client certificate folders (empty strings for Podman). */
    remoteCerts: {
      good: string
      wrongClient: string
      untrustedServer: string
      mismatchedKey: string
    }
  }
}

interface Seen {
  created: string[]
  inspected: string[]
  bound: { id: string; mounts: string[] }[]
  missed: { id: string; why: string }[]
}

/**
 * Inspects each container as its `create` event arrives; returns what it saw and a stop function.
 * `mine` keeps only this run's containers (the ssh pass shares the main daemon with others).
 */
async function watchCreates(
  docker: Docker,
  mine: (labels: Record<string, string>) => boolean = () => true,
): Promise<{ seen: Seen; stop: () => Promise<void> }> {
  const seen: Seen = { created: [], inspected: [], bound: [], missed: [] }
  const pending = new Set<Promise<void>>()
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['create'] },
  })) as NodeJS.ReadableStream & { destroy(): void }
  let buffer = ''
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    let nl: number
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim()
      buffer = buffer.slice(nl + 1)
      if (!line) continue
      const event = JSON.parse(line) as {
        Actor?: { ID?: string; Attributes?: Record<string, string> }
      }
      const id = event.Actor?.ID ?? ''
      if (!mine(event.Actor?.Attributes ?? {})) continue
      seen.created.push(id)
      const p = docker
        .getContainer(id)
        .inspect()
        .then((info) => {
          seen.inspected.push(id)
          // Podman lists named volumes in Binds too (`name:/code:rw,…`): only a host path is a bind.
          const binds = (info.HostConfig?.Binds ?? [])
            .filter((b) => b.startsWith('/'))
            .map((b) => `bind ${b}`)
          const mounts = (info.Mounts ?? [])
            .filter((m) => m.Type === 'bind')
            .map((m) => `bind mount ${m.Source} -> ${m.Destination}`)
          if (binds.length + mounts.length > 0)
            seen.bound.push({ id, mounts: [...binds, ...mounts] })
        })
        .catch((err: Error) => void seen.missed.push({ id, why: err.message }))
        .finally(() => pending.delete(p))
      pending.add(p)
    }
  })
  return {
    seen,
    stop: async () => {
      await Promise.all([...pending])
      stream.destroy()
    },
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind =
    process.env.TAKO_REMOTE === 'podman' || process.env.TAKO_REMOTE === 'ssh'
      ? process.env.TAKO_REMOTE
      : 'tls'
  const image = imageRef('default')
  const started = Date.now()
  // ssh: this machine's main dockerd behind a private sshd (no image to copy).
  const sshd = kind === 'ssh' ? await startSshd() : null
  const daemon: RemoteDaemon =
    sshd ?? (kind === 'podman' ? await startPodman(image) : await startTlsDockerd(image))
  let watcher: Awaited<ReturnType<typeof watchCreates>> | null = null
  try {
    Object.assign(process.env, daemon.env)
    await integration.setup()
    // ssh: the daemon behind the sshd is this machine's main one; inspecting it through its own
    // socket is quicker than through ssh, so even a run that ends at once is seen before removal.
    watcher = sshd
      ? await watchCreates(
          new Docker(endpointForHost('unix:///var/run/docker.sock', null, 'setting').options),
          ownedByThisRun,
        )
      : await watchCreates(new Docker(resolveDockerEndpoint().options))
  } catch (err) {
    await daemon.stop()
    throw err
  }
  // A unix socket is a daemon on this machine: bind mounts are right there (docs/remote-hosts.md).
  const transfer = transferFor(daemon.env.DOCKER_HOST ?? '', process.env)
  console.log(`[remote] ${kind} daemon ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  project.provide('remoteEnv', daemon.env)
  project.provide('remoteKind', kind)
  project.provide('remoteSsh', sshd?.ssh ?? null)
  const c = daemon.certs
  project.provide('remoteCerts', {
    good: c?.good ?? '',
    wrongClient: c?.wrongClient ?? '',
    untrustedServer: c?.untrustedServer ?? '',
    mismatchedKey: c?.mismatchedKey ?? '',
  })
  return async () => {
    const problems: string[] = []
    try {
      await watcher?.stop()
      await integration.teardown().catch((err: Error) => void problems.push(err.message))
      const seen = watcher?.seen
      if (seen) {
        console.log(
          `[remote] containers created on the ${kind} daemon: ${seen.created.length}, inspected ${seen.inspected.length}, with a bind mount ${seen.bound.length}`,
        )
        if (seen.created.length === 0)
          problems.push('no container was created on the remote daemon')
        if (transfer === 'bind') {
          console.log(`[remote] bind transfer (a socket on this machine): bind mounts not checked`)
        } else if (seen.bound.length > 0) {
          const first = seen.bound[0]
          problems.push(
            `${seen.bound.length} of ${seen.created.length} containers had bind mounts; the first, ` +
              `${first?.id.slice(0, 12)}: ${first?.mounts.join(', ')}`,
          )
        }
        for (const m of seen.missed.slice(0, 5))
          problems.push(`container ${m.id.slice(0, 12)} could not be inspected: ${m.why}`)
      }
    } finally {
      await daemon.stop()
    }
    if (problems.length > 0) throw new Error(problems.join('\n'))
  }
}
