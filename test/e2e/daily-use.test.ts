// A day of use, as the app's users meet it on day one (see docs/app.md), in Debian's Chromium
// against one `npm run serve` (seeded with three old runs): the topics below share the server to
// keep the suite short; no run is started.
import fs from 'node:fs'
import path from 'node:path'
import { strToU8, zipSync } from 'fflate'
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

const t = appSuite('tako-e2e-daily-use-', { seed })

// Keyboard only: someone coming back to an old run opens it from the history
// with the arrow keys, presses Enter on "Load into editor" and types on; or looks and goes "Back to
// your draft". Either way the keyboard focus lands in the script editor, not on the page's body (the
// buttons pressed are gone with the past run's view).
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

// A data explorer adds a file of a few MiB as an input file and goes on typing in the
// editor. The draft is kept in localStorage; the file's bytes must be written when the files
// change, not again with every key typed (a 3 MB file made each key take a third of a second).
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

// A student gets an exercise pack from the teacher and drops it on the app, or picks
// it with Import…, while the Scripts view is open (the view the app starts in). It opens as an
// exercise, instead of "Bundle refused: manifest.json is missing: not a run bundle". A zip that is
// neither is still refused by the bundle import with its reason.
function pack(id: string, title: string): Uint8Array {
  const exercise = {
    format: 1,
    id,
    title,
    instructions: 'instructions.md',
    environment: 'default',
    starter: 'starter.py',
    tests: [
      {
        name: 'doubles 21',
        points: 1,
        visibility: 'visible',
        stdin: '21\n',
        expect: { stdout: { equals: '42' } },
      },
    ],
  }
  return zipSync({
    [`${id}/exercise.json`]: strToU8(JSON.stringify(exercise)),
    [`${id}/instructions.md`]: strToU8('# Double it\n\nRead a number and print twice it.'),
    [`${id}/starter.py`]: strToU8('n = input()\nprint(n * 2)\n'),
  })
}

/** Drops `bytes` as a file on the window, as a person dragging it from the desktop. */
async function dropOnWindow(name: string, bytes: Uint8Array): Promise<void> {
  // Page code, as a string: this file is typed for Node, not the DOM.
  await t.page.evaluate(`(() => {
    const dt = new DataTransfer()
    dt.items.add(new File([new Uint8Array(${JSON.stringify([...bytes])})], ${JSON.stringify(name)}, { type: 'application/zip' }))
    for (const type of ['dragenter', 'dragover', 'drop']) {
      window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, cancelable: true }))
    }
  })()`)
}

describe('an exercise pack given to the Scripts view', () => {
  it('opens as an exercise, whether dropped or picked with Import…', async () => {
    const { app, page } = t
    const exercisesTab = page.getByRole('button', { name: 'Exercises' })
    await dropOnWindow('double.zip', pack('double-it', 'Double a number'))
    await expect
      .poll(() => page.getByRole('heading', { name: 'Double a number', level: 2 }).count(), poll)
      .toBe(1)
    expect(await exercisesTab.getAttribute('aria-current')).toBe('page')
    await expect.poll(() => app.banners.notice.textContent(), poll).toContain('Double a number')
    expect(await app.banners.notice.textContent()).not.toContain('Bundle refused')

    await page.getByRole('button', { name: 'Scripts' }).click()
    await page.getByLabel('Run bundle to import').setInputFiles({
      name: 'triple.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(pack('triple-it', 'Triple a number')),
    })
    await expect
      .poll(() => page.getByRole('heading', { name: 'Triple a number', level: 2 }).count(), poll)
      .toBe(1)
    expect(await exercisesTab.getAttribute('aria-current')).toBe('page')
  }, 60_000)

  it('a zip that is neither a pack nor a bundle is refused by the bundle import, with its reason', async () => {
    const { app, page } = t
    await page.getByLabel('Run bundle to import').setInputFiles({
      name: 'notes.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zipSync({ 'exercise.txt': strToU8('not a pack') })),
    })
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain('notes.zip was not imported: Bundle refused: manifest.json is missing')
    expect(await page.getByRole('button', { name: 'Scripts' }).getAttribute('aria-current')).toBe(
      'page',
    )
  }, 60_000)
})
