// A run's input files are served by the artifact rules (see docs/security.md, 'Artifacts'): only
// names in the run's record, from its own input-files/ folder, never through a link, never a FIFO,
// under the artifact sandbox policy. Through the HTTP route `GET /jobs/{id}/input-files/{name}` and
// the desktop app's `tako-artifact://input/<id>/<name>`, with no Docker needed (the record is made
// on disk here).
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openInputFile } from '../../src/main/app/artifact-access'
import { createCore } from '../../src/main/app/core'
import { createHandlers } from '../../src/main/app/handlers'
import { artifactResponse, resolveArtifactUrl } from '../../src/main/electron/artifact-protocol'
import { inputFilesDir } from '../../src/main/engine/input-files'
import { DEFAULT_LIMITS } from '../../src/main/engine/limits'
import { startServer } from '../../src/main/server/server'
import { RunStore } from '../../src/main/store/run-store'
import { ARTIFACT_CSP, ARTIFACT_CSP_WEB } from '../../src/shared/csp'
import { inputFileSchemeUrl } from '../../src/shared/ipc'
import type { RunRecord } from '../../src/shared/record'
import { offlineClient } from './fake-container-client'

const ID = '0b5e8f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b'
const FILES: Record<string, string> = {
  'visits.csv': 'day,visits\nmon,3\ntue,5\n',
  'notes.txt': 'hello\n',
  'page.html': '<script>alert(1)</script>',
}
const sha = (s: string): string => createHash('sha256').update(s).digest('hex')

/** A finished run with three input files and one artifact, and a secret file beside the store. */
function seed(data: string): { store: RunStore; dir: string; outside: string } {
  const store = new RunStore(data)
  store.save({
    id: ID,
    status: 'succeeded',
    artifacts: [{ name: 'out.txt', sizeBytes: 2, sha256: sha('ok'), contentType: 'text/plain' }],
    inputFiles: Object.entries(FILES).map(([name, text]) => ({
      name,
      size: text.length,
      sha256: sha(text),
    })),
    limits: DEFAULT_LIMITS,
  } as unknown as RunRecord)
  const dir = inputFilesDir(store.runDir(ID))
  fs.mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text)
  fs.mkdirSync(store.artifactsDir(ID), { recursive: true })
  fs.writeFileSync(path.join(store.artifactsDir(ID), 'out.txt'), 'ok')
  const outside = path.join(data, 'secret.txt')
  fs.writeFileSync(outside, 'secret')
  return { store, dir, outside }
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tako-input-access-'))
}

describe('openInputFile', () => {
  it('opens a listed input file, described with the content type of its name', () => {
    const { store } = seed(tmp())
    const opened = openInputFile(store, ID, 'visits.csv')
    try {
      expect(opened.artifact).toEqual({
        name: 'visits.csv',
        sizeBytes: FILES['visits.csv'].length,
        sha256: sha(FILES['visits.csv']),
        contentType: 'text/csv',
      })
      expect(fs.readFileSync(opened.fd, 'utf8')).toBe(FILES['visits.csv'])
    } finally {
      fs.closeSync(opened.fd)
    }
  })

  it.each([
    ['a name not in the record', 'other.csv', 'Input file not found'],
    ['an artifact name', 'out.txt', 'Input file not found'],
    ['data.json', 'data.json', 'Invalid input file name'],
    ['a path', '../secret.txt', 'Invalid input file name'],
    ['a dot-dot', '..', 'Invalid input file name'],
    ['a control character', 'a\nb.csv', 'Invalid input file name'],
  ])('refuses %s', (_what, name, message) => {
    const { store } = seed(tmp())
    expect(() => openInputFile(store, ID, name)).toThrow(message)
  })

  it('refuses an unknown run and a malformed id', () => {
    const { store } = seed(tmp())
    expect(() => openInputFile(store, ID.replace('0b', '0c'), 'visits.csv')).toThrow(
      'Job not found',
    )
    expect(() => openInputFile(store, '../x', 'visits.csv')).toThrow('Job not found')
  })

  it('refuses a link planted in place of a file or of the folder, and never blocks on a FIFO', () => {
    const { store, dir, outside } = seed(tmp())
    fs.rmSync(path.join(dir, 'notes.txt'))
    fs.symlinkSync(outside, path.join(dir, 'notes.txt'))
    expect(() => openInputFile(store, ID, 'notes.txt')).toThrow('Invalid input path')
    fs.rmSync(path.join(dir, 'visits.csv'))
    execFileSync('mkfifo', [path.join(dir, 'visits.csv')])
    expect(() => openInputFile(store, ID, 'visits.csv')).toThrow('Input file not found')
    fs.rmSync(dir, { recursive: true })
    fs.mkdirSync(path.join(path.dirname(outside), 'elsewhere'))
    fs.writeFileSync(path.join(path.dirname(outside), 'elsewhere', 'page.html'), 'x')
    fs.symlinkSync(path.join(path.dirname(outside), 'elsewhere'), dir)
    expect(() => openInputFile(store, ID, 'page.html')).toThrow('Invalid input path')
  })
})

