// The app in Debian's Chromium against `npm run serve` and the real engine, driven like a person.
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ROOT,
  ourContainers,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from '../integration/helpers'
import { AppPage, launchBrowser, screenshot } from './fixtures'

let browser: Browser
let server: ServeProcess
let dataDir: string
let page: Page
let app: AppPage

beforeAll(async () => {
  dataDir = tempDir('tako-e2e-')
  server = await startServeProcess(dataDir)
  browser = await launchBrowser()
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  app = new AppPage(page)
  await app.open(`${server.url}/`)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.kill('SIGTERM')
  expect(await ourContainers()).toEqual([])
})

const poll = { timeout: 30_000 }

describe('the desktop app in a browser', () => {
  it('runs a script with input, shows live output before the end, and the result tree', async () => {
    await app.setCode(
      [
        'import json, time',
        'data = json.load(open("/input/data.json"))',
        'print("hello", data["name"], flush=True)',
        'time.sleep(2.5)',
        'print("done")',
        'json.dump({"total": sum(data["values"]), "items": data["values"]}, open("/output/result.json", "w"))',
      ].join('\n'),
    )
    await app.setInput('{"name": "Ada", "values": [1, 2, 3]}')
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
    await page.keyboard.press('ControlOrMeta+Enter')
    // Live: the first line is there while the run is still running.
    await expect.poll(() => app.output.textContent(), poll).toContain('hello Ada')
    expect(await app.status.textContent()).toBe('running')
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.textContent()).toContain('done')
    await screenshot(page, '01-editor-and-output')
    await app.tab(/^Result/)
    const tree = page.getByRole('tree', { name: 'Result (output)' })
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
    await app.setInput('{\n  "a": 1,\n  "b": \n}')
    const error = page.getByRole('alert', { name: 'Input error' })
    await expect.poll(() => error.textContent(), poll).toMatch(/Line 4/)
    expect(await app.runButton.isDisabled()).toBe(true)
    await app.setInput('{}')
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
  })

  it('previews PNG, CSV and JSON artifacts; HTML never runs; a hostile file name stays text', async () => {
    await page
      .getByRole('combobox', { name: 'Environment', exact: true })
      .selectOption('data-processing')
    await app.setCode(
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
    await app.tab(/Files/)
    const list = page.getByRole('list', { name: 'Artifacts' })
    await expect.poll(() => list.getByRole('button').count(), poll).toBe(5)

    await list.getByRole('button', { name: /^plot\.png/ }).click()
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

    await list.getByRole('button', { name: /^table\.csv/ }).click()
    const table = page.getByRole('region', { name: 'Table table.csv' })
    await expect
      .poll(() => table.getByRole('cell').allTextContents(), poll)
      .toEqual(['Oslo', '4', 'Rio, BR', '31'])
    await screenshot(page, '04-artifact-csv')

    await list.getByRole('button', { name: /^data\.json/ }).click()
    await expect
      .poll(() => page.getByRole('tree', { name: 'JSON data.json' }).textContent(), poll)
      .toContain('nested')
    await screenshot(page, '05-artifact-json')

    await list.getByRole('button', { name: /^page\.html/ }).click()
    const frame = page.frameLocator('iframe[title="HTML preview of page.html"]')
    await expect.poll(() => frame.getByRole('heading', { name: 'hi' }).count(), poll).toBe(1)
    expect(await page.title()).toBe('Tako VM Desktop')
    expect(await page.locator('iframe').getAttribute('sandbox')).toBe('')

    const hostile = list.getByRole('button', { name: /<img src=x onerror=alert\(1\)>\.png/ })
    expect(await hostile.count()).toBe(1)
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    await page.getByRole('combobox', { name: 'Environment', exact: true }).selectOption('default')
  }, 90_000)

  it('stops a long run with the Stop button and explains it', async () => {
    await app.setCode('import time\nprint("sleeping", flush=True)\ntime.sleep(60)')
    await app.runButton.click()
    await expect.poll(() => app.output.textContent(), poll).toContain('sleeping')
    const t = Date.now()
    await app.stopButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('cancelled')
    expect(Date.now() - t).toBeLessThan(5000)
    expect(await app.statusCard.textContent()).toContain('you cancelled this run')
    await screenshot(page, '06-status-card-cancelled')
  }, 60_000)

  it('explains a timeout and offers a rerun with double the limit', async () => {
    await app.setCode('while True:\n    pass')
    await page.getByRole('textbox', { name: 'Timeout in seconds' }).fill('1')
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('timeout')
    expect(await app.statusCard.textContent()).toContain('time limit of 1 s')
    expect(await page.getByRole('button', { name: 'Rerun with 2 s' }).count()).toBe(1)
    await page.getByRole('textbox', { name: 'Timeout in seconds' }).fill('')
    await screenshot(page, '07-status-card-timeout')
  }, 60_000)

  it('reruns and forks from history, and deletes a run after confirming', async () => {
    await app.setCode('print("from history")')
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    const runs = page.getByRole('listbox', { name: 'Runs' })
    const first = runs.getByRole('option').first()
    await expect.poll(() => first.textContent(), poll).toContain('print("from history")')
    await first.click()
    const before = await page.getByText(/^\d+ runs?$/).textContent()

    await page
      .getByRole('toolbar', { name: 'Selected run' })
      .getByRole('button', { name: 'Rerun' })
      .click()
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    await expect.poll(() => runs.getByRole('option').first().textContent(), poll).toContain('rerun')
    await screenshot(page, '08-history')

    await app.setCode('print("something else")')
    await runs.getByRole('option').first().click()
    await page
      .getByRole('toolbar', { name: 'Selected run' })
      .getByRole('button', { name: 'Fork' })
      .click()
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Python script' }).textContent(), poll)
      .toContain('print("from history")')

    await runs.getByRole('option').first().click()
    await page
      .getByRole('toolbar', { name: 'Selected run' })
      .getByRole('button', { name: 'Delete' })
      .click()
    const dialog = page.getByRole('alertdialog', { name: 'Delete this run?' })
    await dialog.getByRole('button', { name: 'Delete run' }).click()
    const n = Number(/\d+/.exec(before ?? '')?.[0])
    await expect
      .poll(() => page.getByText(/^\d+ runs?$/).textContent(), poll)
      .toBe(`${n} run${n === 1 ? '' : 's'}`)
  }, 90_000)

  it('shows runs submitted through the HTTP API live', async () => {
    const res = await fetch(`${server.url}/execute/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'print("via the API")' }),
    })
    expect(res.status).toBe(200)
    const runs = page.getByRole('listbox', { name: 'Runs' })
    await expect
      .poll(() => runs.getByRole('option').first().textContent(), poll)
      .toContain('via the API')
  })

  it('keeps the history across a server restart', async () => {
    const count = await page.getByText(/^\d+ runs?$/).textContent()
    await server.kill('SIGTERM')
    server = await startServeProcess(dataDir)
    await app.open(`${server.url}/`)
    await expect.poll(() => page.getByText(/^\d+ runs?$/).textContent(), poll).toBe(count)
    fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true })
  }, 60_000)
})
