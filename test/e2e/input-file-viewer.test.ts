// A run's own input files open in the file viewer like its artifacts (issue 12): from the Files
// tab, a CSV as a whole table, an image, JSON as a tree, text as lines, and HTML only as its text.
// They are loaded from the run's record (`GET /jobs/{id}/input-files/{name}`) under the artifact
// sandbox policy. Keyboard: each file is a button, Esc closes the viewer, focus goes back. In
// Chromium against `npm run serve` and the real engine.
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'
import { axeViolations } from './pages/axe'

const t = appSuite('tako-e2e-input-viewer-')
const poll = { timeout: 30_000 }

const CSV = 'city,visitors\nOslo,120\nLima,80\nPune,45\n'
/** A real 2×2 RGB PNG, made here (signature, IHDR, IDAT, IEND with their CRCs). */
function png2x2(): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(body))
    return Buffer.concat([len, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(2, 0)
  ihdr.writeUInt32BE(2, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  // Each row: filter byte 0, then two RGB pixels.
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255])
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
const PNG = png2x2()
const HOSTILE =
  '<h1>hi</h1><script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'
const FILES = [
  { name: 'visits.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) },
  { name: 'pixel.png', mimeType: 'image/png', buffer: PNG },
  { name: 'settings.json', mimeType: 'application/json', buffer: Buffer.from('{"rate": [1, 2]}') },
  { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('first line\nsecond line\n') },
  { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from(HOSTILE) },
]

async function activeText(): Promise<string | null> {
  return t.page.evaluate<string | null>('document.activeElement?.textContent ?? null')
}

describe("a run's input files in the viewer", () => {
  it('opens each kind from the Files tab, by the artifact rules, and returns focus', async () => {
    const { app, page } = t
    await app.editor.setCode('import os\nprint(sorted(os.listdir("/input")))')
    await page.getByTestId('input-file-picker').setInputFiles(FILES)
    const draftList = page.getByRole('list', { name: 'Input files' })
    await expect.poll(() => draftList.textContent(), poll).toContain('page.html')
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), { timeout: 60_000 }).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain("'visits.csv'")
    const id = (await app.shownRunId())!

    await app.output.tab(/^Files/)
    const files = page.getByRole('region', { name: 'Input files of this run' })
    const open = (name: string) => files.getByRole('button', { name: `/input/${name}` })
    await expect.poll(() => open('visits.csv').count(), poll).toBe(1)

    // The CSV as a table, all its rows; the dialog passes the accessibility scan.
    await open('visits.csv').click()
    const csv = page.getByRole('dialog', { name: 'Input file visits.csv' })
    await expect
      .poll(() => csv.getByRole('status').first().textContent(), poll)
      .toContain('3 rows · 2 columns')
    expect(await csv.getByRole('heading', { level: 2 }).textContent()).toBe('/input/visits.csv')
    const grid = csv.getByRole('grid', { name: 'Table visits.csv' })
    expect(await grid.getByRole('row').nth(1).textContent()).toContain('Oslo')
    await screenshot(page, 'ui12-input-file-table')
    const found = await axeViolations(page)
    expect(found, JSON.stringify(found, null, 2)).toEqual([])
    // Save… points at the run's own input file; the server answers it under the sandbox policy.
    const href = await csv.getByRole('link', { name: 'Save…' }).getAttribute('href')
    expect(href).toBe(`/jobs/${id}/input-files/visits.csv`)
    const res = await fetch(`${t.server.url}${href}`)
    expect(await res.text()).toBe(CSV)
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    // Esc closes it; focus goes back to the file's button.
    await page.keyboard.press('Escape')
    await expect.poll(() => csv.count(), poll).toBe(0)
    expect(await activeText()).toBe('/input/visits.csv')

    // By keyboard: Tab reaches the next file's button, Enter opens the image.
    await page.keyboard.press('Tab')
    expect(await activeText()).toBe('/input/pixel.png')
    await page.keyboard.press('Enter')
    const png = page.getByRole('dialog', { name: 'Input file pixel.png' })
    const img = png.getByRole('img', { name: 'pixel.png' })
    await expect
      .poll(
        () => img.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
        poll,
      )
      .toBe(2)
    await screenshot(page, 'ui12-input-file-image')
    await page.keyboard.press('Escape')
    await expect.poll(() => png.count(), poll).toBe(0)
    expect(await activeText()).toBe('/input/pixel.png')

    // JSON as a tree, text as lines.
    await open('settings.json').click()
    const json = page.getByRole('dialog', { name: 'Input file settings.json' })
    await expect.poll(() => json.getByRole('tree').textContent(), poll).toContain('rate')
    await json.getByRole('button', { name: /Close/ }).click()
    await open('notes.txt').click()
    const text = page.getByRole('dialog', { name: 'Input file notes.txt' })
    await expect
      .poll(() => text.getByRole('region', { name: 'Text preview' }).textContent(), poll)
      .toContain('second line')
    await page.keyboard.press('Escape')

    // HTML given as input is shown as its text: nothing in it runs or loads.
    await open('page.html').click()
    const html = page.getByRole('dialog', { name: 'Input file page.html' })
    await expect
      .poll(() => html.getByRole('region', { name: 'Text preview' }).textContent(), poll)
      .toContain('<script>document.title="pwned"</script>')
    expect(await html.locator('iframe').count()).toBe(0)
    expect(await page.title()).not.toBe('pwned')
    await screenshot(page, 'ui12-input-file-html-as-text')
    await page.keyboard.press('Escape')
    await expect.poll(() => html.count(), poll).toBe(0)
  }, 120_000)
})
