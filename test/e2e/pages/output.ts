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

  async tab(name: 'Output' | RegExp): Promise<void> {
    await this.page.getByRole('tab', { name }).click()
  }
}
