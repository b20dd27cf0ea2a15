// The local API and other local pages (issue 16): a page served from another port of this machine
// (a dev server, a notebook, a hostile local page) must not change anything through our API, even
// with `mode: 'no-cors'` and no body. Real Chromium, a second real HTTP server, the real engine.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BuildEvent } from '../../src/main/environments/environment-service'
import { startServer } from '../../src/main/server/server'
import { launchBrowser } from '../e2e/fixtures'
import { request } from '../integration/helpers'
import { expectAftermath, py, run, startAsync, startSecure, stopSecure, type Ctx } from './harness'

interface Seen {
  method: string
  url: string
  origin: string | undefined
  site: string | undefined
  status: number
}

let ctx: Ctx
let api: Awaited<ReturnType<typeof startServer>>
let evil: http.Server
let evilPort: number
let browser: Browser
let page: Page
/** Every request our API answered, with its status. */
const seen: Seen[] = []
const builds: BuildEvent[] = []
let offBuilds: () => void
let finished: string

/** The hostile page: sends each target a body-less `no-cors` POST, then names itself `done`. */
const EVIL_PAGE = `<!doctype html><title>loading</title><script>
(async () => {
  const targets = JSON.parse(decodeURIComponent(location.hash.slice(1)))
  const out = []
  for (const t of targets) {
    try { await fetch(t, { method: 'POST', mode: 'no-cors' }); out.push('sent') }
    catch (e) { out.push('error ' + e) }
  }
  document.title = 'done ' + out.join(',')
})()
</script>`

beforeAll(async () => {
  ctx = await startSecure()
  // A server of our own on the same core, so the test sees every request and its answer.
  api = await startServer({ core: ctx.srv.core, port: 0 })
  api.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.on('finish', () =>
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        origin: req.headers.origin,
        site: req.headers['sec-fetch-site'],
        status: res.statusCode,
      }),
    )
  })
  evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(EVIL_PAGE)
  })
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
  evilPort = (evil.address() as AddressInfo).port
  offBuilds = ctx.srv.core.environments.subscribe((e) => builds.push(e))
  browser = await launchBrowser()
  page = await browser.newPage()
  const done = await run(ctx, { code: 'print("parent")' })
  expect(done.status).toBe('succeeded')
  finished = done.execution_id
})

afterAll(async () => {
  offBuilds?.()
  await browser?.close()
  await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()))
  await api?.close()
  await stopSecure(ctx)
})

/** The browser may ask for /favicon.ico at any time: look at POSTs only. */
function lastPost(): Seen | undefined {
  return seen.filter((s) => s.method === 'POST').at(-1)
}

function runCount(): number {
  return ctx.srv.core.store.all().length
}

/** Loads the hostile page from `pageOrigin` and waits until it has sent every request. */
async function attackFrom(pageOrigin: string, targets: string[]): Promise<void> {
  const before = seen.length
  await page.goto(`${pageOrigin}/#${encodeURIComponent(JSON.stringify(targets))}`)
  await page.waitForFunction("document.title.startsWith('done')", null, { timeout: 30_000 })
  expect(await page.title()).toBe(`done ${targets.map(() => 'sent').join(',')}`)
  // Every request reached our server and was refused there (not blocked in the browser).
  const answered = seen.slice(before).filter((s) => s.method === 'POST')
  expect(answered.map((s) => `${s.method} ${s.url} ${s.origin} ${s.status}`)).toEqual(
    targets.map((t) => `POST ${new URL(t).pathname}${new URL(t).search} ${pageOrigin} 403`),
  )
}

