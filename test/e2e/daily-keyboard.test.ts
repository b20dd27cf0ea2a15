// A day of use with the keyboard only: someone coming back to an old run opens it from the history
// with the arrow keys, presses Enter on "Load into editor" and types on; or looks and goes "Back to
// your draft". Either way the keyboard focus lands in the script editor, not on the page's body (the
// buttons pressed are gone with the past run's view). Against `npm run serve` with seeded runs.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { runRecord } from '../fixtures/run-record'
import { appSuite } from './fixtures'
import { hasFocus } from './pages/compare'

const poll = { timeout: 30_000 }

function seed(dataDir: string): void {
  const store = new RunStore(dataDir)
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < 3; i++) {
    const id = `kbd-${i}`
    const code = `print("old run ${i}")\n`
    store.save(
      runRecord(id, {
        status: 'succeeded',
        createdAt: new Date(t0 + i * 60_000).toISOString(),
        endedAt: new Date(t0 + i * 60_000 + 100).toISOString(),
        durationMs: 100,
        codePreview: code,
        owner: 'seed',
      }),
    )
    fs.writeFileSync(path.join(store.runDir(id), 'main.py'), code)
    fs.writeFileSync(path.join(store.runDir(id), 'stdout.txt'), `old run ${i}\n`)
  }
}

const t = appSuite('tako-e2e-daily-kbd-', { seed })

describe('coming back to an old run with the keyboard', () => {
  it('Load into editor and Back to your draft leave the focus in the script editor', async () => {
    const { app, page } = t
    const { history } = app
    await expect.poll(() => history.count.textContent(), poll).toBe('3 runs')
    // The list by keyboard: focus it, the arrow keys open the next run (newest first).
    const bar = page.getByRole('group', { name: 'Past run' })
    await history.runs.focus()
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => bar.textContent(), poll).toContain('kbd-2')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => bar.textContent(), poll).toContain('kbd-1')

    const back = bar.getByRole('button', { name: 'Back to your draft' })
    await back.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => hasFocus(app.editor.code), poll).toBe(true)

    await history.runs.focus()
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => bar.textContent(), poll).toContain('kbd-2')
    const load = bar.getByRole('button', { name: 'Load into editor' })
    await expect.poll(() => load.isEnabled(), poll).toBe(true)
    await load.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => hasFocus(app.editor.code), poll).toBe(true)
    expect(await app.editor.code.textContent()).toContain('print("old run 2")')
    // Typing goes on in the loaded code.
    await page.keyboard.press('ControlOrMeta+End')
    await page.keyboard.type('\nprint("more")')
    await expect.poll(() => app.editor.code.textContent(), poll).toContain('print("more")')
  }, 60_000)
})
