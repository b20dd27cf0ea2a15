// A day of use: a data explorer adds a file of a few MiB as an input file and goes on typing in the
// editor. The draft is kept in localStorage; the file's bytes must be written when the files
// change, not again with every key typed (a 3 MB file made each key take a third of a second).
// Against `npm run serve` in Debian's Chromium; no run is started.
import { describe, expect, it } from 'vitest'
import { appSuite } from './fixtures'

const t = appSuite('tako-e2e-daily-draft-')
const poll = { timeout: 30_000 }
const MB3 = 3_000_000

/** Page code, as a string (this file is typed for Node, not the DOM): records each localStorage write's size. */
const RECORD_WRITES = `
  window.__writes = []
  const setItem = Storage.prototype.setItem
  Storage.prototype.setItem = function (key, value) {
    window.__writes.push([key, String(value).length])
    return setItem.call(this, key, value)
  }
`

async function writes(): Promise<[string, number][]> {
  return t.page.evaluate<[string, number][]>('window.__writes.splice(0)')
}

describe('a draft with a big input file', () => {
  it('typing in the editor does not write the file to storage again, and a reload keeps both', async () => {
    const { app, page } = t
    await page.addInitScript(RECORD_WRITES)
    await page.reload()
    await app.toolbar.docker.waitFor()
    const list = page.getByRole('list', { name: 'Input files' })
    await page.getByTestId('input-file-picker').setInputFiles({
      name: 'measurements.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(MB3, 7),
    })
    await expect.poll(() => list.textContent(), poll).toContain('measurements.bin')
    // Adding the file writes it (base64: 4 MB), once.
    await expect.poll(async () => (await writes()).some(([, n]) => n > MB3), poll).toBe(true)

    await app.editor.code.click()
    await page.keyboard.press('ControlOrMeta+End')
    await page.keyboard.type('\n# typed after')
    const draft = (): Promise<string> =>
      page.evaluate<string>('localStorage.getItem("tako.draft.v1")')
    await expect.poll(draft, poll).toContain('# typed after')
    const typed = await writes()
    expect(typed.length).toBeGreaterThan(0)
    // Each key wrote the code (a few hundred bytes), never the file's 4 MB again.
    expect(Math.max(...typed.map(([, n]) => n))).toBeLessThan(100_000)

    await page.reload()
    await expect.poll(() => list.textContent(), poll).toContain('measurements.bin')
    expect(await list.textContent()).toContain('2.9 MiB')
    expect(await app.editor.code.textContent()).toContain('# typed after')
  }, 60_000)
})
