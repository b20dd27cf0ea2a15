// Past runs are readable (issue 12): opening a run from the history shows its code and input
// read-only in place of the draft, which stays untouched; "Load into editor" (and Fork) replace the
// draft only after asking when it holds changes that are in no run, through the app's one modal rule
// (focus inside, Esc keeps the draft, focus back on the button); running the loaded code records a
// fork of that run. Against `npm run serve` and the real engine.
import fs from 'node:fs'
import path from 'node:path'
import type { Locator } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { appSuite } from './fixtures'
import { axeViolations } from './pages/axe'

const SHOTS = '/work/coord/shots'
const poll = { timeout: 30_000 }
const t = appSuite('tako-e2e-past-runs-')

const PAST_CODE =
  'import json\nn = json.load(open("/input/data.json"))["n"]\nprint("past", n * 2)\n'

/** The read-only view of a past run and what it holds. */
const past = {
  get region(): Locator {
    return t.page.getByRole('region', { name: 'Past run (read-only)' })
  },
  get code(): Locator {
    return t.page.getByRole('textbox', { name: 'Code of the past run (read-only)' })
  },
  get input(): Locator {
    return t.page.getByRole('textbox', { name: 'Input of the past run (read-only)' })
  },
  get load(): Locator {
    return this.region.getByRole('button', { name: 'Load into editor' })
  },
  get back(): Locator {
    return this.region.getByRole('button', { name: 'Back to your draft' })
  },
  get question(): Locator {
    return t.page.getByRole('alertdialog', { name: 'Replace your draft?' })
  },
}

async function shot(name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await t.page.screenshot({ path: path.join(SHOTS, `pastruns-${name}.png`) })
}

/** Runs PAST_CODE on {"n": 21} from the draft; its id. */
async function runPast(): Promise<string> {
  const { app } = t
  await app.editor.setInput('{"n": 21}')
  await app.runToEnd(PAST_CODE)
  expect(await app.output.log.textContent()).toContain('past 42')
  return (await app.shownRunId())!
}

/** Opens the history row of run `id` (the newest matching `text`). */
async function openRow(text: string): Promise<void> {
  await expect.poll(() => t.app.history.first.textContent(), poll).toContain(text)
  await t.app.history.first.click()
  await past.region.waitFor()
}

async function activeText(): Promise<string> {
  return t.page.evaluate(() => {
    const d = globalThis as unknown as { document: { activeElement: { textContent: string } } }
    return d.document.activeElement.textContent
  })
}

