// The Exercises view as a student uses it (Chromium against `npm run serve` and the real engine,
// at 1024×700): the example pack opened from the Examples menu, Check on the starter code fails
// with feedback per visible test, the fixed code passes with the full score, past attempts open
// with their code and results, a check can be cancelled, and a file that is not a pack is refused
// with the reader's exact reason.
import fs from 'node:fs'
import path from 'node:path'
import { zipSync } from 'fflate'
import type { Locator } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { ROOT } from '../integration/helpers'
import { examplePack, zipPack } from '../fixtures/exercise-pack'
import { appSuite, screenshot } from './fixtures'
import { axeViolations } from './pages/axe'

const t = appSuite('tako-e2e-exercises-')
const poll = { timeout: 30_000 }
const grading = { timeout: 120_000 }

const SOLUTION = fs.readFileSync(
  path.join(ROOT, 'examples', 'exercises', 'solutions', 'mean-of-list.py'),
  'utf8',
)

async function expectClean(view: string): Promise<void> {
  const found = await axeViolations(t.page)
  expect(found, `${view}: ${JSON.stringify(found, null, 2)}`).toEqual([])
}

function status(): Locator {
  return t.page.getByTestId('grading-status')
}

/** Waits until the shown check has ended, and returns its state. */
async function checkEnds(): Promise<string | null> {
  await expect
    .poll(() => status().getAttribute('data-status'), grading)
    .toMatch(/^(done|cancelled|failed)$/)
  return status().getAttribute('data-status')
}

function row(name: string): Locator {
  return t.page.getByTestId('grading').locator('.grading-row').filter({ hasText: name })
}

/**
 * Opens the example exercise and waits until its editor holds the starter code: the page is drawn
 * first and the exercise's code (its draft, else the starter) is put in the editor by an effect
 * after that, so typing or Check before it would be overwritten by it, or check empty code.
 */
async function openExample(): Promise<void> {
  const { page } = t
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.getByRole('combobox', { name: 'Open an example' }).selectOption('exercise:example')
  await page
    .getByTestId('exercise-page')
    .getByRole('heading', { name: 'Average of a list', level: 2 })
    .waitFor(poll)
  await expect
    .poll(() => page.getByRole('textbox', { name: 'Your code' }).textContent(), poll)
    .toContain("numbers = data['numbers']")
}

/** Replaces the code in the exercise's editor, typing like a person. */
async function setCode(code: string): Promise<void> {
  await t.app.editor.set(t.page.getByRole('textbox', { name: 'Your code' }), code)
}

