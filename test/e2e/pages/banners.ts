import type { Locator, Page } from 'playwright-core'

/** The banners under the top bar: Docker down, environment missing/building, notices. */
export class Banners {
  constructor(readonly page: Page) {}

  get docker(): Locator {
    return this.page.getByRole('alert').filter({ hasText: 'Docker is not reachable' })
  }
  get environment(): Locator {
    return this.page.getByRole('alert', { name: 'Environment status' })
  }
  /** The last notice (what happened, or why a call failed), the one status with a Dismiss button. */
  get notice(): Locator {
    return this.page
      .getByRole('status')
      .filter({ has: this.page.getByRole('button', { name: 'Dismiss' }) })
  }
  buildProgress(environment: string): Locator {
    return this.page.getByRole('progressbar', { name: `Build progress of ${environment}` })
  }
}
