import http from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { whileConnected } from '../../src/main/server/http-util'

/** A response whose client already left (its socket is closed), as Node's server has it. */
function goneResponse(): http.ServerResponse {
  const socket = new Socket()
  const res = new http.ServerResponse(new http.IncomingMessage(socket))
  res.assignSocket(socket)
  socket.destroy()
  return res
}

describe('whileConnected', () => {
  it('answers gone for a client that left, and the promise failing later is no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      let fail!: (err: Error) => void
      const work = new Promise<string>((_, reject) => (fail = reject))
      expect(await whileConnected(goneResponse(), work, 60_000)).toBe('gone')
      fail(new Error('the run could not be read'))
      // Let a rejection that nobody handles reach the process.
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('passes the value on while the client is there', async () => {
    const socket = new Socket()
    const res = new http.ServerResponse(new http.IncomingMessage(socket))
    res.assignSocket(socket)
    expect(await whileConnected(res, Promise.resolve(42), 60_000)).toEqual({ value: 42 })
    socket.destroy()
  })
})
