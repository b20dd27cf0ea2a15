// Standard input, batch and live (see docs/run-contract.md and docs/api.md, 'Standard input'), on
// the real daemon with the production flags, on the path TAKO_POOL selects: warm (default) or cold
// (TAKO_POOL=0). Each warm-path case waits for a warm container first, so it really goes warm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import { execute, py } from './execute'
import {
  expectNoContainersLeft,
  request,
  startInProcess,
  warmReady,
  WarmRuns,
  type JsonResponse,
} from './helpers'
import { sleep, SseReader, submitJob, waitForJob } from './http'

type Server = Awaited<ReturnType<typeof startInProcess>>
type Body = Record<string, unknown>

let srv: Server
const warmRuns = new WarmRuns()

beforeAll(async () => {
  srv = await startInProcess({ log: warmRuns.log })
})

afterAll(async () => {
  await srv?.close()
  await expectNoContainersLeft()
})

/** Polls `GET /jobs/{id}` until `done` holds for its body. */
async function pollJob(
  id: string,
  done: (b: Body) => boolean,
  s: Server = srv,
  timeoutMs = 60_000,
): Promise<Body> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await request(`${s.url}/jobs/${id}`)
    expect(res.status).toBe(200)
    if (done(res.body)) return res.body
    if (Date.now() > deadline) throw new Error(`job ${id}: ${JSON.stringify(res.body)}`)
    await sleep(50)
  }
}

function postStdin(id: string, body: unknown, s: Server = srv): Promise<JsonResponse<Body>> {
  return request(`${s.url}/jobs/${id}/stdin`, { method: 'POST', json: body })
}

const GREETER = py('name = input("Name? ")', 'print(f"Hello, {name}!")')

