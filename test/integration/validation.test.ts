// Request validation (docs/api.md) and localhost safety of POST /execute, through real HTTP: bad input is a
// 4xx with FastAPI's shape, never a 5xx, and never starts a container.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execute, postExecute, expectNoSessionContainersLeft, type ValidationBody } from './execute'
import { startInProcess, type JsonResponse } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server
const statuses: number[] = []

beforeAll(async () => {
  srv = await startInProcess()
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
  // Every request in this file was answered, and none with a 5xx.
  expect(statuses.length).toBeGreaterThan(10)
  for (const s of statuses) expect(s).toBeLessThan(500)
})

async function post(init: RequestInit & { json?: unknown }): Promise<JsonResponse<ValidationBody>> {
  const res = await postExecute(srv.url, init)
  statuses.push(res.status)
  return res
}

/** A raw HTTP request, for headers fetch will not send as given (Host) and chunked bodies. */
function rawPost(
  headers: Record<string, string>,
  body: string | string[],
  agent?: http.Agent,
): Promise<{ status: number; body: string }> {
  const url = new URL(`${srv.url}/execute`)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => {
          statuses.push(res.statusCode ?? 0)
          resolve({ status: res.statusCode ?? 0, body: text })
        })
      },
    )
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may answer 413 and close before a large chunked body is fully sent.
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err)
    })
    if (typeof body === 'string') {
      req.end(body)
      return
    }
    for (const chunk of body) req.write(chunk)
    req.end()
  })
}

function runCount(): number {
  return srv.core.store.list({ limit: 1000, offset: 0 }).total
}

