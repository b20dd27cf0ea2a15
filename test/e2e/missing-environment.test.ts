// The missing-environment card (issue 12), in Chromium against `npm run serve` and the real engine:
// a run in an environment whose image is not built fails with a card that says so, names an action
// that exists in the app (the card's and the banner's "Build <name>" button, not an "Environments
// panel"), and that button builds the environment, after which the same code runs. The recipe is
// the default one plus a step of its own, so no image of it exists before the test; the image the
// test builds is removed after it.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageRef } from '../../src/main/environments/catalogue'
import {
  expectNoContainersLeft,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from '../integration/helpers'
import { AppPage, launchBrowser, recipesWithStep, screenshot } from './fixtures'
import { axeViolations } from './pages/axe'

const poll = { timeout: 30_000 }
let browser: Browser
let server: ServeProcess
let resources = ''

beforeAll(async () => {
  resources = recipesWithStep(`RUN echo missing-env-e2e-${Date.now()}`)
  server = await startServeProcess(tempDir('tako-e2e-missing-env-data-'), {
    TAKO_RESOURCES_DIR: resources,
  })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  try {
    await browser?.close()
  } finally {
    await server?.kill('SIGTERM')
  }
  // `kill` returns once the server's whole process group is gone, so nothing of it still uses
  // the image built here.
  // The image this test built (the recipe is its own): removed, its shared layers stay.
  const ref = imageRef('default', path.join(resources, 'environments'))
  const built = execFileSync('docker', ['images', '-q', ref]).toString().trim()
  if (built) execFileSync('docker', ['rmi', ref])
  await expectNoContainersLeft()
})

describe('a run in an environment that is not built', () => {
  it('explains it, offers the Build button it names, and runs once built', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const app = new AppPage(page)
    await app.open(`${server.url}/`)
    const banner = app.banners.environment
    await expect.poll(() => banner.textContent(), poll).toMatch(/not built yet|out of date/)

    await app.runToEnd('print("built at last")', 'failed')
    const card = page.getByRole('status', { name: 'Run status' })
    await expect
      .poll(() => card.textContent(), poll)
      .toContain("The 'default' environment is not built")
    const text = (await card.textContent()) ?? ''
    expect(text).not.toContain('Environments panel')
    // The action the message names is a button the app has: on the card and on the banner.
    const named = /the app's "([^"]+)" button/.exec(text)?.[1]
    expect(named).toBe('Build default')
    const build = card.getByRole('button', { name: named })
    expect(await build.count()).toBe(1)
    expect(await banner.getByRole('button', { name: named }).count()).toBe(1)
    await screenshot(page, 'ui12-missing-environment')
    const found = await axeViolations(page)
    expect(found, JSON.stringify(found, null, 2)).toEqual([])

    // By keyboard: the card's button builds it; the banner shows the progress, then goes away.
    await build.focus()
    await page.keyboard.press('Enter')
    await expect
      .poll(() => app.banners.buildProgress('default').count(), { timeout: 60_000 })
      .toBe(1)
    await expect.poll(() => banner.count(), { timeout: 240_000 }).toBe(0)
    await app.runToEnd('print("built at last")')
    expect(await app.output.log.textContent()).toContain('built at last')
    await page.close()
  }, 360_000)
})
