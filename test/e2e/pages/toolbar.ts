import type { Locator, Page } from 'playwright-core'

/** The top bar: examples, environment, limits, Run/Stop and the Docker pill. */
export class Toolbar {
  constructor(readonly page: Page) {}

  get runButton(): Locator {
    return this.page
      .getByRole('button', { name: 'Run', exact: false })
      .filter({ hasText: 'Run' })
      .first()
  }
  get stopButton(): Locator {
    return this.page.getByRole('button', { name: /Stop/ })
  }
  get environment(): Locator {
    return this.page.getByRole('combobox', { name: 'Environment', exact: true })
  }
  get runtime(): Locator {
    return this.page.getByRole('combobox', { name: 'Runtime', exact: true })
  }
  get timeout(): Locator {
    return this.page.getByRole('textbox', { name: 'Timeout in seconds' })
  }
  get docker(): Locator {
    return this.page.getByRole('status', { name: 'Docker status' })
  }
}
