// A run's own files in /input (see docs/run-contract.md, 'Input files', and docs/api.md), on the
// real daemon with the production flags, on the path TAKO_POOL selects: warm (default) or cold
// (TAKO_POOL=0). Warm-path cases wait for a warm container first, so they really go warm.
import { unzipSync, zipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import { INPUT_FILE_CAPS } from '../../src/shared/input-files'
import { execute, executeOk, postExecute, py } from './execute'
import { expectNoContainersLeft, request, startInProcess, warmReady, WarmRuns } from './helpers'
import { rawRequest, sha256, submitJob, waitForJob } from './http'

type Server = Awaited<ReturnType<typeof startInProcess>>

let srv: Server
const warmRuns = new WarmRuns()

beforeAll(async () => {
  srv = await startInProcess({ log: warmRuns.log })
})

afterAll(async () => {
  await srv?.close()
  await expectNoContainersLeft()
})

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64')

/**
 * `POST /execute` of a large body on a connection of its own: building tens of MiB of JSON can
 * outlast the server's keep-alive timeout, and a pooled connection closed meanwhile resets.
 */
async function postLarge(json: unknown): Promise<{ status: number; detail: { msg: string }[] }> {
  const u = new URL(srv.url)
  const res = await rawRequest(
    srv.url,
    'POST',
    '/execute',
    { host: u.host, 'content-type': 'application/json', connection: 'close' },
    JSON.stringify(json),
    120_000,
  )
  return {
    status: res.status,
    detail: (JSON.parse(res.body) as { detail: { msg: string }[] }).detail,
  }
}
const CSV = 'x,y\n1,2\n3,4\n5,6\n'

const READ_CSV = py(
  'import csv, json, os',
  "rows = list(csv.DictReader(open('/input/data.csv')))",
  "print('rows', len(rows), 'sum', sum(int(r['y']) for r in rows))",
  "print('data.json', json.load(open('/input/data.json')))",
  "print('listing', sorted(os.listdir('/input')))",
  'for attempt in ("write", "remove", "create"):',
  '    try:',
  '        if attempt == "write": open("/input/data.csv", "a").write("7,8\\n")',
  '        elif attempt == "remove": os.remove("/input/data.csv")',
  '        else: open("/input/new.txt", "w").write("x")',
  '        print(attempt, "ALLOWED")',
  '    except OSError as e:',
  '        print(attempt, "refused", e.errno)',
)

describe('input files in /input', () => {
  it('a script reads /input/data.csv beside data.json; the files are read-only', async () => {
    await warmReady(srv.core)
    const r = await executeOk(srv.url, READ_CSV, {
      input_data: { n: 1 },
      input_files: { 'data.csv': b64(CSV) },
    })
    warmRuns.expectPath(srv.core, r.execution_id)
    expect(r.stdout).toContain('rows 3 sum 12')
    expect(r.stdout).toContain("data.json {'n': 1}")
    expect(r.stdout).toContain("listing ['data.csv', 'data.json']")
    expect(r.stdout).toMatch(/write refused (13|30)/)
    expect(r.stdout).toMatch(/remove refused (13|30)/)
    expect(r.stdout).toMatch(/create refused (13|30)/)
    expect(r.stdout).not.toContain('ALLOWED')
    const full = await waitForJob(srv.url, r.execution_id, { full: true })
    expect(full.input_files).toEqual([
      { name: 'data.csv', size_bytes: CSV.length, sha256: sha256(CSV) },
    ])
  })

  it('a name with a colon, spaces and non-ASCII letters arrives as given', async () => {
    const name = 'my data: été (1).txt'
    const r = await executeOk(srv.url, py(`print(open('/input/${name}').read())`), {
      input_files: { [name]: b64('hello') },
    })
    expect(r.stdout).toBe('hello\n')
  })

  it('a warm run sees exactly its own files, nothing of the run before', async () => {
    await warmReady(srv.core)
    const first = await executeOk(srv.url, py("print(open('/input/secret.txt').read())"), {
      input_files: { 'secret.txt': b64('run one only') },
    })
    warmRuns.expectPath(srv.core, first.execution_id)
    await warmReady(srv.core)
    const second = await executeOk(srv.url, py('import os', "print(sorted(os.listdir('/input')))"))
    warmRuns.expectPath(srv.core, second.execution_id)
    expect(second.stdout).toBe("['data.json']\n")
    await warmReady(srv.core)
    const third = await executeOk(srv.url, py('import os', "print(sorted(os.listdir('/input')))"), {
      input_files: { 'other.txt': b64('x') },
    })
    warmRuns.expectPath(srv.core, third.execution_id)
    expect(third.stdout).toBe("['data.json', 'other.txt']\n")
  })

  it.each([
    ['../escape.txt', /plain file name/],
    ['a/b.txt', /plain file name/],
    ['a\\b.txt', /plain file name/],
    ['data.json', /reserved for the JSON input/],
    ['DATA.JSON', /reserved for the JSON input/],
    ['line\nbreak.txt', /control character/],
    ['', /not a file name/],
    ['..', /not a file name/],
    ['x'.repeat(256), /longer than 255 bytes/],
  ])('the name %j is refused with 422 and the reason', async (name, reason) => {
    const res = await postExecute(srv.url, {
      json: { code: 'print(1)', input_files: { [name]: b64('x') } },
    })
    expect(res.status).toBe(422)
    expect(res.body.detail[0].loc).toEqual(['body', 'input_files'])
    expect(res.body.detail[0].msg).toMatch(reason)
  })

  it('bad base64, a bad reference shape and two names for one file are 422 with the reason', async () => {
    const cases: [unknown, RegExp][] = [
      [{ 'a.txt': 'not base64!' }, /"a.txt" is not valid base64/],
      [{ 'a.txt': 'QUJD=' }, /not valid base64/],
      [{ 'a.txt': { from_run: 'x' } }, /base64 string or \{"from_run"/],
      [{ 'a.txt': 12 }, /base64 string or \{"from_run"/],
      [['a.txt'], /valid dictionary/],
      [{ 'A.txt': b64('1'), 'a.txt': b64('2') }, /"a.txt" is given twice/],
    ]
    for (const [files, reason] of cases) {
      const res = await postExecute(srv.url, { json: { code: 'print(1)', input_files: files } })
      expect(res.status, JSON.stringify(files)).toBe(422)
      const msgs = res.body.detail.map((d) => d.msg).join('\n')
      expect(msgs, JSON.stringify(files)).toMatch(reason)
    }
  })

  it('caps: a file over 20 MiB, over 100 files, over 50 MiB in all are refused', async () => {
    const big = Buffer.alloc(INPUT_FILE_CAPS.perFileBytes + 1, 0x61)
    const one = await postLarge({ code: 'print(1)', input_files: { 'big.bin': b64(big) } })
    expect(one.status).toBe(422)
    expect(one.detail[0].msg).toMatch(/over the cap of 20971520 bytes \(20 MiB\) per file/)
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}.txt`, b64('x')]))
    const count = await postExecute(srv.url, { json: { code: 'print(1)', input_files: many } })
    expect(count.status).toBe(422)
    expect(count.body.detail[0].msg).toMatch(/101 input files, over the cap of 100/)
    // 17 + 17 + 16 MiB and one byte: each under the per-file cap, one byte over the total (its
    // base64 still fits the body, whose limit leaves room for exactly the total cap).
    const MiB = 1024 * 1024
    const part = b64(Buffer.alloc(17 * MiB, 0x62))
    const last = b64(Buffer.alloc(16 * MiB + 1, 0x62))
    const total = await postLarge({
      code: 'print(1)',
      input_files: { 'a.bin': part, 'b.bin': part, 'c.bin': last },
    })
    expect(total.status).toBe(422)
    expect(total.detail[0].msg).toMatch(
      /input files total 52428801 bytes, over the cap of 52428800 bytes \(50 MiB\) per run/,
    )
  })

  it('base64 of input files does not count towards the 2 MiB body limit; the rest still does', async () => {
    const three = b64(Buffer.alloc(3 * 1024 * 1024, 0x63))
    const r = await executeOk(srv.url, py("print(len(open('/input/big.bin','rb').read()))"), {
      input_files: { 'big.bin': three },
    })
    expect(r.stdout).toBe(`${3 * 1024 * 1024}\n`)
    const res = await postExecute(srv.url, {
      json: { code: `# ${'x'.repeat(2 * 1024 * 1024)}`, input_files: { 'big.bin': three } },
    })
    expect(res.status).toBe(413)
    expect(JSON.stringify(res.body)).toMatch(/Payload too large/)
  })

  it('from_run: an artifact or an input file of an earlier run; unknown runs and paths are 422', async () => {
    const source = await executeOk(
      srv.url,
      py("open('/output/table.csv', 'w').write('a,b\\n1,2\\n')", 'print(1)'),
      { input_files: { 'notes.txt': b64('kept') } },
    )
    const id = source.execution_id
    const r = await executeOk(
      srv.url,
      py("print(open('/input/t.csv').read().strip())", "print(open('/input/n.txt').read())"),
      {
        input_files: {
          't.csv': { from_run: id, path: 'table.csv' },
          'n.txt': { from_run: id, path: 'notes.txt' },
        },
      },
    )
    expect(r.stdout).toBe('a,b\n1,2\nkept\n')
    // A name that is both: the artifact unless `kind` says input.
    const both = await executeOk(
      srv.url,
      py("open('/output/same.txt', 'w').write('artifact')", 'print(1)'),
      { input_files: { 'same.txt': b64('input') } },
    )
    const pick = await executeOk(
      srv.url,
      py("print(open('/input/a.txt').read(), open('/input/i.txt').read())"),
      {
        input_files: {
          'a.txt': { from_run: both.execution_id, path: 'same.txt' },
          'i.txt': { from_run: both.execution_id, path: 'same.txt', kind: 'input' },
        },
      },
    )
    expect(pick.stdout).toBe('artifact input\n')
    const unknownRun = await postExecute(srv.url, {
      json: { code: 'print(1)', input_files: { 'x.csv': { from_run: 'nope', path: 'a' } } },
    })
    expect(unknownRun.status).toBe(422)
    expect(unknownRun.body.detail[0].msg).toMatch(/"x.csv": run "nope" not found/)
    const unknownPath = await postExecute(srv.url, {
      json: { code: 'print(1)', input_files: { 'x.csv': { from_run: id, path: 'ghost.csv' } } },
    })
    expect(unknownPath.status).toBe(422)
    expect(unknownPath.body.detail[0].msg).toMatch(/has no artifact or input file "ghost.csv"/)
  })

  it('rerun and fork reuse the input files (async jobs)', async () => {
    const id = await submitJob(srv.url, {
      code: py("print(open('/input/data.csv').read().count('\\n'))"),
      input_files: { 'data.csv': b64(CSV) },
    })
    expect((await waitForJob(srv.url, id)).stdout).toBe('4\n')
    const rerun = await request<{ job_id: string }>(`${srv.url}/jobs/${id}/rerun`, {
      method: 'POST',
      json: {},
    })
    expect(rerun.status).toBe(200)
    const again = await waitForJob(srv.url, rerun.body.job_id, { full: true })
    expect(again.stdout).toBe('4\n')
    expect(again.input_files).toEqual([
      { name: 'data.csv', size_bytes: CSV.length, sha256: sha256(CSV) },
    ])
    const fork = await request<{ job_id: string }>(`${srv.url}/jobs/${id}/fork`, {
      method: 'POST',
      json: { code: py("print(len(open('/input/data.csv').read()))") },
    })
    expect((await waitForJob(srv.url, fork.body.job_id)).stdout).toBe(`${CSV.length}\n`)
  })
})

