import type { OutputStream } from '../../shared/run'

/**
 * Watches one output stream of a warm container for the supervisor's end marker
 * (`\0TAKO-END <nonce> <exit code>\n`), passing everything before it through and never the marker
 * itself. Up to a marker's length of bytes is held back so a marker split across chunks is still
 * found; what is held is released as soon as it cannot be the start of a marker.
 */
export class EndMarkerFilter {
  private readonly prefix: Buffer
  private held: Buffer = Buffer.alloc(0)
  private done = false
  exitCode: number | null = null

  constructor(
    nonce: string,
    private readonly forward: (payload: Buffer) => void,
    private readonly onEnd: (exitCode: number) => void,
  ) {
    this.prefix = Buffer.from(`\u0000TAKO-END ${nonce} `)
  }

  get ended(): boolean {
    return this.done
  }

  push(chunk: Buffer): void {
    if (this.done) return
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk
    const at = data.indexOf(this.prefix)
    if (at >= 0) {
      const nl = data.indexOf(0x0a, at + this.prefix.length)
      if (nl < 0) {
        // The marker's exit code has not fully arrived yet.
        if (at > 0) this.forward(data.subarray(0, at))
        this.held = Buffer.from(data.subarray(at))
        return
      }
      if (at > 0) this.forward(data.subarray(0, at))
      const code = Number(data.subarray(at + this.prefix.length, nl).toString('latin1'))
      this.done = true
      this.held = Buffer.alloc(0)
      this.exitCode = Number.isInteger(code) ? code : 1
      this.onEnd(this.exitCode)
      return
    }
    // Keep the longest tail that could still be the start of a marker.
    const keep = Math.min(data.length, this.prefix.length + 8)
    let cut = data.length
    for (let n = Math.min(keep, this.prefix.length); n > 0; n--) {
      if (data.subarray(data.length - n).equals(this.prefix.subarray(0, n))) {
        cut = data.length - n
        break
      }
    }
    if (cut > 0) this.forward(data.subarray(0, cut))
    this.held = Buffer.from(data.subarray(cut))
  }

  /** The stream ended without a marker: release what was held. */
  flush(): void {
    if (!this.done && this.held.length) this.forward(this.held)
    this.held = Buffer.alloc(0)
  }
}

export type PayloadSink = (stream: OutputStream, payload: Buffer) => void
