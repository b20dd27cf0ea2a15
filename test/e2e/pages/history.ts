import type { Locator, Page } from 'playwright-core'

/** The history sidebar: the run list, its count, filters, sort and the selected run's actions. */
export class HistoryPanel {
  constructor(readonly page: Page) {}

  get runs(): Locator {
    return this.page.getByRole('listbox', { name: 'Runs' })
  }
  get rows(): Locator {
    return this.runs.getByRole('option')
  }
  get first(): Locator {
    return this.rows.first()
  }
  /** The row whose text contains `text` (only rows in view are in the DOM). */
  row(text: string): Locator {
    return this.rows.filter({ hasText: text })
  }
  get count(): Locator {
    return this.page.getByText(/^\d+ runs?$/)
  }
  get search(): Locator {
    return this.page.getByRole('searchbox', { name: 'Search history' })
  }
  get statusFilter(): Locator {
    return this.page.getByRole('combobox', { name: 'Filter by status' })
  }
  get sort(): Locator {
    return this.page.getByRole('combobox', { name: 'Sort runs' })
  }
  /** "N new runs hidden by the filter", with its "Clear filter" button. */
  get hiddenNote(): Locator {
    return this.page.getByRole('status', { name: 'Runs hidden by the filter' })
  }
  get clearFilter(): Locator {
    return this.hiddenNote.getByRole('button', { name: 'Clear filter' })
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

  /** Scrolls the list down a long way with the mouse wheel. */
  async scrollToEnd(): Promise<void> {
    await this.runs.hover()
    await this.page.mouse.wheel(0, 100_000)
  }

  /** Whether the focused element is inside the element matching `selector`, and its text. */
  async focused(selector: string): Promise<{ inside: boolean; text: string }> {
    return this.page.evaluate((sel) => {
      const doc = (globalThis as unknown as { document: { activeElement: FocusedNode | null } })
        .document
      const el = doc.activeElement
      return { inside: el?.closest(sel) != null, text: el?.textContent ?? '' }
    }, selector)
  }
}

interface FocusedNode {
  closest(selector: string): unknown
  textContent: string | null
}
