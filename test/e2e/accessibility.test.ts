// Accessibility and layout (issue 12): axe-core finds no serious or critical WCAG 2.1 A/AA
// violation in the main views, at the usual size and at 1024×700, and nothing is cut off there.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'
import { axeViolations } from './pages/axe'

const t = appSuite('tako-e2e-a11y-')
const poll = { timeout: 30_000 }

const RUN = [
  'import json, os',
  'print("hello")',
  'os.makedirs("/output/data")',
  'open("/output/data/t.csv", "w").write("a,b\\n1,2\\n")',
  'open("/output/notes.md", "w").write("# Notes\\n")',
  'json.dump({"ok": True}, open("/output/result.json", "w"))',
].join('\n')

async function expectClean(view: string): Promise<void> {
  const found = await axeViolations(t.page)
  expect(found, `${view}: ${JSON.stringify(found, null, 2)}`).toEqual([])
}

describe('accessibility of the main views', () => {
  for (const size of [
    { width: 1440, height: 900 },
    { width: 1024, height: 700 },
  ]) {
    it(`has no serious violations at ${size.width}×${size.height}: editor, output, result, files, viewer, dialog`, async () => {
      const { page, app } = t
      await page.setViewportSize(size)
      // Each view is scanned once it is complete, not while parts of it still load: the code editor
      // (after the first paint), the status card (the run's record, read after its end), the tree.
      await app.editor.code.waitFor()
      await expectClean('start')
      await app.runToEnd(RUN)
      await app.output.statusCard.waitFor()
      await expectClean('output')
      await app.output.tab(/Result/)
      await app.output.resultTree.waitFor()
      await expectClean('result')
      await app.output.tab(/Files/)
      // result.json is listed among the files too.
      await expect.poll(() => app.artifacts.items.count(), poll).toBe(3)
      await expectClean('files')
      await app.artifacts.item(/^t\.csv/).click()
      await app.artifacts.preview.getByRole('button', { name: 'Open full size' }).click()
      await page.getByRole('dialog', { name: 'File data/t.csv' }).getByRole('grid').waitFor()
      await expectClean('file viewer')
      await page.keyboard.press('Escape')
      await page.getByRole('button', { name: 'Delete' }).click()
      await page.getByRole('alertdialog').waitFor()
      await expectClean('delete dialog')
      await page.getByRole('button', { name: 'Cancel' }).click()
      // Nothing of the three panels is pushed off the page at this size.
      const overflow = await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } }
          }
        ).document.documentElement
        return d.scrollWidth - d.clientWidth
      })
      expect(overflow).toBeLessThanOrEqual(0)
      for (const name of [/^(▶\s*)?Run$/, /^Rerun$/, /^Search/]) {
        const control = page.getByRole(name.source.startsWith('^Search') ? 'searchbox' : 'button', {
          name,
        })
        expect(await control.first().isVisible(), String(name)).toBe(true)
      }
      await screenshot(page, `30-layout-${size.width}x${size.height}`)
    }, 180_000)
  }
})
