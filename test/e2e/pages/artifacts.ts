import type { Frame, Locator, Page } from 'playwright-core'

/** The Files tab: the artifact list and the preview of the selected file. */
export class ArtifactsPanel {
  constructor(readonly page: Page) {}

  get list(): Locator {
    return this.page.getByRole('list', { name: 'Artifacts' })
  }
  /** File rows (folder rows are the buttons with aria-expanded). */
  get items(): Locator {
    return this.list.locator('button:not([aria-expanded])')
  }
  item(name: RegExp): Locator {
    return this.list.locator('button:not([aria-expanded])').filter({ hasText: name })
  }
  folder(name: RegExp): Locator {
    return this.list.locator('button[aria-expanded]').filter({ hasText: name })
  }
  /** The preview section (its accessible name is "Preview of <file name as shown>"). */
  get preview(): Locator {
    return this.page.getByRole('region', { name: /^Preview of / })
  }
  get previewTitle(): Locator {
    return this.preview.locator('header strong')
  }
  get saveLink(): Locator {
    return this.preview.getByRole('link', { name: 'Save…' })
  }
  /** "Showing … of …" under a preview that was cut. */
  get cutNotice(): Locator {
    return this.preview.getByRole('note')
  }
  /** The sandboxed frame an HTML artifact is previewed in, once it has loaded. */
  async htmlFrame(): Promise<Frame> {
    const handle = await this.preview.locator('iframe').elementHandle({ timeout: 30_000 })
    const frame = await handle?.contentFrame()
    if (!frame) throw new Error('no HTML preview frame')
    await frame.waitForLoadState('load')
    return frame
  }
}
