// The full-size file viewer (issue 12): a table of 100,000 rows read whole, sorted and filtered,
// an image zoomed, Markdown rendered without running anything, a modal that keeps and returns focus.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-viewer-')
const poll = { timeout: 30_000 }

/** The DOM bits the checks below read, typed without the DOM library. */
interface Focusable {
  ownerDocument: { activeElement: unknown }
  contains(other: unknown): boolean
}

async function openFiles(code: string): Promise<void> {
  await t.app.runToEnd(code)
  await t.app.output.tab(/Files/)
  await expect.poll(() => t.app.artifacts.items.count(), poll).toBeGreaterThan(0)
}

describe('the full-size file viewer', () => {
  it('reads a 100,000-row CSV whole: counts, sorts by a column, filters, and stays responsive', async () => {
    await openFiles(
      [
        'with open("/output/big.csv", "w") as f:',
        '    f.write("id,score,name\\n")',
        '    for i in range(100_000):',
        '        f.write(f"{i},{(i * 7919) % 100_000},name {i}\\n")',
      ].join('\n'),
    )
    const { artifacts, page } = { artifacts: t.app.artifacts, page: t.page }
    await artifacts.item(/^big\.csv/).click()
    const open = artifacts.preview.getByRole('button', { name: 'Open full size' })
    await open.click()
    const viewer = page.getByRole('dialog', { name: 'File big.csv' })
    await expect
      .poll(() => viewer.getByRole('status').first().textContent(), poll)
      .toContain('100,000 rows · 3 columns')
    const grid = viewer.getByRole('grid', { name: 'Table big.csv' })
    const firstCell = (): Promise<string | null> =>
      grid.getByRole('row').nth(1).getByRole('gridcell').first().textContent()
    expect(await firstCell()).toBe('0')
    // Only the visible rows are in the page.
    expect(await grid.getByRole('row').count()).toBeLessThan(200)

    await grid.getByRole('button', { name: /^score/ }).click()
    await expect
      .poll(() => grid.getByRole('row').nth(1).getByRole('gridcell').nth(1).textContent(), poll)
      .toBe('0')
    await grid.getByRole('button', { name: /^score/ }).click()
    await expect
      .poll(() => grid.getByRole('row').nth(1).getByRole('gridcell').nth(1).textContent(), poll)
      .toBe('99999')
    expect(await grid.getByRole('columnheader', { name: /score/ }).getAttribute('aria-sort')).toBe(
      'descending',
    )

    await viewer.getByRole('searchbox').fill('name 4242')
    await viewer.getByRole('combobox').selectOption({ label: 'name' })
    await expect
      .poll(() => viewer.getByRole('status').first().textContent(), poll)
      .toContain('11 of 100,000 rows')
    // Scrolling to the end of the whole table works (virtualised).
    await viewer.getByRole('searchbox').fill('')
    await grid.evaluate((el) => {
      const box = el as unknown as { scrollTop: number; scrollHeight: number }
      box.scrollTop = box.scrollHeight
    })
    await expect.poll(() => grid.getByText('name 0', { exact: true }).count(), poll).toBe(1)
    await screenshot(page, '20-viewer-table-sorted')

    await page.keyboard.press('Escape')
    await expect.poll(() => viewer.count(), poll).toBe(0)
    // Focus went back to the button that opened it.
    expect(
      await open.evaluate((el) => el === (el as unknown as Focusable).ownerDocument.activeElement),
    ).toBe(true)
  }, 180_000)

  it('zooms an image, renders Markdown as text would be (no HTML), and traps focus', async () => {
    await openFiles(
      [
        'import struct, zlib',
        'def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))',
        'raw = b"".join(b"\\x00" + b"\\x20\\x60\\xc0" * 300 for _ in range(200))',
        'open("/output/wide.png", "wb").write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 200, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))',
        'open("/output/notes.md", "w").write("# Results\\n\\n- one\\n- two\\n\\n<script>window.pwned = 1</script>\\n\\n![plot](wide.png)\\n")',
      ].join('\n'),
    )
    const page = t.page
    await t.app.artifacts.item(/^wide\.png/).click()
    await t.app.artifacts.preview.getByRole('button', { name: 'Open full size' }).click()
    const viewer = page.getByRole('dialog', { name: 'File wide.png' })
    await expect.poll(() => viewer.getByText('300 × 200 px').count(), poll).toBe(1)
    await viewer.getByRole('button', { name: '100%' }).click()
    await viewer.getByRole('button', { name: 'Zoom in' }).click()
    expect(await viewer.getByRole('status', { name: 'Zoom level' }).textContent()).toBe('150%')
    const img = viewer.getByRole('img', { name: 'wide.png' })
    expect(await img.evaluate((el) => (el as unknown as { width: number }).width)).toBe(450)
    // Tab stays inside the dialog.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      expect(
        await viewer.evaluate((el) => {
          const box = el as unknown as Focusable
          return box.contains(box.ownerDocument.activeElement)
        }),
      ).toBe(true)
    }
    await screenshot(page, '21-viewer-image-zoomed')
    await viewer.getByRole('button', { name: /Close/ }).click()

    await t.app.artifacts.item(/^notes\.md/).click()
    const preview = t.app.artifacts.preview
    await expect.poll(() => preview.getByRole('heading', { name: 'Results' }).count(), poll).toBe(1)
    expect(await preview.getByRole('listitem').count()).toBe(2)
    expect(await preview.textContent()).toContain('<script>window.pwned = 1</script>')
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined()
    const inline = preview.getByRole('img', { name: 'plot' })
    await expect
      .poll(
        () => inline.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
        poll,
      )
      .toBe(300)
    await screenshot(page, '22-preview-markdown')
  }, 180_000)

  it('shows folders as a tree that collapses and expands, keyboard included', async () => {
    await openFiles(
      [
        'import os',
        'os.makedirs("/output/plots/deep")',
        'for n in ["a.txt", "plots/p1.txt", "plots/p2.txt", "plots/deep/d.txt"]:',
        '    open("/output/" + n, "w").write(n)',
      ].join('\n'),
    )
    const { artifacts } = t.app
    const plots = artifacts.folder(/^▾ plots\//)
    expect(await plots.getAttribute('aria-expanded')).toBe('true')
    expect(await plots.textContent()).toContain('3 files')
    expect(await artifacts.items.allTextContents()).toHaveLength(4)
    await plots.focus()
    await t.page.keyboard.press('Enter')
    await expect.poll(() => artifacts.items.count(), poll).toBe(1)
    expect(await artifacts.folder(/plots\//).getAttribute('aria-expanded')).toBe('false')
    await screenshot(t.page, '23-artifact-tree-collapsed')
    await artifacts.folder(/plots\//).click()
    await expect.poll(() => artifacts.items.count(), poll).toBe(4)
    // Enter on the selected file opens it full size.
    await artifacts.item(/^d\.txt/).click()
    await t.page.keyboard.press('Enter')
    await expect
      .poll(() => t.page.getByRole('dialog', { name: 'File plots/deep/d.txt' }).count(), poll)
      .toBe(1)
    await t.page.keyboard.press('Escape')
  }, 120_000)
})