describe('batch stdin', () => {
  it('two input() calls get both lines, a third gets EOFError', async () => {
    await warmReady(srv.core)
    const r = await execute(srv.url, {
      code: py(
        'a = input()',
        'b = input("second: ")',
        'print(repr(a), repr(b))',
        'try:',
        '    input()',
        'except EOFError:',
        '    print("EOF")',
      ),
      stdin: 'first line\nsecond line\n',
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.stdout).toBe("second: 'first line' 'second line'\nEOF\n")
    warmRuns.expectPath(srv.core, r.execution_id)
    expect(srv.core.store.readStdin(r.execution_id)).toBe('first line\nsecond line\n')
    expect(srv.core.store.get(r.execution_id)?.hasStdin).toBe(true)
  })

  it('sys.stdin.read() gets everything, UTF-8 intact; a script that never reads ends normally', async () => {
    await warmReady(srv.core)
    const text = 'naïve – ✓\n'.repeat(5000)
    const r = await execute(srv.url, {
      code: py('import sys', 'data = sys.stdin.read()', 'print(len(data), data[:10])'),
      stdin: text,
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(r.stdout).toBe(`${text.length} ${text.slice(0, 10)}\n`)
    await warmReady(srv.core)
    const ignored = await execute(srv.url, { code: py('print("ignored")'), stdin: text })
    expect(ignored.status).toBe('succeeded')
    expect(ignored.stdout).toBe('ignored\n')
  })

  it('a run neither interactive nor given stdin gets EOF at once, not its timeout', async () => {
    await warmReady(srv.core)
    const r = await execute(srv.url, { code: py('name = input("Name? ")'), timeout: 30 })
    expect(r.status).toBe('failed')
    expect(r.status).not.toBe('timeout')
    expect(r.stderr).toContain('EOFError')
  })

  it('refuses stdin over 1 MiB with 422 naming the field', async () => {
    const res = await request(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(1)', stdin: 'x'.repeat(1024 * 1024 + 1) },
    })
    expect(res.status).toBe(422)
    expect(JSON.stringify(res.body)).toContain('stdin')
  })

  it('a rerun reuses the stdin', async () => {
    await warmReady(srv.core)
    const r = await execute(srv.url, { code: py('print(input()[::-1])'), stdin: 'abc\n' })
    expect(r.stdout).toBe('cba\n')
    const rerun = await request<{ job_id: string }>(`${srv.url}/jobs/${r.execution_id}/rerun`, {
      method: 'POST',
      json: {},
    })
    expect(rerun.status).toBe(200)
    const done = await waitForJob(srv.url, rerun.body.job_id)
    expect(done.status).toBe('succeeded')
    expect(done.stdout).toBe('cba\n')
    expect(srv.core.store.readStdin(rerun.body.job_id)).toBe('abc\n')
  })
})

describe('interactive stdin over HTTP', () => {
  it('answers input() over the API: waiting with the prompt, then the greeting', async () => {
    await warmReady(srv.core)
    const id = await submitJob(srv.url, { code: GREETER, interactive: true })
    const events = await SseReader.open(`${srv.url}/jobs/${id}/events`)
    const waiting = await pollJob(id, (b) => b.waiting_for_input === true)
    expect(waiting.status).toBe('running')
    expect(waiting.input_prompt).toBe('Name? ')
    const sent = await postStdin(id, { data: 'Bob\n' })
    expect(sent.status).toBe(202)
    const done = await waitForJob(srv.url, id)
    expect(done.status, String(done.stderr)).toBe('succeeded')
    expect(done.stdout).toBe('Name? Hello, Bob!\n')
    warmRuns.expectPath(srv.core, id)
    const seen = await events.rest()
    const requested = seen.find((e) => e.event === 'input_requested')
    expect(requested?.data).toEqual({ job_id: id, prompt: 'Name? ' })
    expect(seen.find((e) => e.event === 'input_sent')?.data).toEqual({ job_id: id, text: 'Bob\n' })
    const rec = srv.core.store.get(id)!
    expect(rec.interactive).toBe(true)
    expect(rec.stdinEvents?.map((e) => [e.kind, e.text])).toEqual([['data', 'Bob\n']])
    // Over: input is refused, and GET /jobs/{id} no longer reports waiting.
    expect((await postStdin(id, { data: 'late\n' })).status).toBe(409)
    expect((await request(`${srv.url}/jobs/${id}`)).body.waiting_for_input).toBeUndefined()
  })

  it('eof: the script gets EOFError', async () => {
    await warmReady(srv.core)
    const id = await submitJob(srv.url, {
      code: py(
        'import sys',
        'first = sys.stdin.readline()',
        'try:',
        '    input("more? ")',
        'except EOFError:',
        '    print("EOF after", repr(first))',
      ),
      interactive: true,
    })
    await pollJob(id, (b) => b.waiting_for_input === true)
    expect((await postStdin(id, { data: 'one\n' })).status).toBe(202)
    await pollJob(id, (b) => b.waiting_for_input === true && b.input_prompt === 'more? ')
    expect((await postStdin(id, { eof: true })).status).toBe(202)
    const done = await waitForJob(srv.url, id)
    expect(done.status, String(done.stderr)).toBe('succeeded')
    expect(done.stdout).toBe("more? EOF after 'one\\n'\n")
    expect(srv.core.store.get(id)?.stdinEvents?.map((e) => e.kind)).toEqual(['data', 'eof'])
    const full = await waitForJob(srv.url, id, { full: true })
    expect(full.interactive).toBe(true)
    expect(full.has_stdin).toBe(false)
    expect(
      (full.stdin_events as { kind: string; text?: string }[]).map((e) => [e.kind, e.text]),
    ).toEqual([
      ['data', 'one\n'],
      ['eof', undefined],
    ])
  })

  it('time spent waiting for input does not count toward the timeout', async () => {
    await warmReady(srv.core)
    const id = await submitJob(srv.url, { code: GREETER, interactive: true, timeout: 2 })
    await pollJob(id, (b) => b.waiting_for_input === true)
    await sleep(5000)
    expect((await postStdin(id, { data: 'Ada\n' })).status).toBe(202)
    const done = await waitForJob(srv.url, id)
    expect(done.status, String(done.stderr)).toBe('succeeded')
    expect(done.stdout).toBe('Name? Hello, Ada!\n')
    warmRuns.expectPath(srv.core, id)
  })

  it('409 for a run that is not interactive or not running; 413 past 1 MiB; 422 on a bad body', async () => {
    await warmReady(srv.core)
    const batch = await submitJob(srv.url, {
      code: py('import time', 'time.sleep(1)', 'print(input())'),
      stdin: 'x\n',
    })
    await pollJob(batch, (b) => b.status !== 'pending' && b.status !== 'queued')
    const notInteractive = await postStdin(batch, { data: 'y\n' })
    expect(notInteractive.status).toBe(409)
    expect(String(notInteractive.body.detail)).toMatch(/not interactive/)
    await waitForJob(srv.url, batch)
    expect((await postStdin(batch, { eof: true })).status).toBe(409)
    expect((await postStdin('no-such-job', { eof: true })).status).toBe(404)

    await warmReady(srv.core)
    const id = await submitJob(srv.url, { code: GREETER, interactive: true })
    await pollJob(id, (b) => b.waiting_for_input === true)
    for (const bad of [{}, { data: 'a', eof: true }, { data: 3 }, { eof: false }, { extra: 1 }]) {
      const res = await postStdin(id, bad)
      expect(res.status, JSON.stringify(bad)).toBe(422)
    }
    const half = 'x'.repeat(600 * 1024)
    expect((await postStdin(id, { data: half })).status).toBe(202)
    const over = await postStdin(id, { data: half })
    expect(over.status).toBe(413)
    expect((await postStdin(id, { eof: true })).status).toBe(202)
    const done = await waitForJob(srv.url, id)
    expect(done.stdout).toBe(`Name? Hello, ${half}!\n`)
  })

  it('sync /execute refuses interactive with 422 and says why', async () => {
    const res = await request(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: GREETER, interactive: true },
    })
    expect(res.status).toBe(422)
    expect(JSON.stringify(res.body)).toContain('/execute/async')
  })

  it('a rerun of an interactive run is interactive again', async () => {
    await warmReady(srv.core)
    const id = await submitJob(srv.url, { code: GREETER, interactive: true })
    await pollJob(id, (b) => b.waiting_for_input === true)
    await postStdin(id, { data: 'Bob\n' })
    await waitForJob(srv.url, id)
    await warmReady(srv.core)
    const rerun = await request<{ job_id: string }>(`${srv.url}/jobs/${id}/rerun`, {
      method: 'POST',
      json: {},
    })
    const again = rerun.body.job_id
    const waiting = await pollJob(again, (b) => b.waiting_for_input === true)
    expect(waiting.input_prompt).toBe('Name? ')
    await postStdin(again, { data: 'Eve\n' })
    expect((await waitForJob(srv.url, again)).stdout).toBe('Name? Hello, Eve!\n')
  })
})

