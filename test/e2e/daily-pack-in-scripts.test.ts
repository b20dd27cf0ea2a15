// A day of use: a student gets an exercise pack from the teacher and drops it on the app, or picks
// it with Import…, while the Scripts view is open (the view the app starts in). It opens as an
// exercise, instead of "Bundle refused: manifest.json is missing: not a run bundle". A zip that is
// neither is still refused by the bundle import with its reason. Against `npm run serve`.
import { strToU8, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { appSuite } from './fixtures'

const t = appSuite('tako-e2e-daily-pack-')
const poll = { timeout: 30_000 }

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
