// The app in Debian's Chromium against `npm run serve` and the real engine, driven like a person.
// Every test opens its own fresh page and sets up its own runs: any one can run alone or in any order.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-')
const poll = { timeout: 30_000 }

describe('the desktop app in a browser', () => {
  it('runs a script with input, shows live output before the end, and the result tree', async () => {
    const { app, page } = t
    await app.editor.setCode(
      [
        'import json, time',
        'data = json.load(open("/input/data.json"))',
        'print("hello", data["name"], flush=True)',
        'time.sleep(2.5)',
        'print("done")',
        'json.dump({"total": sum(data["values"]), "items": data["values"]}, open("/output/result.json", "w"))',
      ].join('\n'),
    )
    await app.editor.setInput('{"name": "Ada", "values": [1, 2, 3]}')
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
    await page.keyboard.press('ControlOrMeta+Enter')
    // Live: the first line is there while the run is still running. The log is drawn as soon as a
    // line comes, the status word a render later: it is awaited, and still says 'running' (the
    // script sleeps 2.5 s after that line).
    await expect.poll(() => app.output.log.textContent(), poll).toContain('hello Ada')
    await expect.poll(() => app.status.textContent(), poll).toBe('running')
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('done')
    await screenshot(page, '01-editor-and-output')
    await app.output.tab(/^Result/)
    const tree = app.output.resultTree
    await expect.poll(() => tree.textContent(), poll).toContain('total: 6')
    expect(await tree.textContent()).toContain('2: 3')
    // Collapsible: closing "items" hides its children, opening shows them again.
    const items = tree.getByRole('button', { name: /items/ })
    await items.click()
    await expect.poll(() => tree.textContent(), poll).not.toContain('2: 3')
    await items.click()
    await expect.poll(() => tree.textContent(), poll).toContain('2: 3')
    await screenshot(page, '02-result-tree')
  }, 60_000)

  it('shows invalid input with its line and disables Run', async () => {
    const { app } = t
    await app.editor.setInput('{\n  "a": 1,\n  "b": \n}')
    const error = app.editor.inputError
    await expect.poll(() => error.textContent(), poll).toMatch(/Line 4/)
    expect(await app.runButton.isDisabled()).toBe(true)
    await app.editor.setInput('{}')
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
  })

  it('previews PNG, CSV and JSON artifacts; HTML never runs; a hostile file name stays text', async () => {
    const { app, page } = t
    await app.toolbar.environment.selectOption('data-processing')
    await app.editor.setCode(
      [
        'import json',
        'import matplotlib.pyplot as plt',
        'fig, ax = plt.subplots(figsize=(4, 3), dpi=100)',
        'ax.plot([1, 2, 3], [3, 1, 2])',
        'fig.savefig("/output/plot.png")',
        'open("/output/table.csv", "w").write("city,temp\\nOslo,4\\n\\"Rio, BR\\",31\\n")',
        'json.dump({"nested": {"k": [1, 2]}}, open("/output/data.json", "w"))',
        'open("/output/page.html", "w").write("<h1>hi</h1><script>document.title=\'pwned\';parent.document.title=\'pwned\'</script>")',
        'open("/output/<img src=x onerror=alert(1)>.png", "wb").write(b"not really a png")',
      ].join('\n'),
    )
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), { timeout: 60_000 }).toBe('succeeded')
    await app.output.tab(/Files/)
    const list = app.artifacts.list
    await expect.poll(() => app.artifacts.items.count(), poll).toBe(5)

    await app.artifacts.item(/^plot\.png/).click()
    const img = page.getByRole('img', { name: 'plot.png' })
    await expect
      .poll(
        () =>
          img.evaluate((el) => {
            const image = el as unknown as { complete: boolean; naturalWidth: number }
            return image.complete && image.naturalWidth
          }),
        poll,
      )
      .toBe(400)
    await screenshot(page, '03-artifact-png')

    await app.artifacts.item(/^table\.csv/).click()
    const table = page.getByRole('region', { name: 'Table table.csv' })
    await expect
      .poll(() => table.getByRole('cell').allTextContents(), poll)
      .toEqual(['Oslo', '4', 'Rio, BR', '31'])
    await screenshot(page, '04-artifact-csv')

    await app.artifacts.item(/^data\.json/).click()
    await expect
      .poll(() => page.getByRole('tree', { name: 'JSON data.json' }).textContent(), poll)
      .toContain('nested')
    await screenshot(page, '05-artifact-json')

    await app.artifacts.item(/^page\.html/).click()
    const frame = page.frameLocator('iframe[title="HTML preview of page.html"]')
    await expect.poll(() => frame.getByRole('heading', { name: 'hi' }).count(), poll).toBe(1)
    expect(await page.title()).toBe('Tako VM Desktop')
    expect(await page.locator('iframe').getAttribute('sandbox')).toBe('')

    const hostile = list.getByRole('button', { name: /<img src=x onerror=alert\(1\)>\.png/ })
    expect(await hostile.count()).toBe(1)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
  }, 90_000)

  it('stops a long run with the Stop button and explains it', async () => {
    const { app, page } = t
    await app.editor.setCode('import time\nprint("sleeping", flush=True)\ntime.sleep(60)')
    await app.runButton.click()
    await expect.poll(() => app.output.log.textContent(), poll).toContain('sleeping')
    await app.toolbar.stopButton.click()
    // The poll's own limit bounds it against the script's 60 s sleep; the status is the evidence.
    await expect.poll(() => app.status.textContent(), poll).toBe('cancelled')
    expect(await app.output.statusCard.textContent()).toContain('you cancelled this run')
    await screenshot(page, '06-status-card-cancelled')
  }, 60_000)

  it('explains a timeout and offers a rerun with double the limit', async () => {
    const { app, page } = t
    await app.editor.setCode('while True:\n    pass')
    await app.toolbar.timeout.fill('1')
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('timeout')
    expect(await app.output.statusCard.textContent()).toContain('time limit of 1 s')
    expect(await page.getByRole('button', { name: 'Rerun with 2 s' }).count()).toBe(1)
    await screenshot(page, '07-status-card-timeout')
  }, 60_000)

  it('reruns and forks from history, and deletes a run after confirming', async () => {
    const { app, page } = t
    const { history } = app
    await app.runToEnd('print("from history")')
    await expect.poll(() => history.first.textContent(), poll).toContain('print("from history")')
    // The run shown now is the one in the first row (read before the click reopens it).
    const original = await app.shownRunId()
    await history.first.click()
    const before = await history.count.textContent()

    await history.action('Rerun')
    // The opened run says 'succeeded' too: the rerun is the run shown next, under its own id.
    await app.newRunEnds(original, 'succeeded', poll.timeout)
    await expect.poll(() => history.first.textContent(), poll).toContain('rerun')
    await screenshot(page, '08-history')

    // An opened run shows read-only; the draft is one click away.
    await page.getByRole('button', { name: 'Back to your draft' }).click()
    await app.editor.setCode('print("something else")')
    await history.first.click()
    await history.action('Fork')
    // The draft holds unsaved work: Fork asks before replacing it.
    await page.getByRole('button', { name: 'Replace draft' }).click()
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('print("from history")')

    await history.first.click()
    await history.action('Delete')
    await history.deleteDialog.getByRole('button', { name: 'Delete run' }).click()
    const n = Number(/\d+/.exec(before ?? '')?.[0])
    await expect.poll(() => history.count.textContent(), poll).toBe(`${n} run${n === 1 ? '' : 's'}`)
  }, 90_000)

  it('shows runs submitted through the HTTP API live', async () => {
    const { app } = t
    const res = await fetch(`${t.server.url}/execute/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'print("via the API")' }),
    })
    expect(res.status).toBe(200)
    await expect.poll(() => app.history.first.textContent(), poll).toContain('via the API')
  })

  it('keeps the history across a server restart', async () => {
    const { app } = t
    await app.runToEnd('print("kept across a restart")')
    await expect
      .poll(() => app.history.first.textContent(), poll)
      .toContain('kept across a restart')
    const count = await app.history.count.textContent()
    await t.restartServer()
    await app.open(`${t.server.url}/`)
    await expect.poll(() => app.history.count.textContent(), poll).toBe(count)
    expect(await app.history.first.textContent()).toContain('kept across a restart')
  }, 60_000)
})
