// Fair queueing as the app shows it (issue 12; see docs/architecture.md, 'Job queue'), in Chromium
// against `npm run serve` with one shared worker and the real engine: API jobs wait behind a
// running one, each queued run's card says where it stands (and keeps saying it as places move),
// a run started in the app goes ahead of the API's queue, and the runs end in that order. A run
// whose custom image went away before it started says so without offering a build it cannot do.
// A live API job opened from the history is watched: Run runs the draft and switches back to it,
// Esc leaves the job alone, and its input() is answered from a box that names the job.
import { execFileSync } from 'node:child_process'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageRef } from '../../src/main/environments/catalogue'
import { call, jobStatus, pollStatus, submit, waitResult, type Body } from '../integration/api'
import {
  expectNoContainersLeft,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from '../integration/helpers'
import { AppPage, launchBrowser, screenshot } from './fixtures'
import { axeViolations } from './pages/axe'

const poll = { timeout: 60_000 }
const SLEEP_API = {
  code: 'import time\nprint("blocker", flush=True)\ntime.sleep(120)',
  timeout: 150,
}

let browser: Browser
let server: ServeProcess
const pages: Page[] = []

beforeAll(async () => {
  server = await startServeProcess(tempDir('tako-e2e-queue-'), {
    TAKO_WORKERS: '1',
    TAKO_MAX_QUEUE: '3',
  })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  for (const p of pages) await p.close()
  await browser?.close()
  await server?.kill('SIGTERM')
  // `kill` returns when npm has exited: the server under it may still be removing containers.
  await expectNoContainersLeft()
})

async function openApp(): Promise<AppPage> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  pages.push(page)
  const app = new AppPage(page)
  await app.open(`${server.url}/`)
  return app
}

function card(app: AppPage) {
  return app.page.getByRole('status', { name: 'Run status' })
}

/** Opens the history row holding `text` and waits until the run panel shows run `id`. */
async function show(app: AppPage, text: string, id: string): Promise<void> {
  await expect.poll(() => app.history.row(text).count(), poll).toBe(1)
  await app.history.row(text).click()
  await expect.poll(() => app.shownRunId(), poll).toBe(id)
}

/** The id of the only run started in the app that has ended so far. */
async function firstAppRun(url: string): Promise<string> {
  const items = (await call(url, '/executions?status=succeeded&q=from%20the%20app')).body
    .items as Body[]
  expect(items).toHaveLength(1)
  return String(items[0]?.execution_id)
}

async function record(id: string): Promise<Body> {
  const res = await call(server.url, `/executions/${id}`)
  expect(res.status).toBe(200)
  return res.body
}

/** Cancels every run still going (frees the one shared worker). */
async function cancelRunning(url: string): Promise<void> {
  const running = (await call(url, '/executions?status=running')).body.items as Body[]
  for (const r of running)
    await call(url, `/jobs/${String(r.execution_id)}/cancel`, { method: 'POST' })
}

