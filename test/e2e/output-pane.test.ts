// The output pane under real load: a long output ends with its last line, a flood keeps the page
// bounded and the editor usable, the pane follows the tail, a reopened running run keeps its earlier
// output, and a run started here is never silently overlapped.
import { describe, expect, it } from 'vitest'
import { listenToEvents, replyAfterRunEvents } from './events'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-pane-')
const poll = { timeout: 60_000 }

const MILLION = "for i in range(1_000_000):\n    print(i)\nprint('done!')"
// Prints as fast as it can for a long while (cancelled by the test).
const FLOOD = 'import itertools\nfor i in itertools.count():\n    print("flood line", i)'
const TICKER = [
  'import time',
  'for i in range(8):',
  '    print("tick", i, flush=True)',
  '    time.sleep(1)',
].join('\n')

const EIGHT_TICKS = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `tick ${i}`)

/** The ticks in the text, in order (a tick shown twice appears twice). */
function ticks(text: string): string[] {
  return text.match(/tick \d/g) ?? []
}

/** Whether `row` is inside the visible box of the output log. */
async function visibleInLog(row: ReturnType<typeof t.app.output.log.getByText>): Promise<boolean> {
  // Rows out of view are not in the page at all (the list is virtualised).
  if ((await row.count()) === 0) return false
  const [box, log] = await Promise.all([row.boundingBox(), t.app.output.log.boundingBox()])
  if (!box || !log) return false
  return box.y >= log.y - 1 && box.y + box.height <= log.y + log.height + 1
}

/**
 * Whether a run other than `id` is shown. While a run opened from the history is on its way, no run
 * is shown at all (null), which is not yet the other run.
 */
async function otherRunShown(id: string): Promise<boolean> {
  const shown = await t.app.shownRunId()
  return shown !== null && shown !== id
}

describe('a long output', () => {
  it('ends with its last line and the record keeps a real truncation marker', async () => {
    const { app, page } = t
    await app.runToEnd(MILLION, 'succeeded', 120_000)
    const done = app.output.log.getByText('done!', { exact: true })
    await expect.poll(() => done.count(), poll).toBe(1)
    await expect.poll(() => visibleInLog(done), poll).toBe(true)
    await screenshot(page, 'pane-01-million-end')
    // The cut the pane points at is really there.
    await app.output.showCut.click()
    const marker = app.output.log.getByText(/\[TRUNCATED: \d+ of \d+ bytes omitted/)
    await expect.poll(() => marker.count(), poll).toBe(1)
    await expect.poll(() => visibleInLog(marker), poll).toBe(true)
    await screenshot(page, 'pane-02-million-cut')
  }, 180_000)

  it('a flood keeps a bounded live buffer with a marker, and the editor takes typing', async () => {
    const { app, page } = t
    await app.editor.setCode(FLOOD)
    await app.runButton.click()
    await expect.poll(() => app.output.liveGap.count(), poll).toBe(1)
    // Lines are drawn as soon as they come, the status word a render later (the flood runs until
    // cancelled, so it says 'running' once drawn).
    await expect.poll(() => app.status.textContent(), poll).toBe('running')
    // Typing during the flood reaches the editor while the run is still going.
    await app.editor.code.click()
    await page.keyboard.press('ControlOrMeta+End')
    await page.keyboard.type('\n# typed during the flood')
    await expect
      .poll(() => app.editor.code.textContent(), poll)
      .toContain('# typed during the flood')
    expect(await app.status.textContent()).toBe('running')
    // The page holds head and tail only, and renders a window of rows, not the whole flood.
    expect(((await app.output.log.textContent()) ?? '').length).toBeLessThan(100_000)
    expect(await app.output.rows.count()).toBeLessThan(200)
    await screenshot(page, 'pane-03-flood-live')
    await page.keyboard.press('Escape')
    await expect.poll(() => app.status.textContent(), poll).toBe('cancelled')
  }, 120_000)
})

describe('following the tail', () => {
  it('follows the last line, stops when the user scrolls up, and jumps back by keyboard', async () => {
    const { app, page } = t
    const code = [
      'import time',
      'for i in range(400):',
      '    print("row", i)',
      'time.sleep(2)',
      'print("the last line")',
    ].join('\n')
    await app.editor.setCode(code)
    await app.runButton.click()
    const row399 = app.output.log.getByText('row 399', { exact: true })
    await expect.poll(() => visibleInLog(row399), poll).toBe(true)
    // Scrolling up stops following and offers the way back.
    await app.output.log.hover()
    await page.mouse.wheel(0, -3000)
    await expect.poll(() => app.output.jumpToEnd.count(), poll).toBe(1)
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await visibleInLog(app.output.log.getByText('the last line', { exact: true }))).toBe(
      false,
    )
    await screenshot(page, 'pane-04-scrolled-up')
    await app.output.jumpToEnd.focus()
    await page.keyboard.press('Enter')
    const last = app.output.log.getByText('the last line', { exact: true })
    await expect.poll(() => visibleInLog(last), poll).toBe(true)
    await expect.poll(() => app.output.jumpToEnd.count(), poll).toBe(0)
  }, 120_000)
})

