import type { OutputStream, RunLimits } from '../../shared/run'

/**
 * Keeps the head and the tail of a byte stream within a fixed budget while it streams, counting
 * everything. Memory stays bounded by `capBytes` whatever the stream's length.
 */
export class CappedCapture {
  private readonly headCap: number
  private readonly tailCap: number
  private readonly head: Buffer
  private headLen = 0
  /** Ring buffer holding the most recent bytes after the head filled up. */
  private readonly tail: Buffer
  private tailStart = 0
  private tailLen = 0
  private total = 0

  constructor(readonly capBytes: number) {
    this.headCap = Math.ceil(capBytes / 2)
    this.tailCap = capBytes - this.headCap
    this.head = Buffer.alloc(this.headCap)
    this.tail = Buffer.alloc(this.tailCap)
  }

  get totalBytes(): number {
    return this.total
  }

  get truncated(): boolean {
    return this.total > this.capBytes
  }

  push(chunk: Buffer): void {
    this.total += chunk.length
    let offset = 0
    if (this.headLen < this.headCap) {
      const n = Math.min(this.headCap - this.headLen, chunk.length)
      chunk.copy(this.head, this.headLen, 0, n)
      this.headLen += n
      offset = n
    }
    if (offset >= chunk.length || this.tailCap === 0) return
    let rest = chunk.subarray(offset)
    if (rest.length >= this.tailCap) {
      rest.copy(this.tail, 0, rest.length - this.tailCap)
      this.tailStart = 0
      this.tailLen = this.tailCap
      return
    }
    // Append into the ring, overwriting the oldest bytes.
    let writeAt = (this.tailStart + this.tailLen) % this.tailCap
    while (rest.length > 0) {
      const n = Math.min(this.tailCap - writeAt, rest.length)
      rest.copy(this.tail, writeAt, 0, n)
      rest = rest.subarray(n)
      writeAt = (writeAt + n) % this.tailCap
      const overflow = this.tailLen + n - this.tailCap
      if (overflow > 0) {
        this.tailStart = (this.tailStart + overflow) % this.tailCap
        this.tailLen = this.tailCap
      } else {
        this.tailLen += n
      }
    }
  }

  private tailBytes(): Buffer {
    const first = this.tail.subarray(
      this.tailStart,
      Math.min(this.tailStart + this.tailLen, this.tailCap),
    )
    const wrapped = this.tailLen - first.length
    return wrapped > 0 ? Buffer.concat([first, this.tail.subarray(0, wrapped)]) : Buffer.from(first)
  }

  /** The kept text, decoded as UTF-8 with replacement; a cut is marked in-band. */
  text(): string {
    const head = this.head.subarray(0, this.headLen)
    if (!this.truncated) {
      return Buffer.concat([head, this.tailBytes()]).toString('utf8')
    }
    const headKept = head.subarray(0, utf8BoundaryBefore(head, head.length))
    const tail = this.tailBytes()
    const tailKept = tail.subarray(utf8BoundaryAfter(tail, 0))
    const omitted = this.total - headKept.length - tailKept.length
    return (
      headKept.toString('utf8') +
      `\n\n[TRUNCATED: ${omitted} of ${this.total} bytes omitted; output exceeded ${this.capBytes} bytes]\n\n` +
      tailKept.toString('utf8')
    )
  }
}

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80
}

/** Largest index ≤ end that does not split a UTF-8 sequence. */
export function utf8BoundaryBefore(buf: Buffer, end: number): number {
  let i = end
  // Step back over at most 3 continuation bytes to the lead byte.
  let steps = 0
  while (i > 0 && steps < 4 && isContinuation(buf[i - 1])) {
    i--
    steps++
  }
  if (i === 0) return end
  const lead = buf[i - 1] ?? 0
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return end - (i - 1) >= need ? end : i - 1
}

/** Smallest index ≥ start that is not a continuation byte. */
export function utf8BoundaryAfter(buf: Buffer, start: number): number {
  let i = start
  while (i < buf.length && i - start < 3 && isContinuation(buf[i])) i++
  return i
}

/** Decodes chunks of a stream incrementally, never splitting a character across events. */
export class StreamDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false })

  write(chunk: Buffer): string {
    return this.decoder.decode(chunk, { stream: true })
  }

  end(): string {
    return this.decoder.decode()
  }
}

export type OutputListener = (stream: OutputStream, text: string) => void

/**
 * A run's stdout and stderr: every byte Docker delivers is counted here, before anything else sees
 * it, against the output ceiling (`onCeiling` is called once the total passes it); head and tail
 * are kept, and the text is streamed to the listener without splitting characters.
 */
export class RunCapture {
  readonly stdout: CappedCapture
  readonly stderr: CappedCapture
  private readonly decoders = { stdout: new StreamDecoder(), stderr: new StreamDecoder() }
  private total = 0
  onCeiling: () => void = () => undefined

  constructor(
    private readonly limits: RunLimits,
    private readonly listener: OutputListener | null,
    private readonly onListenerError: (err: unknown) => void,
  ) {
    this.stdout = new CappedCapture(limits.stdoutBytes)
    this.stderr = new CappedCapture(limits.stderrBytes)
  }

  readonly sink = (which: OutputStream, payload: Buffer): void => {
    ;(which === 'stdout' ? this.stdout : this.stderr).push(payload)
    this.emit(which, this.decoders[which].write(payload))
    this.total += payload.length
    if (this.total > this.limits.outputCeilingBytes) this.onCeiling()
  }

  /** Bytes the run wrote that are not output (stdin read requests): they count toward the ceiling. */
  countHidden(bytes: number): void {
    this.total += bytes
    if (this.total > this.limits.outputCeilingBytes) this.onCeiling()
  }

  /** The streams ended: flush what the decoders still hold. */
  end(): void {
    this.emit('stdout', this.decoders.stdout.end())
    this.emit('stderr', this.decoders.stderr.end())
  }

  private emit(stream: OutputStream, text: string): void {
    if (!text || !this.listener) return
    try {
      this.listener(stream, text)
    } catch (err) {
      this.onListenerError(err)
    }
  }
}
