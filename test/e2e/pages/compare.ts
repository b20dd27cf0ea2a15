import type { Locator, Page } from 'playwright-core'

/** The comparison view, its entry points (Compare with…, Replay) and the run picker. */
export class ComparePanel {
  constructor(readonly page: Page) {}

  get view(): Locator {
    return this.page.getByRole('region', { name: 'Comparison' })
  }
  get verdict(): Locator {
    return this.page.getByTestId('compare-verdict')
  }
  get compareWith(): Locator {
    return this.page.getByRole('button', { name: 'Compare with…' })
  }
  get replay(): Locator {
    return this.page.getByRole('button', { name: /^Replay/ })
  }
  get picker(): Locator {
    return this.page.getByRole('dialog', { name: 'Compare with…' })
  }
  get pickerList(): Locator {
    return this.picker.getByRole('listbox', { name: 'Recent runs' })
  }
  section(name: string): Locator {
    return this.view.getByRole('region', { name, exact: true })
  }
  changedFile(name: string): Locator {
    return this.view.getByRole('listitem', { name: `Changed ${name}` })
  }
  get close(): Locator {
    return this.page.getByRole('button', { name: 'Close comparison' })
  }
}

type Matchable = { matches(selector: string): boolean }

/** True when the element has the keyboard focus. */
export function hasFocus(l: Locator): Promise<boolean> {
  return l.evaluate((el) => (el as unknown as Matchable).matches(':focus'))
}

/** True when the element or something inside it has the keyboard focus. */
export function holdsFocus(l: Locator): Promise<boolean> {
  return l.evaluate((el) => (el as unknown as Matchable).matches(':focus-within'))
}
