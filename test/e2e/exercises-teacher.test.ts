// Teacher mode in the app (Chromium against `npm run serve`, the HTTP transport, at 1024×700): a
// teacher runs a solution, makes an exercise from the script with a test taken from the recorded
// run, previews it as a student, and exports the pack (downloaded: exercises:buildPack). The pack
// holds what the run produced.
import fs from 'node:fs'
import path from 'node:path'
import { strFromU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import type { ExerciseSpec } from '../../src/shared/exercise'
import { tempDir } from '../integration/helpers'
import { appSuite, screenshot } from './fixtures'
import { axeViolations } from './pages/axe'

const t = appSuite('tako-e2e-teacher-')
const poll = { timeout: 30_000 }

export const SOLUTION = [
  'import json',
  "numbers = json.load(open('/input/data.json'))['numbers']",
  'mean = sum(numbers) / len(numbers)',
  "print(f'The mean is {mean}')",
  "json.dump({'mean': mean}, open('/output/result.json', 'w'))",
  "open('/output/summary.csv', 'w').write(f'n,mean\\n{len(numbers)},{mean}\\n')",
].join('\n')

async function expectClean(view: string): Promise<void> {
  const found = await axeViolations(t.page)
  expect(found, `${view}: ${JSON.stringify(found, null, 2)}`).toEqual([])
}

describe('teacher mode', () => {
  it('makes a pack from a recorded run, previews it as a student and exports it', async () => {
    const { app, page } = t
    await page.setViewportSize({ width: 1024, height: 700 })
    await app.editor.setInput('{"numbers": [1, 2, 3, 4]}')
    await app.runToEnd(SOLUTION)
    const runId = (await app.shownRunId())!

    // The keyboard shortcut opens the Exercises view.
    await page.keyboard.press('Control+Shift+E')
    await page.getByRole('heading', { name: 'Exercises', level: 2 }).waitFor()
    await page.getByRole('button', { name: 'Create exercise from this script' }).click()
    const choice = page.locator('.run-choice').filter({ hasText: runId.slice(0, 8) })
    await choice.waitFor(poll)
    expect(await choice.textContent()).toContain('The mean is 2.5')
    await choice.getByRole('button', { name: 'Add as test' }).click()

    await page.getByRole('textbox', { name: 'Title' }).fill('Average of a list')
    expect(await page.getByRole('textbox', { name: 'Id' }).inputValue()).toBe('average-of-a-list')
    await page
      .getByRole('textbox', { name: 'Instructions (Markdown)' })
      .fill('# Average\n\nRead `numbers` from the input and print **the mean**.\n')
    await page.getByRole('tab', { name: 'Preview' }).click()
    const preview = page.getByRole('region', { name: 'Instructions preview' })
    await expect.poll(() => preview.locator('strong').textContent(), poll).toBe('the mean')
    // The starter: the script, cut down by the teacher.
    await app.editor.set(page.getByRole('textbox', { name: 'Starter code' }), 'import json\n')

    const draft = page.getByTestId('test-draft')
    await draft.getByRole('textbox', { name: 'Name' }).fill('prints the mean')
    await draft.getByRole('textbox', { name: 'Points' }).fill('2')
    await draft.getByRole('textbox', { name: 'Text the output contains' }).fill('2.5')
    await draft.getByRole('combobox', { name: 'summary.csv' }).selectOption('equals')
    await expect.poll(() => page.getByText('Ready to export.').count(), poll).toBe(1)
    // Going to the Scripts view and back keeps the teacher's work.
    await page.keyboard.press('Control+Shift+E')
    await app.editor.code.waitFor()
    await page.keyboard.press('Control+Shift+E')
    expect(await page.getByRole('textbox', { name: 'Title' }).inputValue()).toBe(
      'Average of a list',
    )
    expect(await page.getByTestId('test-draft').count()).toBe(1)
    await screenshot(page, 'packs-ui-teacher-builder')
    await expectClean('teacher mode')

    await page.getByRole('button', { name: 'Preview as student' }).click()
    const studentPage = page.getByTestId('exercise-page')
    await studentPage.waitFor()
    expect(await studentPage.getByRole('heading', { level: 2 }).textContent()).toBe(
      'Average of a list',
    )
    expect(await studentPage.textContent()).toContain('output contains "2.5"')
    expect(await studentPage.textContent()).toContain('writes summary.csv as expected')
    await screenshot(page, 'packs-ui-teacher-preview')
    await expectClean('preview as student')
    await page.getByRole('button', { name: 'Back to editing' }).click()

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export pack…' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('average-of-a-list.zip')
    const file = path.join(tempDir('tako-e2e-pack-'), download.suggestedFilename())
    await download.saveAs(file)
    const files = unzipSync(fs.readFileSync(file))
    expect(Object.keys(files).sort()).toEqual([
      'exercise.json',
      'fixtures/test-1/summary.csv',
      'instructions.md',
      'manifest.json',
      'starter.py',
    ])
    expect(strFromU8(files['starter.py'])).toBe('import json\n')
    expect(strFromU8(files['fixtures/test-1/summary.csv'])).toBe('n,mean\n4,2.5\n')
    const spec = JSON.parse(strFromU8(files['exercise.json'])) as ExerciseSpec
    expect(spec).toMatchObject({ id: 'average-of-a-list', title: 'Average of a list' })
    expect(spec.tests).toEqual([
      {
        name: 'prints the mean',
        points: 2,
        visibility: 'visible',
        input_data: { numbers: [1, 2, 3, 4] },
        expect: {
          stdout: { contains: '2.5' },
          result: [{ path: '$.mean', equals: 2.5, tolerance: 1e-9 }],
          files: [
            { path: 'summary.csv', equals_file: 'fixtures/test-1/summary.csv', tolerance: 1e-9 },
          ],
        },
      },
    ])
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain('Downloading the exercise pack average-of-a-list.zip')

    // The exported pack imports back (Open pack…), and the solution passes its own test.
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Open pack…' }).click(),
    ])
    await chooser.setFiles(file)
    const imported = page.getByTestId('exercise-page')
    await imported
      .getByRole('heading', { name: 'Average of a list', level: 2 })
      .waitFor({ timeout: 30_000 })
    expect(await page.getByRole('list', { name: 'Imported exercises' }).textContent()).toContain(
      'Average of a list1 test · 2 pts',
    )
    // The exercise's code is put in its editor by an effect after the page is drawn: awaited.
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Your code' }).textContent(), poll)
      .toBe('import json')
    await app.editor.set(page.getByRole('textbox', { name: 'Your code' }), SOLUTION)
    await page.getByRole('button', { name: '✓ Check' }).click()
    await expect
      .poll(() => page.getByTestId('grading-status').textContent(), { timeout: 120_000 })
      .toBe('Score 2 / 2')
    await screenshot(page, 'packs-ui-teacher-roundtrip')
  }, 240_000)
})