describe('interactive stdin through the app handlers', () => {
  it('runs:start interactive, runs:get shows waiting, runs:stdin answers', async () => {
    const h = createHandlers(srv.core)
    await warmReady(srv.core)
    const started = await h['runs:start']({
      code: GREETER,
      input: {},
      environment: 'default',
      interactive: true,
    })
    const deadline = Date.now() + 60_000
    let detail = await h['runs:get']({ id: started.id })
    while (!detail.waitingForInput) {
      if (Date.now() > deadline) throw new Error('never waited')
      await sleep(50)
      detail = await h['runs:get']({ id: started.id })
    }
    expect(detail.waitingForInput).toEqual({ prompt: 'Name? ' })
    expect(detail.interactive).toBe(true)
    expect(await h['runs:stdin']({ id: started.id, data: 'Kim\n' })).toEqual({ accepted: true })
    await srv.core.jobs.wait(started.id)
    const final = await h['runs:get']({ id: started.id })
    expect(final.status).toBe('succeeded')
    expect(final.stdout).toBe('Name? Hello, Kim!\n')
    expect(final.waitingForInput).toBeNull()
    expect(final.stdinEvents.map((e) => e.text)).toEqual(['Kim\n'])
    await expect(h['runs:stdin']({ id: started.id, eof: true })).rejects.toMatchObject({
      code: 'conflict',
    })
    const batch = await h['runs:start']({
      code: py('print(input())'),
      input: {},
      environment: 'default',
      stdin: 'batch\n',
    })
    await srv.core.jobs.wait(batch.id)
    const b = await h['runs:get']({ id: batch.id })
    expect(b.stdout).toBe('batch\n')
    expect(b.stdin).toBe('batch\n')
    expect(b.interactive).toBe(false)
  })
})

describe('the input-wait ceiling', () => {
  let short: Server
  beforeAll(async () => {
    process.env.TAKO_INPUT_WAIT_S = '2'
    try {
      short = await startInProcess()
    } finally {
      delete process.env.TAKO_INPUT_WAIT_S
    }
  })
  afterAll(async () => {
    await short?.close()
  })

  it('a run that waits for input too long ends as timeout, saying it waited for input', async () => {
    await warmReady(short.core)
    const id = await submitJob(short.url, { code: GREETER, interactive: true, timeout: 60 })
    const done = await waitForJob(short.url, id)
    expect(done.status).toBe('timeout')
    expect((done.error as { message: string }).message).toMatch(/waited for input/)
    expect(done.stdout).toBe('Name? ')
  })
})
