// Comparing two runs in the app against the real engine: an image and a CSV that changed shown side
// by side (changed cells marked), the "Compare with…" picker used by keyboard, Ctrl-click in the
// history, and Replay of an unchanged run ending in "Identical".
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { COMPARE_SCRIPT } from '../fixtures/compare-script'
import { appSuite } from './fixtures'
import { ComparePanel, hasFocus, holdsFocus } from './pages/compare'

const t = appSuite('tako-e2e-compare-')
const poll = { timeout: 60_000 }
const SHOTS = '/work/coord/shots'

async function shot(name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await t.page.screenshot({ path: path.join(SHOTS, `compare-${name}.png`), fullPage: false })
}

async function runWith(code: string, input: string): Promise<void> {
  await t.app.editor.setInput(input)
  await t.app.runToEnd(code)
}

describe('comparing runs in the app', () => {
  it('shows an image and a CSV change side by side, picked with the keyboard', async () => {
    const compare = new ComparePanel(t.page)
    await runWith(COMPARE_SCRIPT, '{"v": 1}')
    const first = await t.app.shownRunId()
    await runWith(`# second version\n${COMPARE_SCRIPT}`, '{"v": 2}')
    const second = await t.app.shownRunId()
    expect(first).not.toBe(second)

    // The picker opens, Esc closes it and focus goes back to the button.
    await compare.compareWith.click()
    await compare.pickerList.waitFor()
    // The list comes from the server after the picker opens; focus moves to it in an effect after
    // it is drawn: awaited.
    await expect.poll(() => hasFocus(compare.pickerList), poll).toBe(true)
    await t.page.keyboard.press('Escape')
    await expect.poll(() => compare.picker.count(), poll).toBe(0)
    expect(await hasFocus(compare.compareWith)).toBe(true)

    // Opened again: Tab stays in the dialog; Enter picks the first run listed (the other run).
    await compare.compareWith.click()
    await compare.pickerList.waitFor()
    await expect.poll(() => compare.pickerList.getByRole('option').count(), poll).toBe(1)
    await shot('picker')
    await t.page.keyboard.press('Tab')
    await t.page.keyboard.press('Tab')
    expect(await holdsFocus(compare.picker)).toBe(true)
    await compare.pickerList.focus()
    await t.page.keyboard.press('Enter')

    await expect
      .poll(() => compare.verdict.textContent(), poll)
      .toBe('Differs in code, input, stdout, result, 5 files.')
    // The older run is "before" whichever way round it was picked.
    expect(await compare.view.getByRole('heading', { level: 2 }).textContent()).toBe(
      `Comparing ${first!.slice(0, 8)} → ${second!.slice(0, 8)}`,
    )
    const code = compare.section('Code')
    await expect.poll(() => code.getByText('# second version').count(), poll).toBe(1)
    await shot('overview')

    const png = compare.changedFile('plot.png')
    await png.scrollIntoViewIfNeeded()
    const images = png.getByRole('img')
    expect(await images.count()).toBe(2)
    await expect
      .poll(
        () =>
          images.evaluateAll((els) =>
            els.map((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
          ),
        poll,
      )
      .toEqual([48, 48])
    const csv = compare.changedFile('table.csv')
    const marked = csv.locator('td.cell-changed')
    expect(await marked.allTextContents()).toEqual(['4', '5'])
    await csv.scrollIntoViewIfNeeded()
    await shot('image-csv')

    const files = compare.section('Files')
    expect(await files.getByRole('list', { name: 'Added files' }).textContent()).toContain(
      'only-second.txt',
    )
    expect(await files.getByRole('list', { name: 'Removed files' }).textContent()).toContain(
      'only-first.txt',
    )

    // Ctrl-click of the other run in the history compares the shown run with it too.
    await compare.close.click()
    await t.app.history.runs
      .getByRole('option')
      .nth(1)
      .click({ modifiers: ['ControlOrMeta'] })
    await expect.poll(() => compare.verdict.textContent(), poll).toMatch(/^Differs in code/)
  }, 240_000)

  it('Replay of an unchanged run says identical', async () => {
    const compare = new ComparePanel(t.page)
    await runWith('print("same every time")\n', '{}')
    await compare.replay.click()
    await expect
      .poll(() => compare.verdict.textContent(), poll)
      .toBe('Identical: same code, input, output, result and files.')
    await shot('replay-identical')
  }, 180_000)
})