describe('fair queueing in the app', () => {
  it("shows each queued run's place as it moves; an app run goes ahead of the API's queue", async () => {
    const url = server.url
    const blocker = await submit(url, SLEEP_API)
    await pollStatus(url, blocker, 'running', 60_000)
    const apiOne = await submit(url, { code: 'print("api one")' })
    const apiTwo = await submit(url, { code: 'print("api two")' })
    expect((await jobStatus(url, apiTwo)).queue_position).toBe(2)

    // A run started in the app does not wait for them (the app has a worker of its own).
    const one = await openApp()
    await one.runToEnd('print("from the app")')
    expect(await one.output.log.textContent()).toContain('from the app')
    for (const id of [apiOne, apiTwo]) expect((await jobStatus(url, id)).status).toBe('pending')
    expect((await jobStatus(url, blocker)).status).toBe('running')

    // Each queued API job says where it stands.
    await show(one, 'api two', apiTwo)
    expect(await one.status.textContent()).toBe('queued')
    await expect
      .poll(() => card(one).textContent(), poll)
      .toContain('Waiting for a free worker: 1 run ahead of it')
    expect(await card(one).textContent()).toContain(
      'Jobs sent to the API start in the order they came',
    )
    await show(one, 'api one', apiOne)
    await expect
      .poll(() => card(one).textContent(), poll)
      .toContain('Waiting for a free worker: next to start')

    // The app's own worker busy with a long run, a run started in a second window waits, ahead of
    // the API's queue: the card says so, and the API job it passed moves back one place.
    await show(one, 'from the app', await firstAppRun(url))
    await one.page.getByRole('button', { name: 'Back to your draft' }).click()
    await one.editor.setCode('import time\nprint("app sleeper", flush=True)\ntime.sleep(120)')
    await one.runButton.click()
    await expect.poll(() => one.output.log.textContent(), poll).toContain('app sleeper')
    const sleeper = (await one.shownRunId())!
    const two = await openApp()
    await two.editor.setCode('print("second window")')
    await two.runButton.click()
    await expect.poll(() => two.status.textContent(), poll).toBe('queued')
    const second = (await two.shownRunId())!
    await expect
      .poll(() => card(two).textContent(), poll)
      .toContain('Waiting for a free worker: next to start')
    expect(await card(two).textContent()).toContain(
      'Runs started in the app go before jobs sent to the API.',
    )
    await screenshot(two.page, 'ui12-queue-app-run-waiting')
    const found = await axeViolations(two.page)
    expect(found, JSON.stringify(found, null, 2)).toEqual([])
    await show(one, 'api one', apiOne)
    await expect
      .poll(() => card(one).textContent(), poll)
      .toContain('Waiting for a free worker: 1 run ahead of it')
    await screenshot(one.page, 'ui12-queue-api-job-moved-back')

    // The shared worker frees: the app's run starts first, then the API jobs in the order they came.
    expect((await call(url, `/jobs/${blocker}/cancel`, { method: 'POST' })).status).toBe(200)
    await expect.poll(() => two.status.textContent(), poll).toBe('succeeded')
    expect(await two.output.log.textContent()).toContain('second window')
    // The window showing the API job follows it to its end.
    await expect.poll(() => one.status.textContent(), poll).toBe('succeeded')
    expect(await one.output.log.textContent()).toContain('api one')
    await pollStatus(url, apiTwo, 'succeeded', 60_000)
    const [s, a1, a2] = await Promise.all([second, apiOne, apiTwo].map(record))
    expect(String(s.ended_at) <= String(a1.started_at)).toBe(true)
    expect(String(a1.ended_at) <= String(a2.started_at)).toBe(true)

    // Esc in the first window cancels its own run, still going while another run is shown.
    await one.page.keyboard.press('Escape')
    await pollStatus(url, sleeper, 'cancelled', 60_000)
  }, 300_000)

  it('a run whose custom image is gone says so, with no Build button for it', async () => {
    const url = server.url
    const tag = `tako-e2e-gone:${Date.now().toString(36)}`
    execFileSync('docker', ['tag', imageRef('default'), tag])
    let id: string
    try {
      const blocker = await submit(url, SLEEP_API)
      await pollStatus(url, blocker, 'running', 60_000)
      id = await submit(url, { code: 'print("custom image run")', image: tag })
    } finally {
      // Only the tag made above goes; the image it names stays.
      execFileSync('docker', ['rmi', tag])
    }
    await cancelRunning(url)
    await pollStatus(url, id, 'failed', 60_000)

    const app = await openApp()
    await show(app, 'custom image run', id)
    await expect
      .poll(() => card(app).textContent(), poll)
      .toContain("This run's image is not on this machine")
    expect(await card(app).textContent()).toContain(`The image ${tag} is not present locally`)
    expect(await card(app).getByRole('button').count()).toBe(0)
    await screenshot(app.page, 'ui12-custom-image-gone')
  }, 180_000)

  it('watching a live API job: Run runs the draft and goes back to it; only its own button cancels the job', async () => {
    const url = server.url
    const job = await submit(url, {
      code: 'print("watched api job", flush=True)\nimport time\ntime.sleep(120)',
      timeout: 150,
    })
    await pollStatus(url, job, 'running', 60_000)
    const app = await openApp()
    await app.editor.setCode('print("my own run")')
    await show(app, 'watched api job', job)
    const watching = app.page.getByRole('status', { name: 'Watching a run not started here' })
    await expect.poll(() => watching.textContent(), poll).toContain('a job sent to the API')
    // The editors show the job's code read-only, with the way back to the draft; Run (not Stop)
    // says before the click that it runs the draft.
    const pastRun = app.page.getByRole('region', { name: 'Past run (read-only)' })
    await expect.poll(() => pastRun.textContent(), poll).toContain('watched api job')
    expect(await app.editor.code.count()).toBe(0)
    expect(await pastRun.getByRole('button', { name: 'Back to your draft' }).count()).toBe(1)
    expect(await app.toolbar.stopButton.count()).toBe(0)
    expect(await app.runButton.textContent()).toBe('▶ Run draft')
    expect(await app.runButton.getAttribute('title')).toMatch(/^Run your draft \(Ctrl\+Enter\)/)
    // Esc leaves the watched job alone.
    await app.output.log.click()
    await app.page.keyboard.press('Escape')
    await screenshot(app.page, 'ownrun-watching-api-job')

    // Run: the draft runs, and the view switches back to it with the new run's output.
    await app.runButton.click()
    await expect.poll(() => app.shownRunId(), poll).not.toBe(job)
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('my own run')
    expect(await app.editor.code.textContent()).toContain('print("my own run")')
    expect(await pastRun.count()).toBe(0)
    expect(await watching.count()).toBe(0)
    expect(await app.runButton.textContent()).toBe('▶ Run')
    await screenshot(app.page, 'ownrun-watched-then-draft-run')
    // The job kept running (Esc and the draft's run left it alone) and is still in the history.
    expect((await jobStatus(url, job)).status).toBe('running')

    // A finished past run is shown the same way: Run says it runs the draft, and "Back to your
    // draft" goes back without running anything.
    const first = (await app.shownRunId())!
    await show(app, 'my own run', first)
    await expect.poll(() => pastRun.count(), poll).toBe(1)
    expect(await app.runButton.textContent()).toBe('▶ Run draft')
    await pastRun.getByRole('button', { name: 'Back to your draft' }).click()
    await expect.poll(() => app.editor.code.count(), poll).toBe(1)
    expect(await app.runButton.textContent()).toBe('▶ Run')
    expect(await app.shownRunId()).toBe(first)

    // Ctrl+Enter over the watched job does what the button does.
    await show(app, 'watched api job', job)
    await expect.poll(() => watching.count(), poll).toBe(1)
    await app.output.log.click()
    await app.page.keyboard.press('ControlOrMeta+Enter')
    await expect.poll(() => app.shownRunId(), poll).not.toBe(job)
    expect(await app.shownRunId()).not.toBe(first)
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.editor.code.textContent()).toContain('print("my own run")')
    expect((await jobStatus(url, job)).status).toBe('running')

    // Reopened, it is watched again; cancelling it takes its own labelled button.
    await show(app, 'watched api job', job)
    await expect.poll(() => watching.textContent(), poll).toContain('a job sent to the API')
    await watching.getByRole('button', { name: `Cancel run ${job.slice(0, 8)}` }).click()
    await pollStatus(url, job, 'cancelled', 60_000)
    await expect.poll(() => watching.count(), poll).toBe(0)
  }, 180_000)

  it("answers a watched API job's input() from a box that names the job", async () => {
    const url = server.url
    // The shared worker is free whatever the tests before left running.
    await cancelRunning(url)
    const job = await submit(url, {
      code: 'name = input("Name? ")  # watched input\nprint("Hello,", name + "!")',
      interactive: true,
      timeout: 120,
    })
    const app = await openApp()
    await app.editor.setCode('print("draft")')
    await expect.poll(async () => (await jobStatus(url, job)).waiting_for_input, poll).toBe(true)
    await show(app, 'watched input', job)
    const box = app.page.getByRole('group', {
      name: `Input for run ${job.slice(0, 8)} (an API job)`,
    })
    await expect.poll(() => box.count(), poll).toBe(1)
    // Not the user's own run: the box does not take the focus, and is not "the running script"'s.
    expect(await app.output.inputRow.count()).toBe(0)
    const line = box.getByRole('textbox', { name: 'Name?' })
    expect(await box.locator('input:focus').count()).toBe(0)
    expect(await box.textContent()).toContain(`Input for run ${job.slice(0, 8)} (an API job)`)
    await screenshot(app.page, 'ownrun-watched-api-job-input')
    await line.click()
    await app.page.keyboard.type('Ada')
    await app.page.keyboard.press('Enter')
    const done = await waitResult(url, job)
    expect(done.status).toBe('succeeded')
    expect(String(done.stdout)).toContain('Hello, Ada!')
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await box.count()).toBe(0)
  }, 180_000)
})