describe('tako-artifact://input/<id>/<name>', () => {
  it('answers a listed input file under the artifact sandbox policy, loading nothing else', async () => {
    const { store } = seed(tmp())
    expect(inputFileSchemeUrl(ID, 'a b.csv', true)).toBe(
      `tako-artifact://input/${ID}/a%20b.csv?inline=1`,
    )
    const res = artifactResponse(store, inputFileSchemeUrl(ID, 'page.html'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(ARTIFACT_CSP)
    expect(res.headers.get('content-type')).toBe('text/html')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toBe(FILES['page.html'])
  })

  it.each([
    `tako-artifact://input/${ID}/..%2Fsecret.txt`,
    `tako-artifact://input/${ID}/%2e%2e/%2e%2e/secret.txt`,
    `tako-artifact://input/${ID}/data.json`,
    `tako-artifact://input/${ID}/out.txt`,
    `tako-artifact://input/${ID}/sub/visits.csv`,
    `tako-artifact://run/${ID}/visits.csv`,
  ])('refuses %s', (url) => {
    const { store } = seed(tmp())
    expect(resolveArtifactUrl(store, url).ok).toBe(false)
  })
})

describe('GET /jobs/{id}/input-files/{name}', () => {
  let url = ''
  let close: () => Promise<void> = () => Promise.resolve()
  beforeAll(async () => {
    const data = tmp()
    seed(data)
    const core = createCore({ dataDir: data, client: offlineClient })
    const server = await startServer({ core, port: 0, rendererDir: null })
    url = server.url
    close = () => server.close()
  })
  afterAll(() => close())

  it('serves the bytes with the artifact headers: type, ETag, sandbox CSP, nosniff', async () => {
    const res = await fetch(`${url}/jobs/${ID}/input-files/visits.csv`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(FILES['visits.csv'])
    expect(res.headers.get('content-type')).toBe('text/csv')
    expect(res.headers.get('etag')).toBe(`"${sha(FILES['visits.csv'])}"`)
    expect(res.headers.get('content-security-policy')).toBe(ARTIFACT_CSP_WEB)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="visits.csv"/)
    const inline = await fetch(`${url}/jobs/${ID}/input-files/page.html?inline=1`)
    expect(inline.headers.get('content-disposition')).toBe('inline')
    expect(inline.headers.get('content-security-policy')).toBe(ARTIFACT_CSP_WEB)
    const again = await fetch(`${url}/jobs/${ID}/input-files/visits.csv`, {
      headers: { 'If-None-Match': `"${sha(FILES['visits.csv'])}"` },
    })
    expect(again.status).toBe(304)
    const head = await fetch(`${url}/jobs/${ID}/input-files/notes.txt`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(FILES['notes.txt'].length))
  })

  it.each([
    ['other.csv', 404],
    ['out.txt', 404],
    ['data.json', 400],
    ['a%00b.csv', 400],
    // Decoded before routing: a name holding `/` matches no route at all.
    ['..%2Fsecret.txt', 404],
    ['%2E%2E%2F..%2Fsecret.txt', 404],
  ])('answers %s with %i and never the bytes outside', async (name, status) => {
    const res = await fetch(`${url}/jobs/${ID}/input-files/${name}`)
    expect(res.status).toBe(status)
    expect(await res.text()).not.toContain('secret')
  })

  it('is listed with its content type in runs:get', async () => {
    const data = tmp()
    seed(data)
    const core = createCore({ dataDir: data, client: offlineClient })
    const handlers = createHandlers(core)
    const detail = await handlers['runs:get']({ id: ID })
    expect(detail.inputFiles.map((f) => [f.name, f.contentType])).toEqual([
      ['visits.csv', 'text/csv'],
      ['notes.txt', 'text/plain'],
      ['page.html', 'text/html'],
    ])
  })
})
