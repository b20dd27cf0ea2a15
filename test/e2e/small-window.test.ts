// The Scripts view in a short window (1024×700, issue 12): every pane of the draft stays usable.
// The script editor keeps a real height, the Input lines box and the Input files pane keep their
// contents (Add files… and the file rows), the history its run list. In Debian's Chromium against
// `npm run serve`; no run is needed, so no container starts.
import type { Locator } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-smallwin-')
const poll = { timeout: 30_000 }

/** The DOM an element's check needs (this file is typed for Node, not the DOM). */
interface Box {
  getBoundingClientRect(): { x: number; y: number; width: number; height: number }
  contains(other: Box): boolean
  scrollHeight: number
  clientHeight: number
}

/** Scrolls `l` into view as a person would (its scrolling pane moves) and checks it is then shown whole. */
async function reachable(l: Locator, label: string, width: number, height: number): Promise<void> {
  await l.scrollIntoViewIfNeeded()
  const box = await l.boundingBox()
  expect(box, label).not.toBeNull()
  expect(box!.height, `${label} has a height`).toBeGreaterThan(10)
  expect(box!.x, label).toBeGreaterThanOrEqual(0)
  expect(box!.y, label).toBeGreaterThanOrEqual(0)
  expect(box!.x + box!.width, label).toBeLessThanOrEqual(width)
  expect(box!.y + box!.height, label).toBeLessThanOrEqual(height)
  // Not clipped by the pane around it: the point at its middle is the element (or inside it).
  const hit = await l.evaluate((node) => {
    const el = node as unknown as Box
    const r = el.getBoundingClientRect()
    const d = globalThis as unknown as { document: { elementFromPoint(x: number, y: number): Box } }
    const at = d.document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
    return at === el || el.contains(at)
  })
  expect(hit, `${label} is not covered or clipped at its middle`).toBe(true)
}

describe('the Scripts view in a short window', () => {
  it('at 1024×700 the editor, JSON input, Input lines, Input files (with a file) and history are usable', async () => {
    const { app, page } = t
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.getByTestId('input-file-picker').setInputFiles({
      name: 'visits.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('city,visitors\nOslo,120\n'),
    })
    const list = page.getByRole('list', { name: 'Input files' })
    await expect.poll(() => list.textContent(), poll).toContain('visits.csv')

    // The script editor keeps room for a dozen lines; the history lists a few rows.
    const editor = page.getByTestId('editor-python')
    expect((await editor.boundingBox())!.height).toBeGreaterThanOrEqual(150)
    expect((await app.history.runs.boundingBox())!.height).toBeGreaterThanOrEqual(100)

    // Each input is reachable and shown whole, not cut down to its title bar.
    await reachable(app.editor.input, 'the JSON input', 1024, 700)
    expect((await app.editor.input.boundingBox())!.height).toBeGreaterThanOrEqual(50)
    await reachable(app.editor.inputLines, 'the Input lines box', 1024, 700)
    expect((await app.editor.inputLines.boundingBox())!.height).toBeGreaterThanOrEqual(40)
    await reachable(
      list.getByRole('listitem').filter({ hasText: 'visits.csv' }),
      'the file row',
      1024,
      700,
    )
    await reachable(page.getByRole('button', { name: 'Add files…' }), 'Add files…', 1024, 700)
    await screenshot(page, 'smallwin-1024x700-inputs')

    // Back at the top, the editor and its title are whole again; the page never scrolls sideways.
    await reachable(editor.locator('xpath=..'), 'the script editor pane', 1024, 700)
    await reachable(editor, 'the script editor', 1024, 700)
    const overflow = await page.evaluate(() => {
      const d = globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }
      return d.document.documentElement.scrollWidth
    })
    expect(overflow).toBeLessThanOrEqual(1024)
    await screenshot(page, 'smallwin-1024x700')
  }, 60_000)

  it('at 1440×900 the panes keep their large-window layout, nothing to scroll', async () => {
    const { page } = t
    await page.setViewportSize({ width: 1440, height: 900 })
    const editors = page.getByRole('region', { name: 'Script and input' })
    await editors.waitFor()
    const scroll = await editors.evaluate((node) => {
      const el = node as unknown as Box
      return el.scrollHeight - el.clientHeight
    })
    expect(scroll).toBeLessThanOrEqual(1)
    expect((await page.getByTestId('editor-python').boundingBox())!.height).toBeGreaterThanOrEqual(
      300,
    )
    await screenshot(page, 'smallwin-1440x900')
  }, 60_000)
})
