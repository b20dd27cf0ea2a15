// The event-stream writer on a real node:http server and real sockets: frame format, the heartbeat,
// and the bound on what a reader may leave unread.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { openEventStream, sseFrame, type EventStream } from '../../src/main/server/sse'

let server: http.Server | null = null

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = null
})

/** A server whose one route opens an event stream and hands it to the test. */
async function serve(
  options: Parameters<typeof openEventStream>[1],
): Promise<{ port: number; stream: Promise<{ stream: EventStream; closed: Promise<void> }> }> {
  let resolve!: (v: { stream: EventStream; closed: Promise<void> }) => void
  const stream = new Promise<{ stream: EventStream; closed: Promise<void> }>((r) => (resolve = r))
  server = http.createServer((_req, res) => {
    let onClose!: () => void
    const closed = new Promise<void>((r) => (onClose = r))
    resolve({ stream: openEventStream(res, { ...options, onClose }), closed })
  })
  const listening = server
  await new Promise<void>((r) => listening.listen(0, '127.0.0.1', r))
  return { port: (listening.address() as AddressInfo).port, stream }
}

describe('sse', () => {
  it('writes id, event and one-line JSON data; a newline in the data cannot end the frame', () => {
    expect(sseFrame({ id: 3, event: 'stdout', data: { text: 'a\n\nb' } })).toBe(
      'id: 3\nevent: stdout\ndata: {"text":"a\\n\\nb"}\n\n',
    )
    expect(sseFrame({ data: 1 })).toBe('data: 1\n\n')
  })

  it('a reader that keeps up gets the hello, heartbeats and every event, then the end', async () => {
    const { port, stream } = await serve({ hello: 'hi', heartbeatMs: 20 })
    const res = await fetch(`http://127.0.0.1:${port}/`)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const { stream: s } = await stream
    await new Promise((r) => setTimeout(r, 100))
    for (let i = 1; i <= 100; i++) expect(s.send({ id: i, event: 'n', data: i })).toBe(true)
    s.end()
    expect(s.send({ data: 'late' })).toBe(false)
    const text = await res.text()
    expect(text.startsWith(': hi\n\n')).toBe(true)
    expect(text).toContain(': keep-alive\n\n')
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(s.dropped).toBe(false)
  })

  it('a reader that does not read is dropped once it is more than the bound behind', async () => {
    const bound = 256 * 1024
    const { port, stream } = await serve({ maxBufferedBytes: bound })
    const socket = net.connect(port, '127.0.0.1')
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    socket.pause()
    const { stream: s, closed } = await stream
    const chunk = 'x'.repeat(64 * 1024)
    let sent = 0
    // Far more than the socket buffers and the bound hold together.
    while (s.send({ data: chunk }) && sent < 10_000) sent++
    expect(s.dropped).toBe(true)
    expect(s.closed).toBe(true)
    expect(sent).toBeLessThan(10_000)
    await closed
    expect(s.send({ data: 'after' })).toBe(false)
    socket.destroy()
  })

  it('the largest replay written in one go (stdout and stderr of control characters) is not dropped', async () => {
    const { port, stream } = await serve({})
    const res = await fetch(`http://127.0.0.1:${port}/`)
    const { stream: s } = await stream
    // 1 MiB of output each, which JSON writes as 6 MiB (`\u0001` per character).
    const text = '\u0001'.repeat(1024 * 1024)
    expect(s.send({ event: 'stdout', data: { text } })).toBe(true)
    expect(s.send({ event: 'stderr', data: { text } })).toBe(true)
    expect(s.send({ event: 'status', data: { status: 'succeeded' } })).toBe(true)
    s.end()
    const body = await res.text()
    expect(body.length).toBeGreaterThan(12 * 1024 * 1024)
    expect(body).toMatch(/event: status\ndata: \{"status":"succeeded"\}\n\n$/)
    expect(s.dropped).toBe(false)
  })

  it('one event larger than the bound still goes to a reader that is not behind', async () => {
    const { port, stream } = await serve({ maxBufferedBytes: 1024 })
    const res = await fetch(`http://127.0.0.1:${port}/`)
    const { stream: s } = await stream
    expect(s.send({ event: 'big', data: 'y'.repeat(100_000) })).toBe(true)
    s.end()
    const text = await res.text()
    expect(text).toContain(`data: "${'y'.repeat(100_000)}"`)
    expect(s.dropped).toBe(false)
  })
})
