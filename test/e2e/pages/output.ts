import type { Locator, Page } from 'playwright-core'

/** The run panel's tabs, its status line, the status card, the output log and the result tree. */
export class OutputPanel {
  constructor(readonly page: Page) {}

  get log(): Locator {
    return this.page.getByRole('log', { name: 'Output' })
  }
  get status(): Locator {
    return this.page.getByTestId('run-status')
  }
  get statusCard(): Locator {
    return this.page.getByRole('status', { name: 'Run status' })
  }
  /** The status card's plain-language explanation of the error. */
  get hint(): Locator {
    return this.page.getByTestId('error-hint')
  }
  /** The explanation's "line N" button, which shows that line in the editor. */
  lineButton(line: number): Locator {
    return this.page.getByRole('button', { name: `Show line ${line} in the editor` })
  }
  get resultTree(): Locator {
    return this.page.getByRole('tree', { name: 'Result (output)' })
  }

  /** The rendered rows of the log (it renders a window of them, not every line). */
  get rows(): Locator {
    return this.log.locator('[data-row]')
  }
  /** The note under the log saying how many lines between the live head and tail are not shown. */
  get liveGap(): Locator {
    return this.page.getByRole('note', { name: 'Live output' })
  }
  get jumpToEnd(): Locator {
    return this.page.getByRole('button', { name: 'Jump to end' })
  }
  /** The note saying the output's middle was cut, with a button to scroll to the cut. */
  get showCut(): Locator {
    return this.page.getByRole('button', { name: 'Show the cut' })
  }
  /** The note saying a run started here is still running while another run is shown. */
  get stillRunning(): Locator {
    return this.page.getByRole('status', { name: 'Your run is still running' })
  }

  /** The live input row of a run waiting for its standard input. */
  get inputRow(): Locator {
    return this.page.getByRole('group', { name: 'Input for the running script' })
  }

  async tab(name: 'Output' | RegExp): Promise<void> {
    await this.page.getByRole('tab', { name }).click()
  }
}
