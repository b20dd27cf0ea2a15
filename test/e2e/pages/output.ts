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
  get resultTree(): Locator {
    return this.page.getByRole('tree', { name: 'Result (output)' })
  }

  async tab(name: 'Output' | RegExp): Promise<void> {
    await this.page.getByRole('tab', { name }).click()
  }
}