describe('exercises in the app', () => {
  it('fails a test with the starter code, then passes with the fixed code', async () => {
    const { page } = t
    await openExample()
    expect(await page.getByRole('button', { name: 'Exercises' }).getAttribute('aria-current')).toBe(
      'page',
    )
    const page1 = page.getByTestId('exercise-page')
    // Instructions rendered from Markdown; hidden tests by name and points only.
    expect(await page1.locator('.exercise-instructions strong').first().textContent()).toBe('mean')
    const tests = page1.locator('.exercise-tests > li')
    expect(await tests.count()).toBe(4)
    expect(await tests.nth(0).textContent()).toContain('output contains "2.5"')
    expect(await tests.nth(1).textContent()).toBe('writes mean to result.json3 pts · hidden')
    await screenshot(page, 'packs-ui-example-open')
    await expectClean('exercise page')

    // The starter code: Check fails, with expected vs got for the visible tests.
    await page.getByRole('button', { name: '✓ Check' }).click()
    expect(await checkEnds()).toBe('done')
    expect(await status().textContent()).toBe('Score 0 / 10')
    expect(await row('prints the mean').getAttribute('data-state')).toBe('failed')
    const feedback = row('prints the mean').locator('.grading-feedback')
    expect(await feedback.textContent()).toContain('2.5')
    // A hidden test's result shows no output at all.
    const hidden = row('writes mean to result.json')
    expect(await hidden.getAttribute('data-state')).toBe('failed')
    expect(await hidden.locator('.grading-feedback').count()).toBe(0)
    expect(await row('writes a summary table').getAttribute('data-state')).toBe('failed')
    await screenshot(page, 'packs-ui-check-failed')
    await expectClean('failed check')

    // The fixed code, checked with Ctrl+Enter from the editor.
    await setCode(SOLUTION)
    await page.keyboard.press('Control+Enter')
    await expect.poll(() => status().textContent(), grading).toBe('Score 10 / 10')
    for (const name of [
      'prints the mean',
      'writes mean to result.json',
      'writes a summary table',
      'custom check',
    ]) {
      expect(await row(name).getAttribute('data-state'), name).toBe('passed')
    }
    expect(await page.locator('.grading-feedback').count()).toBe(0)
    await screenshot(page, 'packs-ui-check-passed')

    // Past attempts, newest first; the first one opens with its code and results.
    const attempts = page.getByRole('region', { name: 'Past attempts' }).getByRole('button')
    await expect.poll(() => attempts.allTextContents(), poll).toHaveLength(2)
    const [newest, oldest] = await attempts.allTextContents()
    expect(newest).toContain('10 / 10')
    expect(oldest).toContain('0 / 10')
    await attempts.nth(1).click()
    const dialog = page.getByRole('dialog', { name: /^Attempt of / })
    await dialog.waitFor()
    expect(
      await dialog.getByRole('textbox', { name: 'Code of this attempt' }).textContent(),
    ).toContain("numbers = data['numbers']")
    expect(await dialog.getByTestId('grading-status').textContent()).toBe('Score 0 / 10')
    // Focus moves into the dialog (its Close button). The dialog opens when the attempt has been
    // read from the server, and focus moves in an effect after it is drawn: awaited.
    await expect
      .poll(() => page.evaluate('document.activeElement?.textContent'), poll)
      .toBe('Close')
    await screenshot(page, 'packs-ui-attempt')
    await expectClean('attempt dialog')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count(), poll).toBe(0)
    // Focus is back on the attempt that opened it.
    expect(await page.evaluate('document.activeElement?.textContent')).toContain('0 / 10')

    // The draft is kept per exercise: a reload shows the fixed code, not the starter.
    await page.reload()
    await page.getByRole('button', { name: 'Exercises' }).click()
    await page.getByRole('button', { name: /^Average of a list/ }).click()
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Your code' }).textContent(), poll)
      .toContain('mean = sum(numbers) / len(numbers)')
  }, 300_000)

  it("loading an attempt's code asks before replacing changes that are in no attempt", async () => {
    const { page } = t
    await openExample()
    // openExample waited for the starter code in the editor.
    const editor = page.getByRole('textbox', { name: 'Your code' })
    // One attempt with the starter code: the draft is now what was checked, nothing unsaved.
    await page.getByRole('button', { name: '✓ Check' }).click()
    expect(await checkEnds()).toBe('done')
    const attempts = page.getByRole('region', { name: 'Past attempts' }).getByRole('button')
    await expect.poll(() => attempts.count(), poll).toBeGreaterThanOrEqual(1)
    const dialog = page.getByRole('dialog', { name: /^Attempt of / })
    const question = page.getByRole('alertdialog', { name: 'Replace your code?' })
    const loadButton = dialog.getByRole('button', { name: 'Load this code into the editor' })

    // Unsaved work in the editor: Load asks, Esc keeps the work, focus goes back to the attempt.
    await setCode('print("my unsaved work")\n')
    await attempts.first().click()
    await loadButton.click()
    await question.waitFor(poll)
    expect(await dialog.count()).toBe(0)
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Keep my code')
    expect(await question.textContent()).toContain('changes you have not checked')
    // Focus stays in the question: Tab from its last button comes back to its first.
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Replace code')
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Keep my code')
    await screenshot(page, 'ui12-attempt-replace-question')
    await expectClean('replace code question')
    await page.keyboard.press('Escape')
    await expect.poll(() => question.count(), poll).toBe(0)
    expect(await editor.textContent()).toContain('my unsaved work')
    expect(await page.evaluate('document.activeElement?.className')).toContain('attempt-row')

    // Asked again and answered: the attempt's code replaces the work.
    await attempts.first().click()
    await loadButton.click()
    await question.getByRole('button', { name: 'Replace code' }).click()
    await expect.poll(() => editor.textContent(), poll).toContain("numbers = data['numbers']")
    expect(await editor.textContent()).not.toContain('my unsaved work')

    // The editor now holds that attempt's code: loading an attempt again does not ask.
    await attempts.first().click()
    await loadButton.click()
    await expect.poll(() => dialog.count(), poll).toBe(0)
    expect(await question.count()).toBe(0)
    // Nor after a reload: what was last loaded is remembered with the draft.
    await page.reload()
    await page.getByRole('button', { name: 'Exercises' }).click()
    await page.getByRole('button', { name: /^Average of a list/ }).click()
    await expect.poll(() => editor.textContent(), poll).toContain("numbers = data['numbers']")
    await attempts.first().click()
    await loadButton.click()
    await expect.poll(() => dialog.count(), poll).toBe(0)
    expect(await question.count()).toBe(0)

    // Reset to starter code asks the same way: Esc keeps the work, focus goes back to Reset.
    const reset = page.getByRole('button', { name: 'Reset to starter code' })
    await setCode('print("more unsaved work")\n')
    await reset.click()
    await question.waitFor(poll)
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Keep my code')
    expect(await question.textContent()).toContain('the starter code')
    await page.keyboard.press('Escape')
    await expect.poll(() => question.count(), poll).toBe(0)
    expect(await editor.textContent()).toContain('more unsaved work')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Reset to starter code')
    await reset.click()
    await question.getByRole('button', { name: 'Replace code' }).click()
    await expect.poll(() => editor.textContent(), poll).toContain("numbers = data['numbers']")
    expect(await editor.textContent()).not.toContain('more unsaved work')
  }, 300_000)

  it('fills the progress list in as tests finish, and cancels a check', async () => {
    const { page } = t
    await openExample()
    await setCode(`import time\ntime.sleep(4)\n${SOLUTION}`)
    await page.getByRole('button', { name: '✓ Check' }).click()
    await expect
      .poll(() => row('prints the mean').getAttribute('data-state'), grading)
      .toBe('passed')
    expect(await status().getAttribute('data-status')).toBe('running')
    expect(await row('custom check').getAttribute('data-state')).toBe('pending')
    await screenshot(page, 'packs-ui-progress')
    await page.getByRole('button', { name: 'Cancel check' }).click()
    expect(await checkEnds()).toBe('cancelled')
    expect(await status().textContent()).toBe('Check cancelled')
  }, 300_000)

  it('opens a pack larger than the RPC body limit (2 MiB) by Open pack…', async () => {
    const { page } = t
    await page.getByRole('button', { name: 'Exercises' }).click()
    const files = examplePack((spec) => {
      spec.id = 'big-pack'
      spec.title = 'A big pack'
    })
    // Random bytes do not compress: the zip stays over 3 MiB.
    files['fixtures/noise.bin'] = randomBytes(3 * 1024 * 1024)
    const zip = zipPack(files)
    expect(zip.length).toBeGreaterThan(3 * 1024 * 1024)
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Open pack…' }).click(),
    ])
    await chooser.setFiles({ name: 'big-pack.zip', mimeType: 'application/zip', buffer: zip })
    await page
      .getByTestId('exercise-page')
      .getByRole('heading', { name: 'A big pack', level: 2 })
      .waitFor({ timeout: 30_000 })
    expect(await page.getByRole('list', { name: 'Imported exercises' }).textContent()).toContain(
      'A big pack',
    )
  }, 120_000)

  it('refuses a dropped file that is not a pack, with the reason, and adds nothing', async () => {
    const { page } = t
    await page.getByRole('button', { name: 'Exercises' }).click()
    // The list loads after the page opens: count it once both packs imported above are in it.
    const imported = page.getByRole('list', { name: 'Imported exercises' })
    await imported.getByRole('button', { name: /^Average of a list/ }).waitFor()
    await imported.getByRole('button', { name: /^A big pack/ }).waitFor()
    const before = await imported.locator('li').count()
    const zip = zipSync({ 'notes.txt': new TextEncoder().encode('just notes') })
    await page.evaluate(`(() => {
      const dt = new DataTransfer()
      dt.items.add(new File([new Uint8Array(${JSON.stringify([...zip])})], 'notes.zip', { type: 'application/zip' }))
      for (const type of ['dragenter', 'dragover']) {
        window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, cancelable: true }))
      }
      window.__dt = dt
    })()`)
    const overlay = page.getByTestId('drop-overlay')
    await expect.poll(() => overlay.textContent(), poll).toContain('Drop an exercise pack')
    await page.evaluate(
      `window.dispatchEvent(new DragEvent('drop', { dataTransfer: window.__dt, cancelable: true }))`,
    )
    await expect
      .poll(() => t.app.banners.notice.textContent(), poll)
      .toContain(
        'notes.zip was not imported: Pack refused: exercise.json is missing: not an exercise pack',
      )
    await screenshot(page, 'packs-ui-bad-pack')
    const list = page.getByRole('list', { name: 'Imported exercises' })
    expect(await list.locator('li').count()).toBe(before)

    // Removing an exercise asks first, in a dialog like the app's others.
    await list.getByRole('button', { name: /^Average of a list/ }).click()
    await page.getByRole('button', { name: 'Remove…' }).click()
    const confirm = page.getByRole('alertdialog', { name: 'Remove “Average of a list”?' })
    await confirm.waitFor()
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel')
    await expectClean('remove dialog')
    await confirm.getByRole('button', { name: 'Remove exercise' }).click()
    await expect.poll(() => list.locator('li').count(), poll).toBe(before - 1)
    expect(await page.getByRole('heading', { name: 'No exercise open' }).count()).toBe(1)
  }, 60_000)
})