describe('POST /execute validation', () => {
  it('an unknown field is 422 extra_forbidden with its loc', async () => {
    const res = await post({
      json: { code: 'print(1)', privileged: true, HostConfig: { Binds: ['/:/host'] } },
    })
    expect(res.status).toBe(422)
    const byLoc = Object.fromEntries(res.body.detail.map((d) => [d.loc.join('.'), d]))
    expect(Object.keys(byLoc).sort()).toEqual(['body.HostConfig', 'body.privileged'])
    expect(byLoc['body.privileged']).toMatchObject({
      type: 'extra_forbidden',
      loc: ['body', 'privileged'],
      msg: 'Extra inputs are not permitted',
    })
    expect(byLoc['body.HostConfig']?.type).toBe('extra_forbidden')
  })

  it.each([
    ['empty', ''],
    ['whitespace', '  \n\t  '],
  ])('%s code is 422 "Code cannot be empty"', async (_label, code) => {
    const res = await post({ json: { code } })
    expect(res.status).toBe(422)
    expect(res.body.detail.every((d) => d.loc.join('.') === 'body.code')).toBe(true)
    expect(res.body.detail.map((d) => d.msg).join(' | ')).toContain('Code cannot be empty')
  })

  it('missing code is 422 missing', async () => {
    const res = await post({ json: { input_data: {} } })
    expect(res.status).toBe(422)
    expect(res.body.detail).toEqual([
      expect.objectContaining({ type: 'missing', loc: ['body', 'code'] }),
    ])
  })

  it('code over 100,000 characters is 422', async () => {
    const res = await post({ json: { code: 'x' + ' '.repeat(100_000) } })
    expect(res.status).toBe(422)
    expect(res.body.detail[0]).toMatchObject({ type: 'string_too_long', loc: ['body', 'code'] })
  })

  it.each([0, -1, 301, 1.5, '10'])('timeout %j is 422', async (timeout) => {
    const res = await post({ json: { code: 'print(1)', timeout } })
    expect(res.status).toBe(422)
    expect(res.body.detail).toHaveLength(1)
    expect(res.body.detail[0].loc).toEqual(['body', 'timeout'])
  })

  it('timeout 301 names the configured max_timeout', async () => {
    const res = await post({ json: { code: 'print(1)', timeout: 301 } })
    expect(res.body.detail[0].msg).toMatch(/max_timeout \(300 seconds\)/)
  })

  it.each([
    ['input_data as a list', { input_data: [1, 2] }, 'input_data'],
    ['input_data as a string', { input_data: 'x' }, 'input_data'],
    ['memory_mb below 16', { memory_mb: 8 }, 'memory_mb'],
    ['cpus of 0', { cpus: 0 }, 'cpus'],
    ['a bad job_type', { job_type: '../etc' }, 'job_type'],
  ])('%s is 422 naming the field', async (_label, extra, field) => {
    const res = await post({ json: { code: 'print(1)', ...extra } })
    expect(res.status).toBe(422)
    expect(res.body.detail.map((d) => d.loc)).toContainEqual(['body', field])
  })

  it('input_data over 1 MiB serialized is 422', async () => {
    const res = await post({ json: { code: 'print(1)', input_data: { s: 'a'.repeat(1_048_577) } } })
    expect(res.status).toBe(422)
    expect(res.body.detail[0].loc).toEqual(['body', 'input_data'])
    expect(res.body.detail[0].msg).toMatch(/1MB/)
  })

  it('a body that is not JSON is 422 json_invalid', async () => {
    const res = await post({ headers: { 'content-type': 'application/json' }, body: '{"code": ' })
    expect(res.status).toBe(422)
    expect(res.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', 0] })
  })

  it.each([
    ['an array', '[1, 2]'],
    ['a string', '"print(1)"'],
    ['null', 'null'],
  ])('a JSON body that is %s is 422', async (_label, body) => {
    const res = await post({ headers: { 'content-type': 'application/json' }, body })
    expect(res.status).toBe(422)
    expect(res.body.detail[0].loc).toEqual(['body'])
  })

  it('a body over 2 MiB is 413', async () => {
    const res = await post({ json: { code: `# ${'x'.repeat(2 * 1024 * 1024)}` } })
    expect(res.status).toBe(413)
    expect(JSON.stringify(res.body)).toMatch(/Payload too large/)
  })

  it('a chunked body over 2 MiB (no Content-Length) is 413, and the connection stays usable', async () => {
    // One kept-alive connection for both requests: the second must not queue behind the unread
    // rest of the first body (it used to hang until the client gave up).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const chunk = 'x'.repeat(256 * 1024)
      const res = await rawPost(
        { host: 'localhost', 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        ['{"code": "#', ...Array<string>(9).fill(chunk), '"}'],
        agent,
      )
      expect(res.status).toBe(413)
      expect(res.body).toMatch(/Payload too large/)
      const next = await rawPost(
        { host: 'localhost', 'content-type': 'application/json' },
        JSON.stringify({ code: ' ' }),
        agent,
      )
      expect(next.status).toBe(422)
      expect(next.body).toContain('Code cannot be empty')
    } finally {
      agent.destroy()
    }
  }, 10_000)

  it('Content-Type application/json with a charset is accepted', async () => {
    const res = await post({
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ code: '' }),
    })
    // Reached validation: the content type was accepted.
    expect(res.status).toBe(422)
    expect(res.body.detail[0]?.loc).toEqual(['body', 'code'])
  })

  it('Content-Type text/plain is 415', async () => {
    const res = await post({
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ code: 'print(1)' }),
    })
    expect(res.status).toBe(415)
    expect(JSON.stringify(res.body)).toMatch(/application\/json/)
  })

  it('a form post (simple CSRF) is 415', async () => {
    const res = await post({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'code=print(1)',
    })
    expect(res.status).toBe(415)
  })

  it('Host: evil.example is 400 (DNS rebinding)', async () => {
    const res = await rawPost(
      { host: 'evil.example', 'content-type': 'application/json' },
      JSON.stringify({ code: 'print(1)' }),
    )
    expect(res.status).toBe(400)
    expect(res.body).toMatch(/Host header/)
  })

  it('a cross-site Origin is 403', async () => {
    const res = await post({
      json: { code: 'print(1)' },
      headers: { origin: 'https://evil.example' },
    })
    expect(res.status).toBe(403)
  })

  it('none of the rejected requests created a run; a valid one still works', async () => {
    expect(runCount()).toBe(0)
    const ok = await execute(srv.url, { code: 'print("still fine")', timeout: 300 })
    statuses.push(200)
    expect(ok.status).toBe('succeeded')
    expect(ok.stdout).toBe('still fine\n')
    expect(runCount()).toBe(1)
  })
})