describe('the app: input files and any JSON input', () => {
  it('runs:start takes a list as input and files as base64; runs:get shows them', async () => {
    const h = createHandlers(srv.core)
    const started = await h['runs:start']({
      code: py(
        'import json',
        "v = json.load(open('/input/data.json'))",
        "print(type(v).__name__, sum(v), open('/input/a.txt').read())",
      ),
      input: [1, 2, 3],
      inputFiles: [{ name: 'a.txt', data: b64('file!') }],
      environment: 'default',
    })
    expect(started.inputFileCount).toBe(1)
    const done = await srv.core.jobs.wait(started.id)
    expect(done?.status).toBe('succeeded')
    const detail = await h['runs:get']({ id: started.id })
    expect(detail.stdout).toBe('list 6 file!\n')
    expect(detail.input).toEqual([1, 2, 3])
    expect(detail.inputFiles).toEqual([
      { name: 'a.txt', size: 5, sha256: sha256('file!'), contentType: 'text/plain' },
    ])
    // Rerun over IPC: the same list and the same file.
    const rerun = await h['runs:rerun']({ id: started.id })
    await srv.core.jobs.wait(rerun.id)
    const again = await h['runs:get']({ id: rerun.id })
    expect(again.stdout).toBe('list 6 file!\n')
    expect(again.inputFiles).toEqual(detail.inputFiles)
  })

  it('null, a number and a string are JSON inputs too; a non-JSON value and a deep one are refused', async () => {
    const h = createHandlers(srv.core)
    for (const input of [null, 42, 'text']) {
      const s = await h['runs:start']({
        code: py('import json', "print(repr(json.load(open('/input/data.json'))))"),
        input,
        environment: 'default',
      })
      await srv.core.jobs.wait(s.id)
      expect((await h['runs:get']({ id: s.id })).stdout).toBe(
        `${JSON.stringify(input)}\n`.replace('null', 'None').replace('"text"', "'text'"),
      )
    }
    await expect(
      h['runs:start']({ code: 'print(1)', input: new Map(), environment: 'default' }),
    ).rejects.toMatchObject({ message: /not a JSON value/ })
    let deep: unknown = 1
    for (let i = 0; i < 1001; i++) deep = [deep]
    await expect(
      h['runs:start']({ code: 'print(1)', input: deep as object, environment: 'default' }),
    ).rejects.toMatchObject({ message: /nested more than 1000 levels/ })
    await expect(
      h['runs:start']({
        code: 'print(1)',
        input: {},
        inputFiles: [{ name: '../x', data: b64('x') }],
        environment: 'default',
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument', message: /plain file name/ })
  })

  it("the HTTP API keeps Tako VM's rule: input_data must be an object", async () => {
    const res = await postExecute(srv.url, { json: { code: 'print(1)', input_data: [1, 2, 3] } })
    expect(res.status).toBe(422)
    expect(res.body.detail[0].loc).toEqual(['body', 'input_data'])
    // A run without files leaves no input-files folder and reports none.
    const r = await execute(srv.url, { code: 'print(1)' })
    const full = await waitForJob(srv.url, r.execution_id, { full: true })
    expect(full.input_files).toEqual([])
  })
})

describe('comparing runs lists input files by sha256', () => {
  it('added, removed and changed', async () => {
    const a = await executeOk(srv.url, 'print(1)', {
      input_files: { 'same.txt': b64('s'), 'gone.txt': b64('g'), 'edit.txt': b64('one') },
    })
    const b = await executeOk(srv.url, 'print(1)', {
      input_files: { 'same.txt': b64('s'), 'new.txt': b64('n'), 'edit.txt': b64('two!') },
    })
    const c = await createHandlers(srv.core)['runs:compare']({
      id: a.execution_id,
      with: b.execution_id,
    })
    expect(c.identical).toBe(false)
    expect(c.inputFiles?.added.map((f) => f.name)).toEqual(['new.txt'])
    expect(c.inputFiles?.removed.map((f) => f.name)).toEqual(['gone.txt'])
    expect(c.inputFiles?.changed).toEqual([
      {
        name: 'edit.txt',
        before: { name: 'edit.txt', size: 3, sha256: sha256('one') },
        after: { name: 'edit.txt', size: 4, sha256: sha256('two!') },
      },
    ])
    const self = await createHandlers(srv.core)['runs:compare']({
      id: a.execution_id,
      with: a.execution_id,
    })
    expect(self.inputFiles?.identical).toBe(true)
  })
})

describe('bundles carry input files', () => {
  async function exportZip(id: string): Promise<Uint8Array> {
    const res = await fetch(`${srv.url}/executions/${id}/bundle`)
    expect(res.status).toBe(200)
    return new Uint8Array(await res.arrayBuffer())
  }
  function importZip(body: Uint8Array): Promise<{ status: number; body: Record<string, unknown> }> {
    return request(`${srv.url}/executions/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/zip' },
      body,
    })
  }

  it('input/<name> in the zip and the manifest; imported back, a rerun reads the file', async () => {
    const r = await executeOk(srv.url, py("print(open('/input/data.csv').read().count('\\n'))"), {
      input_files: { 'data.csv': b64(CSV) },
    })
    const zip = await exportZip(r.execution_id)
    const entries = unzipSync(zip)
    expect(Buffer.from(entries['input/data.csv']).toString()).toBe(CSV)
    const manifest = JSON.parse(Buffer.from(entries['manifest.json']).toString()) as {
      files: { path: string; size: number; sha256: string }[]
    }
    expect(manifest.files).toContainEqual({
      path: 'input/data.csv',
      size: CSV.length,
      sha256: sha256(CSV),
    })
    const imported = await importZip(zip)
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    const id = String(imported.body.execution_id)
    expect(srv.core.store.get(id)?.inputFiles).toEqual([
      { name: 'data.csv', size: CSV.length, sha256: sha256(CSV) },
    ])
    const rerun = await request<{ job_id: string }>(`${srv.url}/jobs/${id}/rerun`, {
      method: 'POST',
      json: {},
    })
    expect((await waitForJob(srv.url, rerun.body.job_id)).stdout).toBe('4\n')
  })

  it('an input file changed, added, unlisted or badly named is refused with the reason', async () => {
    const r = await executeOk(srv.url, py('print(1)'), { input_files: { 'a.txt': b64('one') } })
    const entries = unzipSync(await exportZip(r.execution_id))
    const rezip = (change: (e: Record<string, Uint8Array>) => void): Uint8Array => {
      const copy = { ...entries }
      change(copy)
      return zipSync(copy)
    }
    const cases: [Uint8Array, RegExp][] = [
      [
        rezip((e) => (e['input/a.txt'] = Buffer.from('two'))),
        /"input\/a.txt" does not match its sha256/,
      ],
      [
        rezip((e) => (e['input/b.txt'] = Buffer.from('x'))),
        /"input\/b.txt" is not in the manifest/,
      ],
      [
        rezip((e) => (e['input/sub/c.txt'] = Buffer.from('x'))),
        /not a valid input file \(.*plain file name/,
      ],
      [rezip((e) => delete e['input/a.txt']), /in the manifest but not in the bundle/],
    ]
    for (const [zip, reason] of cases) {
      const res = await importZip(zip)
      expect(res.status).toBe(422)
      expect(String(res.body.detail)).toMatch(reason)
    }
  })
})
