// The two zip uploads of the HTTP API, a run bundle (`POST /executions/import`) and an exercise
// pack (`POST /exercises`), refuse a file that is not what they take with 422 and the exact reason,
// and store nothing. No Docker: the server runs in-process over a client that never reaches one.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../../src/main/app/core'
import { startServer } from '../../src/main/server/server'
import { offlineClient } from './fake-container-client'

let url = ''
let close: () => Promise<void> = async () => undefined
let data = ''

beforeAll(async () => {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-zip-routes-'))
  const core = createCore({ dataDir: data, client: offlineClient })
  const server = await startServer({ core, port: 0, rendererDir: null })
  url = server.url
  close = () => server.close()
})
afterAll(async () => {
  await close()
  fs.rmSync(data, { recursive: true, force: true })
})

const post = (route: string, body: Uint8Array): Promise<Response> =>
  fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/zip' },
    body,
  })

describe('zip uploads over HTTP', () => {
  it.each([
    ['/executions/import', 'Bundle refused: not a zip archive (too short)'],
    ['/exercises', 'Pack refused: not a zip archive (too short)'],
  ])('%s answers a file that is no zip with 422 and the reason', async (route, detail) => {
    const res = await post(route, new TextEncoder().encode('not a zip'))
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ detail })
  })

  it('stores nothing for a refused upload', async () => {
    await post('/executions/import', new Uint8Array(100))
    await post('/exercises', new Uint8Array(100))
    expect(await (await fetch(`${url}/executions`)).json()).toMatchObject({ items: [], total: 0 })
    expect(await (await fetch(`${url}/exercises`)).json()).toEqual({ exercises: [] })
  })
})
