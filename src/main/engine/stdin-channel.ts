import type { OutputStream, StdinEvent } from '../../shared/run'
import { MiB } from '../../shared/units'
import type { StdinMode } from './container-spec'
import { StdinFrameParser } from './stdin-frames'

/** Everything sent to one run's stdin, batch or live, in bytes as UTF-8. */
export const MAX_STDIN_BYTES = MiB
/** Lines one interactive run may be sent (keeps its record small). */
export const MAX_STDIN_SENDS = 10_000
/** The prompt reported with `waiting`: the end of the line the script printed, at most this long. */
export const MAX_PROMPT_CHARS = 500
const LINE_KEEP_BYTES = 4 * MAX_PROMPT_CHARS
/** At most one `waiting` event per run in this interval; the latest prompt wins. */
const WAITING_EVENT_INTERVAL_MS = 100

export type StdinChannelEvent =
  { event: 'waiting'; prompt: string } | { event: 'sent'; text: string } | { event: 'eof' }

export type StdinRefusal = 'not_interactive' | 'ended' | 'too_large' | 'too_many'

/** Input a run cannot take, and why. */
export class StdinRefused extends Error {
  constructor(
    readonly reason: StdinRefusal,
    message: string,
  ) {
    super(message)
    this.name = 'StdinRefused'
  }
}

/** Why `text` cannot go to a run that has taken `sentBytes` already, or null. */
export function stdinTooLarge(sentBytes: number, text: string): string | null {
  return sentBytes + Buffer.byteLength(text) > MAX_STDIN_BYTES
    ? `standard input is limited to ${MAX_STDIN_BYTES} bytes (UTF-8) per run`
    : null
}

/** Where a payload of the run's output goes (the run's capture). */
type Sink = (stream: OutputStream, payload: Buffer) => void

/**
 * One run's standard input on the host (see docs/run-contract.md, 'Standard input'). Batch: the
 * text is written to the container's stdin once the script started, then stdin is closed. Live
 * (interactive): each line the user sends is written as it comes; `waiting` is known from the
 * read-request frames the stdin wrapper writes on stdout (stdin-frames.ts), never guessed from
 * silence. A frame counts only when the wrapper has consumed every byte sent so far (a line still on
 * its way is no reason to wait). What a frame can do is bounded to this run: set its own `waiting`
 * state and prompt (the end of its own stdout line, ≤ MAX_PROMPT_CHARS), at most one event per
 * WAITING_EVENT_INTERVAL_MS; its bytes count toward the run's output ceiling.
 */
