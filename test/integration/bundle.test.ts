// Run bundles against the real daemon: a run made by a real container is exported, deleted and
// imported back — over HTTP (`GET /executions/{id}/bundle`, `POST /executions/import`) and over the
// app's IPC binding — and comes back with the same record and artifact hashes under a new id.
// Tampered, truncated, zip-slip, symlink, oversized and bomb bundles are each refused with 422 and
// nothing is created: the run count and the data folder's listing are the same before and after.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { deflateSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src/shared/record'
import {
  declareSize,
  enc,
  entriesOf,
  entryRange,
  makeZip,
  remanifest,
  S_IFLNK,
  sha,
} from '../fixtures/bundle-zip'
import { executeOk, py, expectNoSessionContainersLeft } from './execute'
import { request, startInProcess, tempDir } from './helpers'
import { ipcCaller } from './ipc-caller'

type Server = Awaited<ReturnType<typeof startInProcess>>
interface Envelope {
  ok: boolean
  value?: Record<string, unknown>
  error?: { code: string; message: string }
}

let srv: Server
let ipc: (method: string, args: unknown) => Promise<Envelope>
let savePath: string | null = null

const SCRIPT = py(
  'import json, os, sys',
  "os.makedirs('/output/tables', exist_ok=True)",
  "open('/output/plot.bin', 'wb').write(os.urandom(1_000_000))",
  "open('/output/tables/data.csv', 'w').write('a,b\\n' + '1,2\\n' * 500)",
  "json.dump({'answer': 42.0, 'n': 3}, open('/output/result.json', 'w'))",
  "print('hello from the run')",
  "print('a warning', file=sys.stderr)",
)

beforeAll(async () => {
  // No warm pool: its slots would come and go in the data folder the refusals list.
  srv = await startInProcess({ pool: { enabled: false } })
  ipc = ipcCaller<Envelope>(srv.core, { chooseSavePath: async () => savePath })
})

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
})

/** The record without what an import changes on purpose. */
function comparable(r: RunRecord): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...r }
  for (const k of ['id', 'imported', 'owner', 'idempotencyKey', 'fingerprint']) delete rest[k]
  return rest
}

async function makeRun(): Promise<RunRecord> {
  const body = await executeOk(srv.url, SCRIPT)
  return srv.core.store.get(body.execution_id)!
}

async function download(id: string): Promise<Response> {
  return fetch(`${srv.url}/executions/${id}/bundle`)
}

function postBundle(
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return request(`${srv.url}/executions/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/zip', ...headers },
    body,
  })
}

/** The artifact files of a run, by name, as the artifact route serves them. */
async function servedHashes(rec: RunRecord): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const a of rec.artifacts) {
    const res = await fetch(`${srv.url}/jobs/${rec.id}/artifacts/${a.name}`)
    expect(res.status).toBe(200)
    out[a.name] = sha(new Uint8Array(await res.arrayBuffer()))
  }
  return out
}

async function expectRoundTrip(original: RunRecord, importedId: string): Promise<void> {
  const back = srv.core.store.get(importedId)!
  expect(back.id).not.toBe(original.id)
  expect(back.imported).toMatchObject({
    originalId: original.id,
    originalCreatedAt: original.createdAt,
  })
  expect(comparable(back)).toEqual(comparable(original))
  expect(back.artifacts.map((a) => a.name).sort()).toEqual([
    'plot.bin',
    'result.json',
    'tables/data.csv',
  ])
  const served = await servedHashes(back)
  for (const a of original.artifacts) expect(served[a.name]).toBe(a.sha256)
  const detail = await request<Record<string, unknown>>(
    `${srv.url}/executions/${importedId}?view=full`,
  )
  expect(detail.status).toBe(200)
  expect(detail.body).toMatchObject({
    status: 'succeeded',
    stdout: 'hello from the run\n',
    stderr: 'a warning\n',
    output: { answer: 42.0, n: 3 },
  })
  const listed = await ipc('history:list', { limit: 50, offset: 0 })
  const row = (listed.value!.items as { id: string; imported?: { originalId: string } }[]).find(
    (r) => r.id === importedId,
  )
  expect(row?.imported?.originalId).toBe(original.id)
}

describe('round trip', () => {
  it('over HTTP: export → delete → import gives the same record and artifacts', async () => {
    const original = await makeRun()
    const res = await download(original.id)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/zip')
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="tako-run-${original.id}.zip"`,
    )
    const zip = new Uint8Array(await res.arrayBuffer())
    const del = await request(`${srv.url}/executions/${original.id}`, { method: 'DELETE' })
    expect(del.status).toBe(200)
    expect(srv.core.store.has(original.id)).toBe(false)
    const imported = await postBundle(zip)
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    expect(imported.body.original_id).toBe(original.id)
    await expectRoundTrip(original, imported.body.execution_id as string)
  })

  it('over IPC: a save dialog, then the file; importing its bytes gives the same run', async () => {
    const original = await makeRun()
    savePath = null
    expect((await ipc('runs:exportBundle', { id: original.id })).value).toEqual({
      cancelled: true,
    })
    savePath = path.join(tempDir('tako-bundle-out-'), 'run.zip')
    const saved = await ipc('runs:exportBundle', { id: original.id })
    expect(saved).toEqual({ ok: true, value: { path: savePath } })
    // Only the finished file is there: no partial file left beside it.
    expect(fs.readdirSync(path.dirname(savePath))).toEqual(['run.zip'])
    expect((await ipc('runs:delete', { id: original.id })).ok).toBe(true)
    const imported = await ipc('runs:importBundle', { data: fs.readFileSync(savePath) })
    expect(imported.ok, JSON.stringify(imported.error)).toBe(true)
    expect(imported.value).toMatchObject({
      status: 'succeeded',
      imported: { originalId: original.id },
    })
    await expectRoundTrip(original, imported.value!.id as string)
  })

  it('an unknown run is 404 over HTTP and not_found over IPC', async () => {
    expect((await download('no-such-run')).status).toBe(404)
    const rpc = await ipc('runs:exportBundle', { id: 'no-such-run' })
    expect(rpc.error?.code).toBe('not_found')
  })
})

