// The local API and clients that hold connections without finishing their requests (issue 16):
// half-sent bodies, slow headers, trickled bodies, oversized headers. The server must go on
// answering `/health` and close what stalls. Timeouts are shortened for the test; the real
// server's defaults are in src/main/server/connection-guard.ts.
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionLimits } from '../../src/main/server/connection-guard'
import { startServer } from '../../src/main/server/server'
import { request } from '../integration/helpers'
import { sleep, startSecure, stopSecure, type Ctx } from './harness'

const LIMITS: ConnectionLimits = {
  maxConnections: 512,
  headersTimeoutMs: 1_500,
  bodyIdleTimeoutMs: 1_500,
  bodyTimeoutMs: 5_000,
}

let ctx: Ctx
let api: Awaited<ReturnType<typeof startServer>>
let host: string
let port: number

beforeAll(async () => {
  ctx = await startSecure()
  api = await startServer({ core: ctx.srv.core, port: 0, limits: LIMITS })
  const u = new URL(api.url)
  host = u.host
  port = Number(u.port)
})

afterAll(async () => {
  await api?.close()
  await stopSecure(ctx)
})

interface Raw {
  socket: net.Socket
  /** Everything the server sent. */
  received(): string
  closed: Promise<void>
  isClosed(): boolean
}

/** Opens a connection and sends `head` (and nothing more unless the caller writes). */
async function open(head: string, to = port): Promise<Raw> {
  const socket = net.connect(to, '127.0.0.1')
  let data = ''
  let closed = false
  socket.setEncoding('latin1')
  socket.on('data', (d: string) => (data += d))
  // A server that closes a connection while bytes are unread may reset it: that is a close too.
  socket.on('error', () => undefined)
  const closedP = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true
      resolve()
    }),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(head)
  return { socket, received: () => data, closed: closedP, isClosed: () => closed }
}

/** Waits until every connection is closed, or fails after `ms` naming how many are still open. */
async function allClosed(conns: Raw[], ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (conns.some((c) => !c.isClosed()) && Date.now() < deadline) await sleep(100)
  expect(conns.filter((c) => !c.isClosed()).length, 'connections still open').toBe(0)
}

async function health(): Promise<number> {
  const res = await request(`${api.url}/health`, { signal: AbortSignal.timeout(10_000) })
  return res.status
}

function runCount(): number {
  return ctx.srv.core.store.all().length
}

const HALF_BODY =
  `POST /execute HTTP/1.1\r\nHost: ${'HOST'}\r\nContent-Type: application/json\r\n` +
  `Content-Length: 1000\r\n\r\n{"code": "print(`

