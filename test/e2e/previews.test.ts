// Previews a run's files without ever freezing the page, and shows file names as they really are.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-previews-')
const poll = { timeout: 30_000 }

/** Runs `code`, opens the Files tab (its first file opens by itself) and checks the page still answers. */
async function openFilesOf(code: string): Promise<void> {
  await t.app.runToEnd(code)
  await t.app.output.tab(/Files/)
  await expect.poll(() => t.app.artifacts.items.count(), poll).toBeGreaterThan(0)
}

/** A click on another control is handled: the page's main thread is not stuck in the preview. */
async function expectResponsive(): Promise<void> {
  const output = t.page.getByRole('tab', { name: 'Output' })
  await output.click()
  await expect.poll(() => output.getAttribute('aria-selected'), poll).toBe('true')
  await t.app.output.tab(/Files/)
}

describe('previews that cannot freeze the page', () => {
  it('1 MiB of newlines: shows 2,000 lines and says how many there are', async () => {
    await openFilesOf('open("/output/newlines.txt", "w").write("\\n" * 1048576)')
    const { artifacts } = t.app
    await expect
      .poll(() => artifacts.cutNotice.textContent(), poll)
      .toContain('Showing 2,000 of 1,048,577 lines')
    expect(await artifacts.preview.getByRole('listitem').count()).toBe(2000)
    await screenshot(t.page, '12-preview-newlines-cut')
    await expectResponsive()
  }, 120_000)

  it('a one-row CSV with a million columns: shows 50 columns and says what was cut', async () => {
    await openFilesOf(
      'open("/output/wide.csv", "w").write(",".join(str(i) for i in range(1_000_000)))',
    )
    const { artifacts } = t.app
    await expect.poll(() => artifacts.cutNotice.textContent(), poll).toMatch(/50 of [\d,]+ columns/)
    expect(await artifacts.cutNotice.textContent()).toMatch(/first 1\.0 MiB of 6\.\d MiB read/)
    const table = t.page.getByRole('region', { name: 'Table wide.csv' })
    expect(await table.getByRole('columnheader').count()).toBe(50)
    await screenshot(t.page, '13-preview-wide-csv-cut')
    await expectResponsive()
  }, 120_000)

  it('one 1 MiB line: cut to 2,000 characters', async () => {
    await openFilesOf('open("/output/long.txt", "w").write("z" * 1048576)')
    await expect
      .poll(() => t.app.artifacts.cutNotice.textContent(), poll)
      .toContain('1 long line cut at 2,000 characters')
    await expectResponsive()
  }, 120_000)
})

describe('file names with control and bidi characters', () => {
  it('shows U+202E and friends visibly in the list, the header and the saved name', async () => {
    await openFilesOf(
      [
        'open("/output/invoice\\u202egnp.exe", "wb").write(b"MZ")',
        'open("/output/zz\\u2066hidden\\u2069.txt", "w").write("x")',
      ].join('\n'),
    )
    const { artifacts } = t.app
    const names = await artifacts.items.allTextContents()
    expect(names.join(' ')).toContain('invoice⟨U+202E⟩gnp.exe')
    expect(names.join(' ')).toContain('zz⟨U+2066⟩hidden⟨U+2069⟩.txt')
    expect(names.join(' ')).not.toMatch(/[\u202e\u2066\u2069]/)
    // The first file is open: its header and the name Save suggests show the character too.
    await artifacts.item(/^invoice/).click()
    await expect
      .poll(() => artifacts.previewTitle.textContent(), poll)
      .toBe('invoice⟨U+202E⟩gnp.exe')
    expect(await artifacts.saveLink.getAttribute('download')).toBe('invoice⟨U+202E⟩gnp.exe')
    expect(await artifacts.preview.getAttribute('aria-label')).toBe(
      'Preview of invoice⟨U+202E⟩gnp.exe',
    )
    await screenshot(t.page, '14-bidi-file-name')
  }, 120_000)
})

/** Python that writes a w×h PNG (solid colour) with the standard library only. */
function pngWriter(path: string, w: number, h: number): string {
  return [
    'import struct, zlib',
    'def _chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))',
    `_w, _h = ${w}, ${h}`,
    '_raw = b"".join(b"\\x00" + b"\\xff\\x80\\x00" * _w for _ in range(_h))',
    `open(${JSON.stringify(path)}, "wb").write(b"\\x89PNG\\r\\n\\x1a\\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", _w, _h, 8, 2, 0, 0, 0)) + _chunk(b"IDAT", zlib.compress(_raw)) + _chunk(b"IEND", b""))`,
  ].join('\n')
}

describe('HTML reports', () => {
  it("shows the run's own images inside an HTML report, and nothing from anywhere else", async () => {
    // A first run whose chart the second run's report must not be able to show.
    await t.app.runToEnd(pngWriter('/output/other.png', 30, 30))
    const otherRun = await t.app.shownRunId()
    expect(otherRun).not.toBeNull()
    await openFilesOf(
      [
        'import os; os.makedirs("/output/plots")',
        pngWriter('/output/plots/chart.png', 40, 20),
        'open("/output/report.html", "w").write(',
        '  "<h1>Report</h1><img id=own src=\\"plots/chart.png\\">"',
        `  "<img id=foreign src=\\"/jobs/${otherRun}/artifacts/other.png\\">"`,
        '  "<img id=remote src=\\"http://example.invalid/x.png\\">")',
      ].join('\n'),
    )
    await t.app.artifacts.item(/^report\.html/).click()
    const frame = await t.app.artifacts.htmlFrame()
    const widthOf = (id: string): Promise<number> =>
      frame
        .locator(`#${id}`)
        .evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)
    await expect.poll(() => widthOf('own'), poll).toBe(40)
    // An image not loaded yet has no width either: the other two are read once the frame is done
    // with them (loaded or refused), so that 0 means refused.
    const settled = (id: string): Promise<boolean> =>
      frame.locator(`#${id}`).evaluate((el) => (el as unknown as { complete: boolean }).complete)
    await expect.poll(() => settled('foreign'), poll).toBe(true)
    await expect.poll(() => settled('remote'), poll).toBe(true)
    expect(await widthOf('foreign')).toBe(0)
    expect(await widthOf('remote')).toBe(0)
    await screenshot(t.page, '15-html-report-with-own-image')
  }, 120_000)
})
