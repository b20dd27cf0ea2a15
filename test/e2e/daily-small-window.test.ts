// A day of use on a small laptop: a 1024×700 window. Under the script, the Input lines box and the
// Input files pane must still show what they hold and the Add files… button (they were cut down to
// their title bars), and the script editor keeps several lines. Against `npm run serve` in Debian's
// Chromium; no run is started.
import type { Locator } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-daily-small-')
const poll = { timeout: 30_000 }

interface Box {
  top: number
  bottom: number
  height: number
}

async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox()
  if (!b) throw new Error('not shown')
  return { top: b.y, bottom: b.y + b.height, height: b.height }
}

/** True when `inner` is drawn inside `outer` (not cut off by it). */
async function inside(inner: Locator, outer: Locator): Promise<boolean> {
  const [i, o] = [await box(inner), await box(outer)]
  return i.top >= o.top && i.bottom <= o.bottom
}

describe('a 1024×700 window', () => {
  it('shows the input files, the Add files… button and two input lines under the script', async () => {
    const { app, page } = t
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.getByTestId('input-file-picker').setInputFiles({
      name: 'visits.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('city,visitors\nOslo,120\n'),
    })
    const pane = page.getByTestId('input-files')
    const list = page.getByRole('list', { name: 'Input files' })
    await expect.poll(() => list.textContent(), poll).toContain('visits.csv')
    await screenshot(page, 'daily-small-window')

    expect(await inside(pane.getByRole('button', { name: 'Add files…' }), pane)).toBe(true)
    expect(await inside(list.getByRole('listitem').first(), list)).toBe(true)
    // Two lines of the Input lines box (13 px text) and a few of the script.
    expect((await box(app.editor.inputLines)).height).toBeGreaterThanOrEqual(36)
    expect((await box(page.getByTestId('editor-python'))).height).toBeGreaterThanOrEqual(100)
    // The history is still there below, with its search box in view.
    expect(await inside(app.history.search, page.locator('.sidebar'))).toBe(true)
  }, 60_000)
})
