import fs from 'node:fs'
import type { OutputStream } from '../../shared/run'

interface Sink {
  fd: number | null
  written: number
  cap: number
  clipped: boolean
}

/**
 * Keeps a run's output on disk while it streams, so a server killed mid-run (kill -9, a crash, power
 * loss) leaves what the run printed in its folder. Each stream's file gets the head of the output, up
 * to the same per-stream cap as the final capture, then one line saying the rest is not kept here:
 * appends stay cheap and bounded whatever the script prints. When the run ends normally the final
 * capped text (head and tail) replaces these files atomically.
 */
export class LiveOutput {
  private readonly sinks: Record<OutputStream, Sink>

  constructor(
    files: Record<OutputStream, string>,
    caps: { stdoutBytes: number; stderrBytes: number },
  ) {
    const open = (file: string, cap: number): Sink => ({
      fd: fs.openSync(
        file,
        fs.constants.O_WRONLY |
          fs.constants.O_CREAT |
          fs.constants.O_TRUNC |
          fs.constants.O_NOFOLLOW,
        0o644,
      ),
      written: 0,
      cap,
      clipped: false,
    })
    const stdout = open(files.stdout, caps.stdoutBytes)
    let stderr: Sink
    try {
      stderr = open(files.stderr, caps.stderrBytes)
    } catch (err) {
      fs.closeSync(stdout.fd!)
      throw err
    }
    this.sinks = { stdout, stderr }
  }

  /** Appends a chunk (up to the cap). A failed write (disk full) stops this stream's copy, not the run. */
  append(stream: OutputStream, text: string): void {
    const sink = this.sinks[stream]
    if (sink.fd === null || sink.clipped) return
    let data = Buffer.from(text)
    const room = sink.cap - sink.written
    if (data.length > room) {
      sink.clipped = true
      data = Buffer.concat([
        data.subarray(0, room),
        Buffer.from(`\n[live copy stops after ${sink.cap} bytes; the run went on printing]\n`),
      ])
    }
    try {
      fs.writeSync(sink.fd, data)
      sink.written += data.length
    } catch {
      this.closeSink(sink)
    }
  }

  /** Closes the files; the final capped output may then replace them. */
  close(): void {
    this.closeSink(this.sinks.stdout)
    this.closeSink(this.sinks.stderr)
  }

  private closeSink(sink: Sink): void {
    if (sink.fd === null) return
    try {
      fs.closeSync(sink.fd)
    } catch {
      // Nothing more to do with it.
    }
    sink.fd = null
  }
}
