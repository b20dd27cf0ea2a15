import type { Stop } from './outcome'

/**
 * Watches one run and stops it at most once: the first reason recorded (timeout, cancel, output
 * ceiling, disk floor, daemon gone) is the one the run reports; later ones change nothing. Stopping
 * kills the container and, should the daemon never report the exit, releases `stopped` after a
 * grace period so the run cannot hang on a dead daemon.
 */
export class Watchdog {
  private reason: Stop | null = null
  private containerId: string | null = null
  private finished = false
  private readonly timers: NodeJS.Timeout[] = []
  private readonly disposers: (() => void)[] = []
  private release: () => void = () => undefined
  /** Resolves once a stopped run's grace period ran out without the daemon reporting the exit. */
  readonly stopped: Promise<'stopped'>

  constructor(
    private readonly o: {
      kill: (containerId: string, reason: Stop) => void
      killGraceMs: number
      signal?: AbortSignal
    },
  ) {
    this.stopped = new Promise((resolve) => {
      this.release = () => resolve('stopped')
    })
    if (o.signal?.aborted) this.reason = { reason: 'cancelled' }
    const onAbort = (): void => this.stop({ reason: 'cancelled' })
    o.signal?.addEventListener('abort', onAbort)
    this.disposers.push(() => o.signal?.removeEventListener('abort', onAbort))
  }

  /** The recorded stop, or null while the run is left alone. */
  get recorded(): Stop | null {
    return this.reason
  }

  /**
   * The container is there: a stop recorded before (a cancel while it was being created, whose kill
   * found nothing to kill) kills it now.
   */
  attach(containerId: string): void {
    this.containerId = containerId
    if (this.reason && !this.finished) this.kill()
  }

  /** Starts the run's clock. */
  startTimer(timeoutMs: number): void {
    this.timers.push(setTimeout(() => this.stop({ reason: 'timeout' }), timeoutMs))
  }

  /** Registers a cleanup (e.g. an output guard's disposer) run when the run ends. */
  onFinish(dispose: () => void): void {
    this.disposers.push(dispose)
  }

  /**
   * Records a stop unless one was recorded; kills the container while the run is live. After the
   * exit a reason is still recorded (output counted while the stream drains, the daemon found gone).
   */
  stop(reason: Stop): void {
    if (this.reason) return
    this.reason = reason
    if (!this.finished) this.kill()
  }

  /** The script ended (Docker reported the exit) or the run failed: nothing more is stopped. */
  finish(): void {
    this.finished = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.length = 0
    for (const d of this.disposers.splice(0)) d()
  }

  private kill(): void {
    if (!this.containerId || !this.reason) return
    this.o.kill(this.containerId, this.reason)
    // Our own backstop: if the daemon never reports the exit, stop waiting for it.
    setTimeout(() => this.release(), this.o.killGraceMs).unref()
  }
}
