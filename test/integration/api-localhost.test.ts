// The Tako VM-compatible API, the localhost safety rules: Host and Origin checks, content types,
// preflights, the token a non-loopback bind requires. Against the real daemon with production
// flags: field names, status codes and error messages as Tako VM sends them (see docs/api.md);
// every answer is checked for CORS and security headers.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { startServer } from '../../src/main/server/server'
import { call, expectDetail, raw, useApiServer } from './api'

const api = useApiServer(51)

describe('localhost safety', () => {
  const runCount = (): number => api.srv.core.store.all().length

  it('Host: evil.example is 400 (DNS rebinding), on GET and POST', async () => {
    const before = runCount()
    const get = await raw(api.srv.url, 'GET', '/health', { Host: 'evil.example' })
    expect(get.status).toBe(400)
    const post = await raw(
      api.srv.url,
      'POST',
      '/execute/async',
      { Host: 'evil.example', 'Content-Type': 'application/json' },
      JSON.stringify({ code: 'print(1)' }),
    )
    expect(post.status).toBe(400)
    expect(runCount()).toBe(before)
  })

  it('Origin: http://evil.example is 403; a loopback origin is served', async () => {
    const before = runCount()
    const post = await raw(
      api.srv.url,
      'POST',
      '/execute/async',
      { Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      JSON.stringify({ code: 'print(1)' }),
    )
    expect(post.status).toBe(403)
    expect(
      (await raw(api.srv.url, 'GET', '/health', { Origin: 'http://evil.example' })).status,
    ).toBe(403)
    expect(
      (await raw(api.srv.url, 'GET', '/health', { 'Sec-Fetch-Site': 'cross-site' })).status,
    ).toBe(403)
    expect(runCount()).toBe(before)
    const local = await raw(api.srv.url, 'GET', '/health', { Origin: 'http://localhost:5173' })
    expect(local.status).toBe(200)
  })

  it.each([
    ['text/plain', '{"code": "print(1)"}'],
    ['application/x-www-form-urlencoded', 'code=print(1)'],
    ['multipart/form-data; boundary=x', '--x\r\n\r\nprint(1)\r\n--x--'],
  ])('POST with Content-Type %s is 415', async (type, body) => {
    const before = runCount()
    for (const p of ['/execute', '/execute/async', `/jobs/${randomUUID()}/cancel`]) {
      const res = await call(api.srv.url, p, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      })
      expect(res.status, p).toBe(415)
    }
    expect(runCount()).toBe(before)
  })

  it('an OPTIONS preflight does not succeed and sends no CORS headers', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:3000']) {
      const res = await raw(api.srv.url, 'OPTIONS', '/execute', {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      })
      expect(res.status).toBeGreaterThanOrEqual(400)
      // raw() already asserted no Access-Control-* header came back.
    }
  })

  it('a non-loopback bind refuses to start without a token; with one, every request needs it', async () => {
    await expect(startServer({ core: api.srv.core, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /token/i,
    )
    const token = 'x'.repeat(20)
    const open = await startServer({ core: api.srv.core, host: '0.0.0.0', port: 0, token })
    api.track(open)
    const base = `http://127.0.0.1:${new URL(open.url).port}`
    const attempts: [string, string, RequestInit & { json?: unknown }][] = [
      ['GET', '/health', {}],
      ['GET', '/job-types', {}],
      ['GET', '/executions', {}],
      ['GET', `/jobs/${randomUUID()}`, {}],
      ['POST', '/execute', { json: { code: 'print(1)' } }],
      ['POST', '/execute/async', { json: { code: 'print(1)' } }],
      ['DELETE', `/executions/${randomUUID()}`, {}],
      ['GET', '/nope', {}],
    ]
    const before = runCount()
    for (const [method, p, init] of attempts) {
      for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${token}`, token]) {
        const headers: Record<string, string> = auth ? { authorization: auth } : {}
        const res = await call(base, p, { ...init, method, headers })
        expectDetail(res, 401, 'Missing or invalid API key.')
        expect(res.headers.get('www-authenticate')).toBe('Bearer')
      }
    }
    expect(runCount()).toBe(before)
    const ok = await call(base, '/health', { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    const list = await call(base, '/executions?limit=1', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(list.status).toBe(200)
  })
})
