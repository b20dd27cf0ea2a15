import type { Locator, Page } from 'playwright-core'
import { ArtifactsPanel } from './artifacts'
import { Banners } from './banners'
import { EditorPanel } from './editor'
import { HistoryPanel } from './history'
import { OutputPanel } from './output'
import { Toolbar } from './toolbar'

/** The app's main screen, one page object per panel. */
export class AppPage {
  readonly editor: EditorPanel
  readonly toolbar: Toolbar
  readonly output: OutputPanel
  readonly history: HistoryPanel
  readonly artifacts: ArtifactsPanel
  readonly banners: Banners

  constructor(readonly page: Page) {
    this.editor = new EditorPanel(page)
    this.toolbar = new Toolbar(page)
    this.output = new OutputPanel(page)
    this.history = new HistoryPanel(page)
    this.artifacts = new ArtifactsPanel(page)
    this.banners = new Banners(page)
  }

  // Shortcuts for what nearly every test uses.
  get runButton(): Locator {
    return this.toolbar.runButton
  }
  get status(): Locator {
    return this.output.status
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await this.toolbar.docker.waitFor()
  }

  /** The id of the run the run panel shows (null before any run). */
  async shownRunId(): Promise<string | null> {
    // Read without waiting: before the first run there is no status element at all.
    if ((await this.output.status.count()) === 0) return null
    return this.output.status.getAttribute('data-run-id')
  }

  /**
   * Types the script, runs it with the button and waits until a NEW run is shown and has ended with
   * `status` (a previous run's "succeeded" does not count).
   */
  async runToEnd(code: string, status = 'succeeded', timeout = 60_000): Promise<void> {
    await this.editor.setCode(code)
    await this.until(() => this.runButton.isEnabled(), timeout, 'Run stayed disabled')
    const before = await this.shownRunId()
    await this.runButton.click()
    await this.until(
      async () =>
        (await this.output.status.count()) > 0 &&
        (before === null || (await this.shownRunId()) !== before) &&
        (await this.output.status.textContent()) === status,
      timeout,
      `the run did not end with ${status}`,
    )
  }

  /** Polls a condition on the page (no timing assertion: only a bound on how long to wait). */
  async until(check: () => Promise<boolean>, timeout: number, what: string): Promise<void> {
    const deadline = Date.now() + timeout
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`${what} within ${timeout} ms`)
      await this.page.waitForTimeout(50)
    }
  }
}