describe('state-changing requests only from our own origin', () => {
  it('a page on another port cannot cancel, rerun, fork or start a build, body-less and no-cors', async () => {
    const live = await startAsync(ctx, { code: py('import time', 'time.sleep(60)'), timeout: 90 })
    const count = runCount()
    const lastBuild = ctx.srv.core.environments.lastEvent('default')
    const targets = [
      `${api.url}/jobs/${live}/cancel`,
      `${api.url}/jobs/${finished}/rerun`,
      `${api.url}/job-types/default/build?wait=false`,
      `${api.url}/api/rpc/runs:cancel`,
    ]
    for (const origin of [`http://127.0.0.1:${evilPort}`, `http://localhost:${evilPort}`]) {
      await attackFrom(origin, targets)
    }
    // Nothing happened: the live run still runs, no run was added, no build started.
    expect(ctx.srv.core.jobs.isRunning(live)).toBe(true)
    expect(ctx.srv.core.store.get(live)?.status).toBe('running')
    expect(runCount()).toBe(count)
    expect(builds).toEqual([])
    expect(ctx.srv.core.environments.lastEvent('default')).toEqual(lastBuild)

    // The app's own page (served by us) still changes state: it cancels the run itself.
    await page.goto(`${api.url}/health`)
    const status = await page.evaluate(async (id) => {
      const res = await fetch(`/jobs/${id}/cancel`, { method: 'POST' })
      return res.status
    }, live)
    expect(status).toBe(200)
    expect(lastPost()).toMatchObject({ origin: api.url, site: 'same-origin', status: 200 })
    const final = await request(`${api.url}/jobs/${live}/result?wait=true&timeout=60`)
    expect(final.body.status).toBe('cancelled')
    await expectAftermath(ctx)
  })

  it("our own page's JSON POSTs work: a rerun from our origin is queued and runs", async () => {
    const count = runCount()
    await page.goto(`${api.url}/health`)
    const res = await page.evaluate(async (id) => {
      const r = await fetch(`/jobs/${id}/rerun`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      })
      return { status: r.status, body: (await r.json()) as { job_id: string } }
    }, finished)
    expect(res.status).toBe(200)
    expect(lastPost()).toMatchObject({ origin: api.url, status: 200 })
    const rerun = await request(`${api.url}/jobs/${res.body.job_id}/result?wait=true&timeout=60`)
    expect(rerun.body).toMatchObject({ status: 'succeeded', stdout: 'parent\n' })
    expect(runCount()).toBe(count + 1)
  })

  it('clients without Origin or Sec-Fetch-Site (curl, Python requests) keep working', async () => {
    const count = runCount()
    const res = await request(`${api.url}/jobs/${finished}/rerun`, { method: 'POST', json: {} })
    expect(res.status).toBe(200)
    const done = await request(`${api.url}/jobs/${String(res.body.job_id)}/result?wait=true`)
    expect(done.body.status).toBe('succeeded')
    expect(runCount()).toBe(count + 1)
  })

  it('Origin rules, request by request: another port, another loopback address, null, Sec-Fetch-Site', async () => {
    const port = new URL(api.url).port
    const count = runCount()
    const post = (headers: Record<string, string>, host?: string) =>
      rawPost(api.url, `/jobs/${finished}/rerun`, { ...headers, ...(host ? { Host: host } : {}) })
    const refused: [Record<string, string>, string?][] = [
      [{ Origin: `http://127.0.0.1:${evilPort}` }],
      [{ Origin: `http://localhost:${evilPort}` }],
      // Another loopback address may be held by another server on the same port.
      [{ Origin: `http://127.0.0.2:${port}` }],
      [{ Origin: `https://127.0.0.1:${port}` }],
      [{ Origin: `http://127.0.0.1:${port}/x` }],
      [{ Origin: 'null' }],
      [{ Origin: `http://[::1]:${port}` }],
      [{ 'Sec-Fetch-Site': 'same-site' }],
      [{ 'Sec-Fetch-Site': 'cross-site' }],
      [{ Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'cross-site' }],
    ]
    for (const [headers, host] of refused) {
      const res = await post(headers, host)
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect((JSON.parse(res.body) as { detail: string }).detail, JSON.stringify(headers)).toMatch(
        /own page|Cross-origin/,
      )
    }
    expect(runCount()).toBe(count)
    const allowed: [Record<string, string>, string?][] = [
      [{ Origin: `http://127.0.0.1:${port}` }],
      // The same socket under its other loopback name.
      [{ Origin: `http://localhost:${port}` }],
      [{ Origin: `http://localhost:${port}` }, `localhost:${port}`],
      [{ 'Sec-Fetch-Site': 'same-origin' }],
      [{ 'Sec-Fetch-Site': 'none' }],
    ]
    for (const [headers, host] of allowed) {
      const res = await post(headers, host)
      expect(res.status, `${JSON.stringify(headers)} ${res.body}`).toBe(200)
    }
    // GET stays readable from other local pages' links (their answers are not readable cross-origin).
    const get = await request(`${api.url}/health`, {
      headers: { Origin: `http://localhost:${evilPort}` },
    })
    expect(get.status).toBe(200)
    await ctx.srv.core.engine.drain()
  })
})

/** A POST with exactly these headers (fetch would not let us set Origin or Host). */
function rawPost(
  base: string,
  urlPath: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: urlPath,
        headers: { 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end('{}')
  })
}
