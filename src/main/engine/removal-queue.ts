import { dockerMessage, type ContainerClient } from './docker-client'

/**
 * Removes used containers. A run's outcome never depends on removal: a failed removal (Docker down
 * or restarting) is retried every few seconds until the daemon answers, and the start-up reaper
 * covers a process that dies meanwhile.
 */
export class RemovalQueue {
  private readonly inFlight = new Set<Promise<void>>()
  private readonly retry = new Set<string>()
  private retryTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly client: ContainerClient,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Removes a container now; failures go to the retry set. */
  async remove(runId: string, containerId: string): Promise<void> {
    try {
      await this.client.remove(containerId)
      this.retry.delete(containerId)
    } catch (err) {
      this.log('remove-failed', { runId, containerId, error: dockerMessage(err) })
      this.retry.add(containerId)
      this.retryTimer ??= setInterval(() => void this.retryFailed(), 3_000)
      this.retryTimer.unref()
    }
  }

  /** Removes a container without waiting for it; `then` runs after (e.g. removing its volumes). */
  removeInBackground(runId: string, containerId: string, then?: () => Promise<void>): void {
    const p = this.remove(runId, containerId)
      .then(then)
      .catch((err: unknown) => this.log('remove-then-failed', { runId, error: String(err) }))
      .finally(() => this.inFlight.delete(p))
    this.inFlight.add(p)
  }

  /** Waits for containers still being removed in the background (call before exiting). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
    await this.retryFailed()
  }

  /** Retries containers whose removal failed; returns how many are still left. */
  async retryFailed(): Promise<number> {
    for (const id of [...this.retry]) {
      try {
        await this.client.remove(id)
        this.retry.delete(id)
      } catch {
        break
      }
    }
    if (this.retry.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer)
      this.retryTimer = null
    }
    return this.retry.size
  }
}
