// HTML report previews (issue 12): a report framed by the app may show its own run's images, and
// nothing else may use that door — not another run's report, not a page on another port, not a
// request that is not an image, not a guessed key. Real engine, raw HTTP with the headers a browser
// sends from a sandboxed frame (`Origin: null`, `Sec-Fetch-Site: cross-site`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest } from '../integration/http'
import { artifactPath, py, run, startSecure, stopSecure, type Ctx } from './harness'

let ctx: Ctx
let own: string
let other: string

/** A sandboxed frame's image request, as Chromium sends it. */
const FRAME_IMAGE = {
  Origin: 'null',
  'Sec-Fetch-Site': 'cross-site',
  'Sec-Fetch-Mode': 'no-cors',
  'Sec-Fetch-Dest': 'image',
}

async function get(path: string, headers: Record<string, string> = {}) {
  return rawRequest(ctx.srv.url, 'GET', path, headers)
}

async function previewUrl(runId: string, name: string): Promise<string> {
  const q = new URLSearchParams({ run: runId, path: name })
  const res = await get(`/api/preview-url?${q.toString()}`, { 'Sec-Fetch-Site': 'same-origin' })
  expect(res.status, res.bytes.toString()).toBe(200)
  return (JSON.parse(res.bytes.toString()) as { url: string }).url
}

beforeAll(async () => {
  ctx = await startSecure()
  const code = py(
    'import os',
    'os.makedirs("/output/plots")',
    'open("/output/plots/chart.png", "wb").write(b"\\x89PNG\\r\\n\\x1a\\nnot really")',
    'open("/output/report.html", "w").write("<img src=plots/chart.png>")',
  )
  const a = await run(ctx, { code })
  const b = await run(ctx, { code })
  expect([a.status, b.status]).toEqual(['succeeded', 'succeeded'])
  own = a.execution_id
  other = b.execution_id
}, 120_000)

afterAll(async () => {
  await stopSecure(ctx)
})

describe('HTML report previews', () => {
  it("serve a report under its run's key, with a policy naming only that run's folder", async () => {
    const url = await previewUrl(own, 'report.html')
    expect(url).toMatch(new RegExp(`^/jobs/${own}/preview/[0-9a-f]{32}/report\\.html$`))
    const folder = url.replace(/report\.html$/, '')
    const res = await get(url, { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Dest': 'iframe' })
    expect(res.status).toBe(200)
    expect(res.headers['content-disposition']).toBe('inline')
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
    const csp = new Map(
      String(res.headers['content-security-policy'])
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources] as const),
    )
    const folderUrl = `${ctx.srv.url}${folder}`
    expect(csp.get('sandbox')).toEqual([])
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('img-src')).toEqual(['data:', folderUrl])
    expect(csp.get('style-src')).toEqual(["'unsafe-inline'", folderUrl])
    expect(csp.get('font-src')).toEqual([folderUrl])
    expect(csp.get('media-src')).toEqual([folderUrl])
    expect(csp.get('frame-ancestors')).toEqual(["'self'"])
    expect([...csp.keys()].sort()).toEqual([
      'default-src',
      'font-src',
      'frame-ancestors',
      'img-src',
      'media-src',
      'sandbox',
      'style-src',
    ])
    // The frame's own image request is let through.
    const img = await get(`${folder}plots/chart.png`, FRAME_IMAGE)
    expect(img.status).toBe(200)
    expect(img.bytes.subarray(0, 4).toString('latin1')).toBe('\x89PNG')
  })

  it('refuse a guessed key, a key of another run, and a frame asking for the plain artifact route', async () => {
    const url = await previewUrl(own, 'report.html')
    const key = /preview\/([0-9a-f]{32})\//.exec(url)?.[1] ?? ''
    const guessed = key.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    expect((await get(`/jobs/${own}/preview/${guessed}/plots/chart.png`, FRAME_IMAGE)).status).toBe(
      404,
    )
    expect((await get(`/jobs/${other}/preview/${key}/plots/chart.png`, FRAME_IMAGE)).status).toBe(
      404,
    )
    expect((await get(artifactPath(own, 'plots/chart.png'), FRAME_IMAGE)).status).toBe(403)
    expect((await get(artifactPath(other, 'plots/chart.png'), FRAME_IMAGE)).status).toBe(403)
  })

  it('let only image, style, font and media requests through cross-site, never fetch or navigation', async () => {
    const folder = (await previewUrl(own, 'report.html')).replace(/report\.html$/, '')
    for (const dest of ['empty', 'document', 'iframe', 'script', 'worker']) {
      const res = await get(`${folder}plots/chart.png`, { ...FRAME_IMAGE, 'Sec-Fetch-Dest': dest })
      expect(res.status, dest).toBe(403)
    }
    // A page on another port asking with its own origin is refused whatever it asks for.
    const res = await get(`${folder}plots/chart.png`, {
      ...FRAME_IMAGE,
      Origin: 'http://127.0.0.1:1',
    })
    expect(res.status).toBe(403)
  })

  it('hand out preview URLs to our own page only, and only for artifacts the run has', async () => {
    const q = new URLSearchParams({ run: own, path: 'report.html' }).toString()
    // (A page on another local port may send the GET, as for every GET, but cannot read the answer:
    // no CORS headers are ever sent.)
    const refused: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null', 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'image' },
      { Origin: 'null' },
      { Origin: 'https://example.com' },
    ]
    for (const headers of refused) {
      expect((await get(`/api/preview-url?${q}`, headers)).status, JSON.stringify(headers)).toBe(
        403,
      )
    }
    const missing = new URLSearchParams({ run: own, path: 'nope.html' }).toString()
    expect((await get(`/api/preview-url?${missing}`)).status).toBe(404)
    const escape = new URLSearchParams({ run: own, path: '../run.json' }).toString()
    expect((await get(`/api/preview-url?${escape}`)).status).toBe(400)
  })
})
