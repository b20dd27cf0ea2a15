import type { OutputStream } from '../../shared/run'

/**
 * Splits Docker's multiplexed attach stream (Tty: false) into stdout and stderr payloads.
 * Frame: 1 byte stream type, 3 zero bytes, 4 bytes big-endian payload length, payload.
 * Frames may span chunks; partial headers and payloads are carried over.
 */
export class DockerDemuxer {
  private pending: Buffer = Buffer.alloc(0)
  private frameStream: OutputStream | null = null
  private frameRemaining = 0

  constructor(private readonly onPayload: (stream: OutputStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = Buffer.alloc(0)
    while (data.length > 0) {
      if (this.frameRemaining > 0 && this.frameStream) {
        const n = Math.min(this.frameRemaining, data.length)
        this.onPayload(this.frameStream, data.subarray(0, n))
        this.frameRemaining -= n
        data = data.subarray(n)
        continue
      }
      if (data.length < 8) {
        this.pending = Buffer.from(data)
        return
      }
      const type = data[0]
      // 0 is stdin (never sent back), 1 stdout, 2 stderr, 3 the daemon's own error text.
      this.frameStream = type === 1 ? 'stdout' : 'stderr'
      this.frameRemaining = data.readUInt32BE(4)
      data = data.subarray(8)
    }
  }
}