describe('a running run', () => {
  it('reopened, shows everything it printed so far, once, then continues live', async () => {
    const { app, page } = t
    await app.runToEnd("print('another run')")
    await app.editor.setCode(`${TICKER}\ntime.sleep(3)`)
    await app.runButton.click()
    await expect.poll(() => app.output.log.textContent(), poll).toContain('tick 1')
    const ticker = (await app.shownRunId())!
    await app.history.runs.getByRole('option').filter({ hasText: "print('another run')" }).click()
    await expect.poll(() => otherRunShown(ticker), poll).toBe(true)
    // The reopen's reply comes after the ticker's next line: the order a busy machine can produce.
    await page.route('**/api/rpc/runs:get', async (route) => {
      const response = await route.fetch()
      // Listening from now on: the event waited for was sent after the reply was made.
      const events = await listenToEvents(t.server.url)
      try {
        await events.until((e) => e.type === 'run.output' && e.runId === ticker)
        await new Promise((r) => setTimeout(r, 500))
        await route.fulfill({ response })
      } finally {
        events.close()
      }
    })
    await page.locator(`#run-${ticker}`).click()
    await expect.poll(() => app.shownRunId(), poll).toBe(ticker)
    // Live (the ticker waits 3 s after its last tick): every tick once, in order.
    await expect.poll(() => app.output.log.textContent(), poll).toContain('tick 7')
    expect(await app.status.textContent()).toBe('running')
    expect(ticks((await app.output.log.textContent()) ?? '')).toEqual(EIGHT_TICKS)
    await screenshot(page, 'pane-05-reopened-ticker')
    await page.unroute('**/api/rpc/runs:get')
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(ticks((await app.output.log.textContent()) ?? '')).toEqual(EIGHT_TICKS)
  }, 120_000)

  it('started here keeps Stop while another run is shown, and Ctrl+Enter says why it waits', async () => {
    const { app, page } = t
    await app.runToEnd("print('a finished run')")
    await app.editor.setCode(TICKER)
    await app.runButton.click()
    await expect.poll(() => app.output.log.textContent(), poll).toContain('tick 0')
    const ticker = (await app.shownRunId())!
    await app.history.runs
      .getByRole('option')
      .filter({ hasText: "print('a finished run')" })
      .click()
    await expect.poll(() => otherRunShown(ticker), poll).toBe(true)
    // Run is not offered again while the ticker runs, and the pane says where it went.
    expect(await app.toolbar.stopButton.count()).toBe(1)
    await expect.poll(() => app.output.stillRunning.count(), poll).toBe(1)
    // The opened run's code is shown read-only; Ctrl+Enter there runs the draft as anywhere else.
    await page.getByRole('textbox', { name: 'Code of the past run (read-only)' }).click()
    await page.keyboard.press('ControlOrMeta+Enter')
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain('A run is already running')
    await screenshot(page, 'pane-06-still-running')
    await app.output.stillRunning.getByRole('button', { name: 'Show it' }).click()
    await expect.poll(() => app.shownRunId(), poll).toBe(ticker)
    await page.keyboard.press('Escape')
    await expect.poll(() => app.status.textContent(), poll).toBe('cancelled')
  }, 120_000)

  it('a rerun whose reply comes after its first output can be cancelled with Esc', async () => {
    const { app, page } = t
    const code = "import time\nprint('to rerun', flush=True)\ntime.sleep(30)"
    await app.editor.setCode(code)
    await app.runButton.click()
    await expect.poll(() => app.output.log.textContent(), poll).toContain('to rerun')
    const parent = (await app.shownRunId())!
    await page.keyboard.press('Escape')
    await expect.poll(() => app.status.textContent(), poll).toBe('cancelled')
    await app.history.runs.getByRole('option').filter({ hasText: 'import time' }).first().click()
    await expect.poll(() => app.history.actions.count(), poll).toBe(1)
    await replyAfterRunEvents(page, t.server.url, 'runs:rerun', 'first-output')
    await app.history.action('Rerun')
    await expect.poll(() => app.shownRunId(), poll).not.toBe(parent)
    await expect.poll(() => app.status.textContent(), poll).toBe('running')
    expect(await app.output.log.textContent()).toContain('to rerun')
    await page.keyboard.press('Escape')
    await expect.poll(() => app.status.textContent(), poll).toBe('cancelled')
  }, 120_000)
})