export class StdinChannel {
  readonly mode: StdinMode
  /** Everything sent, in order (the record's `stdinEvents`). */
  readonly events: StdinEvent[] = []
  /** Called when the waiting state flips (the run's clock pauses while it waits). */
  onWaitingChange: (waiting: boolean) => void = () => undefined
  private stream: NodeJS.WritableStream | null = null
  private readonly pending: Buffer[] = []
  private sentBytes = 0
  private eofSent = false
  private closed = false
  private prompt: string | null = null
  private line: Buffer = Buffer.alloc(0)
  private readonly parser = new StdinFrameParser()
  private lastWaitingEvent = 0
  private waitingTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly batch: string | null,
    interactive: boolean,
    private readonly onEvent: (e: StdinChannelEvent) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.mode = interactive ? 'interactive' : batch ? 'batch' : 'none'
  }

  /** The prompt while the script waits for input, or null. */
  get waiting(): { prompt: string } | null {
    return this.prompt === null ? null : { prompt: this.prompt }
  }

  get bytesSent(): number {
    return this.sentBytes
  }

  /** Sends a line (any text) to an interactive run. */
  send(text: string): void {
    this.checkLive()
    if (this.events.length >= MAX_STDIN_SENDS)
      throw new StdinRefused('too_many', `at most ${MAX_STDIN_SENDS} inputs can be sent to a run`)
    const tooLarge = stdinTooLarge(this.sentBytes, text)
    if (tooLarge) throw new StdinRefused('too_large', tooLarge)
    const bytes = Buffer.from(text, 'utf8')
    this.sentBytes += bytes.length
    this.events.push({ at: new Date(this.now()).toISOString(), kind: 'data', text })
    this.write(bytes)
    this.setWaiting(null)
    this.onEvent({ event: 'sent', text })
  }

  /** Ends an interactive run's input: its reads return end of file from now on. */
  eof(): void {
    this.checkLive()
    this.eofSent = true
    this.events.push({ at: new Date(this.now()).toISOString(), kind: 'eof' })
    if (this.stream) this.stream.end()
    this.setWaiting(null)
    this.onEvent({ event: 'eof' })
  }

  /** The script started with `stream` as its stdin: batch input goes in now, live input from now on. */
  attach(stream: NodeJS.WritableStream): void {
    if (this.mode === 'none' || this.closed) return
    this.stream = stream
    if (this.mode === 'batch') {
      stream.write(Buffer.from(this.batch ?? '', 'utf8'), ignore)
      stream.end()
      return
    }
    for (const b of this.pending.splice(0)) stream.write(b, ignore)
    if (this.eofSent) stream.end()
  }

  /**
   * The sink the run's output goes through: for an interactive run stdout's frames are taken out
   * (their bytes reported to `countHidden`, toward the output ceiling), the rest passes unchanged.
   */
  filter(sink: Sink, countHidden: (bytes: number) => void): Sink {
    if (this.mode !== 'interactive') return sink
    return (stream, payload) => {
      if (stream !== 'stdout') return sink(stream, payload)
      const parsed = this.parser.push(payload)
      if (parsed.text.length > 0) {
        this.trackLine(parsed.text)
        sink('stdout', parsed.text)
      }
      if (parsed.frameBytes > 0) countHidden(parsed.frameBytes)
      for (const consumed of parsed.frames) this.frame(consumed)
    }
  }

  /** The output stream ended: bytes held back as a possible frame were output after all. */
  flush(sink: Sink): void {
    const rest = this.parser.end()
    if (rest.length > 0) sink('stdout', rest)
  }

  /** The run ended: no more input is taken, nothing more is reported. */
  close(): void {
    this.closed = true
    if (this.waitingTimer) clearTimeout(this.waitingTimer)
    this.waitingTimer = null
    this.prompt = null
  }

  private checkLive(): void {
    if (this.mode !== 'interactive')
      throw new StdinRefused('not_interactive', 'the run is not interactive')
    if (this.closed || this.eofSent)
      throw new StdinRefused('ended', 'the run has ended or its input was closed')
  }

  private write(bytes: Buffer): void {
    if (this.stream) this.stream.write(bytes, ignore)
    else this.pending.push(bytes)
  }

  /** Keeps the end of the current stdout line (the prompt, when a read blocks). */
  private trackLine(text: Buffer): void {
    const nl = text.lastIndexOf(0x0a)
    const rest = nl >= 0 ? text.subarray(nl + 1) : Buffer.concat([this.line, text])
    this.line = Buffer.from(rest.subarray(Math.max(0, rest.length - LINE_KEEP_BYTES)))
  }

  private frame(consumed: number): void {
    if (this.closed || this.eofSent || consumed < this.sentBytes) return
    // Characters cut at the front of the kept bytes decode as U+FFFD; drop those.
    const text = this.line.toString('utf8').replace(/^\uFFFD+/, '')
    this.setWaiting(text.slice(-MAX_PROMPT_CHARS))
  }

  private setWaiting(prompt: string | null): void {
    const was = this.prompt
    if (was === prompt) return
    this.prompt = prompt
    if ((was === null) !== (prompt === null)) this.onWaitingChange(prompt !== null)
    if (prompt === null) {
      if (this.waitingTimer) clearTimeout(this.waitingTimer)
      this.waitingTimer = null
      return
    }
    const due = this.lastWaitingEvent + WAITING_EVENT_INTERVAL_MS - this.now()
    if (due <= 0) this.emitWaiting()
    else this.waitingTimer ??= setTimeout(() => this.emitWaiting(), due)
  }

  private emitWaiting(): void {
    this.waitingTimer = null
    if (this.prompt === null || this.closed) return
    this.lastWaitingEvent = this.now()
    this.onEvent({ event: 'waiting', prompt: this.prompt })
  }
}

function ignore(): void {
  // A write to a container that is gone: the run's end reports what happened.
}
