// The Tako VM-compatible API, `GET` and `HEAD /jobs/{id}/artifacts/{path}`: bytes, ETags, content
// types, traversal. Against the real daemon with production flags: field names, status codes and
// error messages as Tako VM sends them (see docs/api.md); every answer is checked for CORS and
// security headers.
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { py } from './execute'
import { sha256 } from './http'
import {
  call,
  checkFetchHeaders,
  expectDetail,
  raw,
  submit,
  type Body,
  useApiServer,
  waitResult,
} from './api'

const api = useApiServer(33)

describe('GET and HEAD /jobs/{id}/artifacts/{path}', () => {
  const files: Record<string, { text: string; type: RegExp }> = {
    'plots/a.txt': { text: 'alpha\n', type: /^text\/plain/ },
    'tables/deep/data.csv': { text: 'x,y\n1,2\n', type: /^text\/csv/ },
    'blob.bin': { text: 'raw bytes', type: /^application\/octet-stream$/ },
  }
  let id = ''

  beforeAll(async () => {
    const code = py(
      'import os',
      ...Object.entries(files).flatMap(([name, f]) => [
        `os.makedirs(os.path.dirname(${JSON.stringify(name)}) or ".", exist_ok=True)`,
        `open(${JSON.stringify(name)}, "w").write(${JSON.stringify(f.text)})`,
      ]),
    )
    id = await submit(api.srv.url, { code })
    const r = await waitResult(api.srv.url, id, true)
    expect(r.status, JSON.stringify(r.error)).toBe('succeeded')
    expect((r.artifacts as Body[]).map((a) => a.name).sort()).toEqual(Object.keys(files).sort())
  })

  it.each(Object.keys(files))(
    'GET %s: bytes, ETag = sha256, content type, attachment',
    async (name) => {
      const f = files[name]
      const res = await fetch(`${api.srv.url}/jobs/${id}/artifacts/${name}`, {
        signal: AbortSignal.timeout(30_000),
      })
      checkFetchHeaders(res)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(f.text)
      expect(res.headers.get('etag')).toBe(`"${sha256(f.text)}"`)
      expect(res.headers.get('content-type')).toMatch(f.type)
      expect(res.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="${path.posix.basename(name)}"`),
      )
    },
  )

  it('HEAD has Content-Length, ETag and an empty body', async () => {
    const res = await fetch(`${api.srv.url}/jobs/${id}/artifacts/plots/a.txt`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(30_000),
    })
    checkFetchHeaders(res)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe(String('alpha\n'.length))
    expect(res.headers.get('etag')).toBe(`"${sha256('alpha\n')}"`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await res.text()).toBe('')
  })

  it('If-None-Match with the ETag is 304 with no body; another tag gets the file', async () => {
    const etag = `"${sha256('alpha\n')}"`
    const hit = await raw(api.srv.url, 'GET', `/jobs/${id}/artifacts/plots/a.txt`, {
      'If-None-Match': etag,
    })
    expect(hit.status).toBe(304)
    expect(hit.body).toBe('')
    expect(hit.headers.etag).toBe(etag)
    const miss = await raw(api.srv.url, 'GET', `/jobs/${id}/artifacts/plots/a.txt`, {
      'If-None-Match': `"${'0'.repeat(64)}"`,
    })
    expect(miss.status).toBe(200)
    expect(miss.body).toBe('alpha\n')
  })

  it('an unknown artifact is 404 "Artifact not found"; an unknown job is 404 "Job not found"', async () => {
    expectDetail(
      await call(api.srv.url, `/jobs/${id}/artifacts/plots/nope.txt`),
      404,
      'Artifact not found',
    )
    expectDetail(
      await call(api.srv.url, `/jobs/${id}/artifacts/result.json`),
      404,
      'Artifact not found',
    )
    expectDetail(
      await call(api.srv.url, `/jobs/${randomUUID()}/artifacts/plots/a.txt`),
      404,
      'Job not found',
    )
  })

  it.each([
    '../x',
    '../../../../etc/passwd',
    '%2e%2e/%2e%2e/etc/passwd',
    '%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%2Fetc%2Fpasswd',
    '..%2F..%2F..%2F..%2Fetc%2Fpasswd',
    'a/../../x',
    'plots/..%2F..%2Frun.json',
    'plots%2F..%2F..%2F..%2Frun.json',
    'plots/a.txt%00.png',
    '.%2Fplots%2Fa.txt',
  ])('traversal %s is 400 or 404, never a file', async (rawName) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(api.srv.url, method, `/jobs/${id}/artifacts/${rawName}`)
      expect([400, 404], `${method} ${res.status} ${res.body}`).toContain(res.status)
      expect(res.headers['content-disposition']).toBeUndefined()
      expect(res.headers.etag).toBeUndefined()
      if (method === 'GET') {
        expect(res.body).not.toMatch(/root:|"execution_id"|"codeHash"|alpha/)
        expect(JSON.parse(res.body)).toHaveProperty('detail')
      }
    }
  })
})
