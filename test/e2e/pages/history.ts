import type { Locator, Page } from 'playwright-core'

/** The history sidebar: the run list, its count and the selected run's actions. */
export class HistoryPanel {
  constructor(readonly page: Page) {}

  get runs(): Locator {
    return this.page.getByRole('listbox', { name: 'Runs' })
  }
  get first(): Locator {
    return this.runs.getByRole('option').first()
  }
  get count(): Locator {
    return this.page.getByText(/^\d+ runs?$/)
  }
  get actions(): Locator {
    return this.page.getByRole('toolbar', { name: 'Selected run' })
  }
  get deleteDialog(): Locator {
    return this.page.getByRole('alertdialog', { name: 'Delete this run?' })
  }

  async action(name: 'Rerun' | 'Fork' | 'Delete'): Promise<void> {
    await this.actions.getByRole('button', { name }).click()
  }
}
