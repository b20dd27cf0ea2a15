// The local API's event streams (issue 16): a reader that never reads must not make the server
// buffer a run's output without end. The server runs as its own process (as `npm run serve` starts
// it) so its memory can be read from /proc; the run floods stdout on the real engine.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, freePort, request, tempDir } from '../integration/helpers'
import { MiB, py, sleep } from './harness'

/** What the run prints: enough that buffering it for idle readers would show. */
const FLOOD_MIB = 200
/** Growth of the server's RSS allowed during the flood: generous, far below what buffering takes. */
const RSS_GROWTH_BOUND = 300 * MiB

let child: ChildProcess
let url: string
let dataDir: string
let log = ''

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (!kb) throw new Error('no VmRSS')
  return Number(kb[1]) * 1024
}

beforeAll(async () => {
  dataDir = tempDir('tako-sse-')
  const port = await freePort()
  child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'main', 'serve.ts')], {
    cwd: ROOT,
    env: { ...process.env, TAKO_PORT: String(port), TAKO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`)
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) throw new Error(`server did not start: ${log}`)
    await sleep(100)
  }
})

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  fs.rmSync(dataDir, { recursive: true, force: true })
})

/** A subscriber that sends its request and then never reads a byte (until `drain()`). */
function idleReader(target: string): {
  closedByServer: Promise<void>
  drain(): Promise<{ bytes: number; text: string }>
} {
  const u = new URL(url)
  const socket = net.connect(Number(u.port), u.hostname)
  socket.write(`GET ${target} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`)
  socket.pause()
  let bytes = 0
  let tail = ''
  const closedByServer = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    closedByServer,
    async drain() {
      socket.on('data', (d: Buffer) => {
        bytes += d.length
        tail = (tail + d.toString('latin1')).slice(-4096)
      })
      socket.resume()
      const timeout = sleep(30_000).then(() => 'still open')
      expect(await Promise.race([closedByServer.then(() => 'closed'), timeout])).toBe('closed')
      return { bytes, text: tail }
    },
  }
}

interface Frame {
  id: number
  event: string
  data: { stream?: string; text?: string; status?: string }
  /** Characters of output the frame carried (its text is not kept). */
  chars: number
}

/** A reader that keeps up: parses every frame of `/jobs/{id}/events` as it arrives. */
async function readAll(id: string): Promise<Frame[]> {
  const res = await fetch(`${url}/jobs/${id}/events`)
  expect(res.status).toBe(200)
  const frames: Frame[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  // Where the search for the end of a frame goes on: a 1 MiB frame arrives in many chunks, and
  // searching it again from its start for each would make this reader the slow one.
  let scanFrom = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n', scanFrom)) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      scanFrom = 0
      const lines = block.split('\n')
      const idLine = lines.find((l) => l.startsWith('id: '))
      const event = lines.find((l) => l.startsWith('event: '))
      const data = lines.find((l) => l.startsWith('data: '))
      if (idLine && event && data) {
        const parsed = JSON.parse(data.slice(6)) as Frame['data']
        // Keep the size, not the text: 200 MiB of frames need not stay in this process.
        const chars = parsed.text?.length ?? 0
        delete parsed.text
        frames.push({ id: Number(idLine.slice(4)), event: event.slice(7), data: parsed, chars })
      }
    }
    scanFrom = Math.max(0, buffer.length - 1)
  }
  return frames
}

describe('event streams with backpressure', () => {
  it(`two readers that never read, during a ${FLOOD_MIB} MiB flood: the server stays bounded, drops them, and a reader that keeps up gets every event in order`, async () => {
    const warm = await request(`${url}/execute`, { method: 'POST', json: { code: 'print(1)' } })
    expect(warm.status).toBe(200)
    const pid = child.pid!
    const before = rssOf(pid)
    const code = py(
      'import sys, time',
      // Subscribers attach while the run sleeps; then one line of 1 MiB at a time.
      'time.sleep(3)',
      "line = 'x' * (1024 * 1024 - 1) + '\\n'",
      `for _ in range(${FLOOD_MIB}):`,
      '    sys.stdout.write(line)',
      'sys.stdout.flush()',
    )
    const submit = await request<{ job_id: string }>(`${url}/execute/async`, {
      method: 'POST',
      json: { code, timeout: 240 },
    })
    expect(submit.status).toBe(200)
    const id = submit.body.job_id
    const idle = [idleReader(`/jobs/${id}/events`), idleReader('/api/events')]
    let peak = before
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, rssOf(pid))
        await sleep(50)
      }
    })()
    const frames = await readAll(id)
    sampling = false
    await sampler

    // The reader that kept up got every event of the run, in order, and the whole output.
    const ids = frames.map((f) => f.id)
    expect(ids.every((n, i) => i === 0 || n === ids[i - 1] + 1)).toBe(true)
    const stdoutChars = frames
      .filter((f) => f.event === 'stdout')
      .reduce((sum, f) => sum + f.chars, 0)
    expect(stdoutChars).toBe(FLOOD_MIB * MiB)
    expect(frames.filter((f) => f.event === 'status').map((f) => f.data.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ])

    // The server's memory grew by a bounded amount, not by what the idle readers left unread.
    console.info(
      `[sse] server RSS ${(before / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`,
    )
    expect(peak - before, `RSS ${(before / MiB) | 0} → peak ${(peak / MiB) | 0} MiB`).toBeLessThan(
      RSS_GROWTH_BOUND,
    )

    // The idle readers were disconnected by the server: what they can still read is a bounded
    // part of the stream, never its end.
    for (const reader of idle) {
      const got = await reader.drain()
      expect(got.bytes).toBeLessThan(64 * MiB)
      expect(got.text).not.toMatch(/"status":"succeeded"/)
    }
    // The server still answers, and a fresh reader of the finished run gets its replay.
    const health = await request(`${url}/health`)
    expect(health.status).toBe(200)
    const replay = await fetch(`${url}/jobs/${id}/events`)
    expect(await replay.text()).toMatch(
      /event: status\ndata: \{"job_id":"[^"]+","status":"succeeded"\}/,
    )
  }, 300_000)
})
