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
    await this.newRunEnds(before, status, timeout)
  }

  /**
   * Waits until a run other than `before` (the id `shownRunId()` gave before the action that starts
   * one: Run, Rerun, Fork) is shown and has ended with `status`. Until the new run is shown, the
   * panel still shows the previous run and its status, which may be the same word.
   */
  async newRunEnds(before: string | null, status = 'succeeded', timeout = 60_000): Promise<void> {
    await this.until(
      async () => {
        const id = await this.shownRunId()
        return id !== null && id !== before && (await this.output.status.textContent()) === status
      },
      timeout,
      `no new run ended with ${status}`,
    )
  }

  /**
   * Waits until the page has drawn two more frames, so that whatever the last change scheduled
   * (React's effects, CodeMirror's view updates) has run. For a check that something did NOT happen
   * after a change the page has already shown: without it, such a check could pass only because the
   * page had not got to it yet.
   */
  async nextFrames(): Promise<void> {
    await this.page.evaluate(
      'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(null))))',
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