describe('refused bundles create nothing', () => {
  let good: Buffer

  beforeAll(async () => {
    const original = await makeRun()
    good = Buffer.from(await (await download(original.id)).arrayBuffer())
  })

  function listing(): string[] {
    const dir = srv.dataDir
    return fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
      .sort()
  }

  const cases: [string, () => Buffer, string][] = [
    [
      'a changed byte',
      () => {
        // Random bytes are stored as they are: flip one in the middle of the artifact.
        const [start, end] = entryRange(good, 'artifacts/plot.bin')
        const b = Buffer.from(good)
        const at = (start + end) >> 1
        b[at] = (b[at] ?? 0) ^ 0x01
        return b
      },
      '"artifacts/plot.bin" is corrupt (CRC mismatch)',
    ],
    [
      'truncated',
      () => good.subarray(0, good.length - 10),
      'not a complete zip archive (no end-of-archive record; truncated?)',
    ],
    [
      'zip-slip',
      () => makeZip(remanifest([...entriesOf(good), { name: '../../evil.py', data: enc('x') }])),
      '"../../evil.py" leads out of the bundle (..)',
    ],
    [
      'a symlink',
      () =>
        makeZip(
          remanifest([
            ...entriesOf(good),
            {
              name: 'artifacts/passwd',
              data: enc('/etc/passwd'),
              os: 3,
              attrs: (S_IFLNK | 0o777) << 16,
            },
          ]),
        ),
      '"artifacts/passwd" is a symbolic link',
    ],
    [
      'an oversized artifact',
      () =>
        declareSize(
          makeZip(entriesOf(good).map((e) => ({ ...e, deflate: true }))),
          'artifacts/plot.bin',
          200 * 1024 * 1024,
        ),
      `"artifacts/plot.bin" is ${200 * 1024 * 1024} bytes, over its cap of ${100 * 1024 * 1024}`,
    ],
    [
      'a bomb',
      () => {
        const built = makeZip(
          remanifest([
            ...entriesOf(good),
            { name: 'artifacts/b.bin', data: randomBytes(1024 * 1024), deflate: true },
          ]),
        )
        const [start, end] = entryRange(built, 'artifacts/b.bin')
        const bomb = deflateSync(new Uint8Array(16 * 1024 * 1024), { level: 9 })
        expect(bomb.length).toBeLessThan(end - start)
        built.set(bomb, start)
        return built
      },
      '"artifacts/b.bin" inflates past its declared size of 1048576 bytes',
    ],
  ]

  it.each(cases)('%s → 422 with its reason, over HTTP and IPC', async (_label, build, reason) => {
    const zip = build()
    const countBefore = srv.core.store.all().length
    const before = listing()
    const res = await postBundle(zip)
    expect(res.status).toBe(422)
    expect(res.body.detail).toBe(`Bundle refused: ${reason}`)
    const rpc = await ipc('runs:importBundle', { data: zip })
    expect(rpc.error).toEqual({ code: 'invalid_argument', message: `Bundle refused: ${reason}` })
    expect(srv.core.store.all().length).toBe(countBefore)
    expect(listing()).toEqual(before)
    const total = await request<{ total: number }>(`${srv.url}/executions?limit=1`)
    expect(total.body.total).toBe(countBefore)
  })
})

describe('the import route', () => {
  it('takes only application/zip', async () => {
    const res = await request(`${srv.url}/executions/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(10),
    })
    expect(res.status).toBe(415)
  })

  it('refuses another site, as every request that changes state', async () => {
    const before = srv.core.store.all().length
    const res = await postBundle(new Uint8Array(10), { origin: 'http://evil.example' })
    expect(res.status).toBe(403)
    const site = await postBundle(new Uint8Array(10), { 'sec-fetch-site': 'same-site' })
    expect(site.status).toBe(403)
    expect(srv.core.store.all().length).toBe(before)
  })

  it('refuses a body over the cap with 413 before reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${srv.url}/executions/import`)
      const req = http.request({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/zip', 'content-length': String(700 * 1024 * 1024) },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(Buffer.alloc(1024))
    })
    expect(status).toBe(413)
  })
})