describe('requests that never finish', () => {
  it('2,000 connections with half a body: /health still answers, each stalled one is closed (408 or made room)', async () => {
    const count = runCount()
    const conns: Raw[] = []
    for (let i = 0; i < 2_000; i += 100) {
      const batch = Array.from({ length: 100 }, () => open(HALF_BODY.replace('HOST', host)))
      conns.push(...(await Promise.all(batch)))
    }
    // All 2,000 sent their half body; the server answers others while they stall.
    expect(await health()).toBe(200)
    const ok = await request(`${api.url}/execute`, {
      method: 'POST',
      json: { code: 'print("still working")' },
    })
    expect(ok.status).toBe(200)
    expect(ok.body.stdout).toBe('still working\n')
    await allClosed(conns, 30_000)
    const answered = conns.filter((c) => c.received() !== '')
    // Timed out with an answer, or (at the connection cap) closed to make room for a newer one.
    expect(answered.length).toBeGreaterThan(0)
    for (const c of answered) {
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /)
      expect(c.received()).toMatch(/"detail":"Request body stalled: nothing received for 1500 ms"/)
    }
    // None of them ran anything (only the one real run above).
    expect(runCount()).toBe(count + 1)
    expect(await health()).toBe(200)
  })

  it('at the connection cap the longest-stalled connection makes room: /health answers before any timeout', async () => {
    const small = await startServer({
      core: ctx.srv.core,
      port: 0,
      limits: { ...LIMITS, maxConnections: 64, bodyIdleTimeoutMs: 120_000, bodyTimeoutMs: 120_000 },
    })
    try {
      const smallPort = new URL(small.url).port
      const conns: Raw[] = []
      for (let i = 0; i < 300; i++) {
        conns.push(await open(HALF_BODY.replace('HOST', host), Number(smallPort)))
      }
      const res = await request(`${small.url}/health`, { signal: AbortSignal.timeout(10_000) })
      expect(res.status).toBe(200)
      // Never more than the cap open; the oldest were closed without an answer, the newest wait.
      const deadline = Date.now() + 10_000
      while (conns.filter((c) => !c.isClosed()).length > 64 && Date.now() < deadline)
        await sleep(50)
      const open64 = conns.filter((c) => !c.isClosed())
      expect(open64.length).toBeLessThanOrEqual(64)
      expect(open64.length).toBeGreaterThan(0)
      expect(conns[0]?.isClosed()).toBe(true)
      expect(conns.at(-1)?.isClosed()).toBe(false)
      for (const c of conns) expect(c.received()).toBe('')
      for (const c of conns) c.socket.destroy()
    } finally {
      await small.close()
    }
  })

  it('at the cap with every connection being answered (event streams nobody reads), the oldest makes room', async () => {
    const small = await startServer({
      core: ctx.srv.core,
      port: 0,
      limits: { ...LIMITS, maxConnections: 64 },
    })
    try {
      const smallPort = Number(new URL(small.url).port)
      const streams: Raw[] = []
      for (let i = 0; i < 100; i++) {
        const c = await open(`GET /api/events HTTP/1.1\r\nHost: ${host}\r\n\r\n`, smallPort)
        // Open for real: its headers came back (the stream is being answered).
        const deadline = Date.now() + 10_000
        while (!c.received().startsWith('HTTP/1.1 200') && Date.now() < deadline) await sleep(5)
        expect(c.received()).toMatch(/^HTTP\/1\.1 200 /)
        streams.push(c)
      }
      const res = await request(`${small.url}/health`, { signal: AbortSignal.timeout(10_000) })
      expect(res.status).toBe(200)
      // The oldest streams were closed to make room; the newest are still open.
      await allClosed(streams.slice(0, 30), 10_000)
      expect(streams.at(-1)?.isClosed()).toBe(false)
      for (const c of streams) c.socket.destroy()
    } finally {
      await small.close()
    }
  })

  it('slow header senders are answered 408 and closed by the header timeout', async () => {
    const conns = await Promise.all(
      Array.from({ length: 50 }, () => open(`GET /health HTTP/1.1\r\nHost: ${host}\r\nX-Slow: a`)),
    )
    expect(await health()).toBe(200)
    await allClosed(conns, 20_000)
    for (const c of conns) expect(c.received()).toMatch(/^(HTTP\/1\.1 408 |$)/)
    expect(conns.some((c) => c.received().startsWith('HTTP/1.1 408'))).toBe(true)
  })

  it('a JSON body trickled byte by byte is cut at the total body timeout', async () => {
    const count = runCount()
    const c = await open(HALF_BODY.replace('HOST', host))
    const trickle = setInterval(() => {
      if (!c.isClosed()) c.socket.write('1')
    }, 300)
    try {
      await allClosed([c], 30_000)
    } finally {
      clearInterval(trickle)
    }
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /)
    expect(c.received()).toMatch(/Request body not received within 5000 ms/)
    expect(runCount()).toBe(count)
  })

  it('an upload that keeps sending is not cut by the total timeout, only by idleness', async () => {
    const c = await open(
      `POST /job-types/import HTTP/1.1\r\nHost: ${host}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: 40\r\n\r\n`,
    )
    // 30 bytes over ≈ 9 s: longer than the total body timeout, never idle for long.
    for (let i = 0; i < 30; i++) {
      c.socket.write('x')
      await sleep(300)
    }
    expect(c.isClosed()).toBe(false)
    c.socket.write('y'.repeat(10))
    await sleep(200)
    // The whole (invalid) pack arrived: it is refused as a pack, not timed out.
    const deadline = Date.now() + 20_000
    while (!/\r\n\r\n[\s\S]*\}/.test(c.received()) && Date.now() < deadline) await sleep(50)
    expect(c.received()).toMatch(/^HTTP\/1\.1 (400|413|422) /)
    c.socket.destroy()
  })

  it('clients that left a wait=true result request get no answer built when the run ends', async () => {
    const { store } = ctx.srv.core
    const res = await request<{ job_id: string }>(`${api.url}/execute/async`, {
      method: 'POST',
      json: { code: 'import time; time.sleep(3); print("x" * 100_000)' },
    })
    const id = res.body.job_id
    // Every answer to a result request reads the run's stdout and stderr from the store.
    let reads = 0
    const readText = store.readText.bind(store)
    store.readText = (...args: Parameters<typeof readText>) => {
      if (args[0] === id) reads++
      return readText(...args)
    }
    try {
      const waiters = await Promise.all(
        Array.from({ length: 200 }, () =>
          open(`GET /jobs/${id}/result?wait=true&timeout=120 HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
        ),
      )
      await sleep(300)
      for (const w of waiters) w.socket.destroy()
      // One client that stays gets the full answer.
      const kept = await request(`${api.url}/jobs/${id}/result?wait=true&timeout=120`)
      expect(kept.body).toMatchObject({ status: 'succeeded' })
      expect(kept.body.stdout).toBe(`${'x'.repeat(100_000)}\n`)
      await sleep(300)
      // Only the client that stayed had its answer built (stdout + stderr: two reads).
      expect(reads).toBe(2)
    } finally {
      store.readText = readText
    }
  })

  it('a request whose headers pass 16 KiB is refused with 431, the server answers the next', async () => {
    const many = Array.from({ length: 3_000 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')
    const c = await open(`GET /health HTTP/1.1\r\nHost: ${host}\r\n${many}\r\n`)
    await allClosed([c], 10_000)
    expect(c.received()).toMatch(/^HTTP\/1\.1 431 /)
    expect(await health()).toBe(200)
  })
})