describe('a past run is shown read-only', () => {
  it('shows its code and input, refuses edits, and leaves the draft as it was', async () => {
    const { app, page } = t
    await runPast()
    await app.editor.setCode('print("my draft")\n')
    await openRow('import json')

    await expect.poll(() => past.code.textContent(), poll).toContain('print("past", n * 2)')
    expect(await past.code.getAttribute('aria-readonly')).toBe('true')
    expect(await past.input.textContent()).toContain('"n": 21')
    expect(await past.region.textContent()).toMatch(/Read-only\s*run [0-9a-f]{8}/)
    // The draft editor is not on screen while the past run is: nothing typed can reach the draft.
    expect(await app.editor.code.count()).toBe(0)
    await past.code.click()
    await page.keyboard.type('xyz')
    expect(await past.code.textContent()).not.toContain('xyz')
    await shot('read-only')
    // The read-only view passes the same accessibility scan as the main views.
    const found = await axeViolations(page)
    expect(found, JSON.stringify(found, null, 2)).toEqual([])

    await past.back.click()
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('print("my draft")')
    expect(await app.editor.code.textContent()).not.toContain('xyz')
  }, 90_000)

  it('Load into editor asks before replacing an unsaved draft; Esc keeps it, focus returns', async () => {
    const { app, page } = t
    await runPast()
    await app.editor.setCode('print("unsaved work")\n')
    await openRow('import json')
    await past.load.click()

    await past.question.waitFor()
    // The question opens once the run has been read from the server, and focus moves into it in an
    // effect after it is drawn: awaited.
    await expect.poll(() => activeText(), poll).toBe('Keep my draft')
    // Focus stays in the question: Tab from its last button comes back to its first.
    await page.keyboard.press('Tab')
    expect(await activeText()).toBe('Replace draft')
    await page.keyboard.press('Tab')
    expect(await activeText()).toBe('Keep my draft')
    await shot('load-question')
    const inDialog = await axeViolations(page)
    expect(inDialog, JSON.stringify(inDialog, null, 2)).toEqual([])
    await page.keyboard.press('Escape')
    await expect.poll(() => past.question.count(), poll).toBe(0)
    expect(await activeText()).toBe('Load into editor')
    await past.back.click()
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('unsaved work')

    // Asked again and answered: the draft becomes the run's code and input, editable.
    await openRow('import json')
    await past.load.click()
    await past.question.getByRole('button', { name: 'Replace draft' }).click()
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('print("past", n * 2)')
    expect(await app.editor.input.textContent()).toContain('"n": 21')
    expect(await past.region.count()).toBe(0)
  }, 90_000)

  it('no question when the draft is what was last run', async () => {
    const { app } = t
    await runPast()
    await app.runToEnd('print("the draft, run as it is")')
    // The older run (the one before the newest) loads at once: the draft is saved in a run.
    await expect.poll(() => app.history.rows.nth(1).textContent(), poll).toContain('import json')
    await app.history.rows.nth(1).click()
    await past.region.waitFor()
    await past.load.click()
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('print("past", n * 2)')
    expect(await past.question.count()).toBe(0)
  }, 90_000)

  it('running the loaded code records a fork of the run; so does Fork from the history', async () => {
    const { app } = t
    const parent = await runPast()
    await openRow('import json')
    await past.load.click()
    await app.runToEnd('import json\nprint("forked", json.load(open("/input/data.json"))["n"])\n')
    expect(await app.output.log.textContent()).toContain('forked 21')
    const child = (await app.shownRunId())!
    const res = await fetch(`${t.server.url}/executions/${child}?view=full`)
    expect(await res.json()).toMatchObject({ parent_execution_id: parent, relationship: 'fork' })
    await expect.poll(() => app.history.first.textContent(), poll).toContain('fork')

    // Fork in the history's actions takes the same path (no question: the draft was just run).
    await app.history.row('import json').last().click()
    await app.history.action('Fork')
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('print("past", n * 2)')
  }, 120_000)

  it('fits a 1024×700 window: the bar, both read-only editors and the output', async () => {
    const { app, page } = t
    await page.setViewportSize({ width: 1024, height: 700 })
    await runPast()
    // A few more runs than fit: the history's row must not squeeze the editors.
    await app.runToEnd('print("second")')
    await app.runToEnd('print("third")')
    await app.runToEnd('print("fourth")')
    await expect.poll(() => app.history.rows.nth(3).textContent(), poll).toContain('import json')
    await app.history.rows.nth(3).click()
    await past.region.waitFor()
    await expect.poll(() => past.code.textContent(), poll).toContain('print("past", n * 2)')
    for (const l of [
      past.load,
      past.back,
      past.code,
      past.input,
      app.output.log,
      app.history.runs,
    ]) {
      const box = await l.boundingBox()
      expect(box).not.toBeNull()
      expect(box!.x).toBeGreaterThanOrEqual(0)
      expect(box!.x + box!.width).toBeLessThanOrEqual(1024)
      expect(box!.y + box!.height).toBeLessThanOrEqual(700)
    }
    // Usable, not only on screen: the code shows its lines, the input and the history a few rows.
    expect((await past.code.boundingBox())!.height).toBeGreaterThanOrEqual(120)
    expect((await past.input.boundingBox())!.height).toBeGreaterThanOrEqual(50)
    expect((await app.history.runs.boundingBox())!.height).toBeGreaterThanOrEqual(100)
    // The bar keeps its two buttons on one line.
    const load = (await past.load.boundingBox())!
    const back = (await past.back.boundingBox())!
    expect(Math.abs(load.y - back.y)).toBeLessThan(4)
    const overflow = await page.evaluate(() => {
      const d = globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }
      return d.document.documentElement.scrollWidth
    })
    expect(overflow).toBeLessThanOrEqual(1024)
    await shot('1024x700')
  }, 90_000)
})
