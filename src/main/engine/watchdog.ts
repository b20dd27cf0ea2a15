import type { Stop } from './outcome'

/** How the clock treats a run waiting for input (see docs/run-contract.md, 'Standard input'). */
export interface InputWaitClock {
  /** The longest a run may wait for input in total; then it ends as `timeout`. */
  inputWaitMs: number
  /** The container's CPU time so far in ns (null when unknown): it counts while the run waits. */
  cpuNs?: () => Promise<number | null>
  /** How often CPU time is sampled while waiting (default 1 s). */
  pollMs?: number
}

interface Pause {
  since: number
  cpuStart: number | null
  cpuMs: number
  timers: NodeJS.Timeout[]
}

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
  private readonly disposers: (() => void)[] = []
  private release: () => void = () => undefined
  /** Time limit left at `runningSince` (ms). */
  private budgetMs = 0
  private runningSince = 0
  private clockTimer: NodeJS.Timeout | null = null
  private clock: InputWaitClock | null = null
  private pause: Pause | null = null
  private pauseAsked = false
  private waitedMs = 0
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

  /**
   * Starts the run's clock. With `clock`, `pauseClock()` stops the wall clock while the script waits
   * for input; its CPU time keeps counting, and the waits together may last `inputWaitMs`.
   */
  startTimer(timeoutMs: number, clock?: InputWaitClock): void {
    this.budgetMs = timeoutMs
    this.clock = clock ?? null
    this.run()
    if (this.pauseAsked) this.pauseClock()
  }

  /** The script waits for input: wall time stops counting (CPU time does not). */
  pauseClock(): void {
    if (this.finished || this.reason || this.pause) return
    if (!this.clock) {
      this.pauseAsked = this.clockTimer === null
      return
    }
    const now = Date.now()
    if (this.clockTimer) clearTimeout(this.clockTimer)
    this.clockTimer = null
    this.budgetMs -= now - this.runningSince
    const pause: Pause = { since: now, cpuStart: null, cpuMs: 0, timers: [] }
    this.pause = pause
    const { inputWaitMs, cpuNs, pollMs = 1000 } = this.clock
    pause.timers.push(
      setTimeout(
        () =>
          this.stop({
            reason: 'timeout',
            message: `The run waited for input for more than ${Math.round(inputWaitMs / 1000)} s (the input-wait limit) and was stopped; output so far is kept`,
          }),
        Math.max(0, inputWaitMs - this.waitedMs),
      ),
    )
    if (cpuNs) {
      const sample = async (): Promise<void> => {
        const ns = await cpuNs().catch(() => null)
        if (ns === null || this.pause !== pause) return
        if (pause.cpuStart === null) pause.cpuStart = ns
        pause.cpuMs = (ns - pause.cpuStart) / 1e6
        if (pause.cpuMs >= this.budgetMs) this.stop({ reason: 'timeout' })
      }
      void sample()
      pause.timers.push(setInterval(() => void sample(), pollMs))
    }
  }

  /** The script has its input: the wall clock runs again, less the CPU time used while waiting. */
  resumeClock(): void {
    this.pauseAsked = false
    const pause = this.pause
    if (!pause) return
    this.pause = null
    for (const t of pause.timers) clearTimeout(t)
    this.waitedMs += Date.now() - pause.since
    this.budgetMs -= pause.cpuMs
    if (!this.finished && !this.reason) this.run()
  }

  private run(): void {
    this.runningSince = Date.now()
    this.clockTimer = setTimeout(() => this.stop({ reason: 'timeout' }), Math.max(0, this.budgetMs))
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
    if (this.clockTimer) clearTimeout(this.clockTimer)
    for (const t of this.pause?.timers ?? []) clearTimeout(t)
    this.pause = null
    for (const d of this.disposers.splice(0)) d()
  }

  private kill(): void {
    if (!this.containerId || !this.reason) return
    this.o.kill(this.containerId, this.reason)
    // Our own backstop: if the daemon never reports the exit, stop waiting for it.
    setTimeout(() => this.release(), this.o.killGraceMs).unref()
  }
}
