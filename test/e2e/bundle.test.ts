// Run bundles in the app (Chromium against `npm run serve`, the HTTP transport): a run is exported
// with Export… (a download of GET /executions/{id}/bundle), imported back with Import…, and shows
// as imported in the run header and the history; files dropped on the window show the overlay, and
// a dropped file that is not a bundle gives a clear notice and adds nothing.
import fs from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../integration/helpers'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-bundle-')
const poll = { timeout: 30_000 }

/** Drags `file` over the window and, with `drop`, drops it, as a person dragging from the desktop. */
async function dragFile(
  page: typeof t.page,
  file: { name: string; type: string; bytes: number[] },
  drop: boolean,
): Promise<void> {
  // Page code, as a string: this file is typed for Node, not the DOM.
  await page.evaluate(`(() => {
    const file = ${JSON.stringify(file)}
    const dt = new DataTransfer()
    dt.items.add(new File([new Uint8Array(file.bytes)], file.name, { type: file.type }))
    for (const type of ${JSON.stringify(drop ? ['dragenter', 'dragover', 'drop'] : ['dragenter', 'dragover'])}) {
      window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, cancelable: true }))
    }
  })()`)
}

async function runCount(): Promise<number> {
  const res = await fetch(`${t.server.url}/executions?limit=1`)
  return ((await res.json()) as { total: number }).total
}

describe('run bundles in the app', () => {
  it('exports a run, imports it back, and marks it imported', async () => {
    const { app, page } = t
    await app.runToEnd(
      [
        'import json',
        "open('/output/table.csv', 'w').write('x,y\\n1,2\\n3,4\\n')",
        "json.dump({'mean': 2.5}, open('/output/result.json', 'w'))",
        "print('bundled run')",
      ].join('\n'),
    )
    const originalId = (await app.shownRunId())!
    const exportButton = page.getByRole('button', { name: 'Export…' })
    const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()])
    expect(download.suggestedFilename()).toBe(`tako-run-${originalId}.zip`)
    const file = path.join(tempDir('tako-e2e-dl-'), download.suggestedFilename())
    await download.saveAs(file)
    expect(fs.statSync(file).size).toBeGreaterThan(500)

    const before = await runCount()
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Import…' }).click(),
    ])
    await chooser.setFiles(file)
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain(`Imported run ${originalId.slice(0, 8)}`)
    expect(await runCount()).toBe(before + 1)
    // The imported run is the one shown, under a new id, tagged with where it came from.
    await expect.poll(() => app.shownRunId(), poll).not.toBe(originalId)
    const tag = page.getByTestId('imported-tag')
    await expect
      .poll(() => tag.textContent(), poll)
      .toContain(`imported from ${originalId.slice(0, 8)}`)
    expect(await app.output.log.textContent()).toContain('bundled run')
    const row = app.history.runs.getByRole('option', { selected: true })
    await expect.poll(() => row.textContent(), poll).toContain('imported')
    await screenshot(page, 'bundle-imported')
  }, 90_000)

  it('shows a drop overlay, and a dropped file that is not a bundle adds nothing', async () => {
    const { app, page } = t
    const before = await runCount()
    const zip = zipSync({ 'notes.txt': new TextEncoder().encode('just notes') })
    const notBundle = { name: 'notes.zip', type: 'application/zip', bytes: [...zip] }
    await dragFile(page, notBundle, false)
    const overlay = page.getByTestId('drop-overlay')
    await expect.poll(() => overlay.textContent(), poll).toContain('Drop a run bundle')
    await screenshot(page, 'bundle-drop-overlay')
    await dragFile(page, notBundle, true)
    await expect.poll(() => overlay.count(), poll).toBe(0)
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain(
        'notes.zip was not imported: Bundle refused: manifest.json is missing: not a run bundle',
      )
    await screenshot(page, 'bundle-not-a-bundle')
    const text = { name: 'notes.txt', type: 'text/plain', bytes: [104, 105] }
    await dragFile(page, text, true)
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain('notes.txt is not a run bundle')
    expect(await runCount()).toBe(before)
  }, 60_000)
})
