// What Docker's answers mean for a run that did not end by itself: an OOM kill, the daemon stopping
// the container on its way down, or a failure outside the script (see docs/run-contract.md).
import {
  DockerUnavailableError,
  dockerMessage,
  dockerStatusCode,
  type ContainerClient,
} from './docker-client'
import { InfraFailure } from './outcome'

type Log = (event: string, fields: Record<string, unknown>) => void

/** Whether Docker says the container was OOM-killed (false when it cannot tell). */
export async function wasOomKilled(
  client: ContainerClient,
  log: Log,
  runId: string,
  containerId: string,
): Promise<boolean> {
  try {
    return (await client.inspect(containerId)).oomKilled
  } catch (err) {
    log('inspect-failed', { runId, error: dockerMessage(err) })
    return false
  }
}

/**
 * A signal we did not send (SIGTERM/SIGKILL) while the daemon goes away means Docker stopped the
 * container on its way down (e.g. `systemctl stop docker`), not the script: the message to report,
 * or null. A daemon on its way down first stops the containers with SIGTERM and only then closes
 * its socket, so an unexplained exit 143 is watched for a few seconds.
 */
export async function daemonStoppedIt(
  client: ContainerClient,
  code: number,
  oom: boolean,
  hostStopped: boolean,
): Promise<string | null> {
  if ((code !== 143 && code !== 137) || oom || hostStopped) return null
  if (await daemonStaysUp(client, code === 143 ? 3_000 : 0)) return null
  return `Docker stopped during the run (the container was stopped with exit code ${code}); start Docker again and rerun`
}

/** What a failure outside the script (Docker down or refusing, our own bug) means for the run. */
export function infraFailure(err: unknown, runId: string, log: Log): InfraFailure {
  if (err instanceof DockerUnavailableError) {
    return new InfraFailure({
      type: 'service_unavailable',
      message: err.message,
      phase: 'startup',
    })
  }
  log('internal-error', { runId, error: String(err) })
  if (dockerStatusCode(err) !== undefined) {
    return new InfraFailure({
      type: 'service_unavailable',
      message: `Docker refused the run: ${dockerMessage(err)}`,
      phase: 'startup',
    })
  }
  return new InfraFailure({
    type: 'internal_error',
    message: `Internal error: ${(err as Error).message ?? String(err)}`,
    phase: null,
  })
}

/** Whether Docker keeps answering for `watchMs` (0: one ping). */
const PING_PATIENCE_MS = 5_000

async function daemonStaysUp(client: ContainerClient, watchMs: number): Promise<boolean> {
  const deadline = Date.now() + watchMs
  for (;;) {
    const up = await Promise.race([
      client.ping().then(
        () => true,
        () => false,
      ),
      // A ping that fails is the signal; one that only hangs counts as down after 5 s, long
      // enough that a loaded machine's slow answer is not taken for a daemon going away.
      new Promise<boolean>((r) => setTimeout(() => r(false), PING_PATIENCE_MS).unref()),
    ])
    if (!up) return false
    if (Date.now() >= deadline) return true
    await new Promise((r) => setTimeout(r, 250))
  }
}
