// The app when Docker is unreachable, and building an environment with a progress bar.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expectNoContainersLeft,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from '../integration/helpers'
import { AppPage, launchBrowser, recipesWithStep, screenshot } from './fixtures'

let browser: Browser
const servers: ServeProcess[] = []

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  try {
    await browser?.close()
  } finally {
    for (const s of servers) await s.kill('SIGTERM')
  }
  await expectNoContainersLeft()
})

describe('faults and environments in the app', () => {
  it('says Docker is unreachable and what to do', async () => {
    const server = await startServeProcess(tempDir(), {
      DOCKER_HOST: 'unix:///tmp/tako-no-daemon.sock',
    })
    servers.push(server)
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const app = new AppPage(page)
    await app.open(`${server.url}/`)
    const banner = app.banners.docker
    await expect
      .poll(() => banner.textContent(), { timeout: 20_000 })
      .toContain('tako-no-daemon.sock')
    expect(await banner.textContent()).toContain('Start Docker')
    expect(await app.runButton.isDisabled()).toBe(true)
    await screenshot(page, '09-docker-unreachable')
    await page.close()
  }, 60_000)

  it('builds a missing environment with a progress bar', async () => {
    // A recipe this app has never built: the default recipe plus one slow step.
    const resources = recipesWithStep(`RUN echo e2e-${Date.now()} && sleep 4`)
    const server = await startServeProcess(tempDir(), { TAKO_RESOURCES_DIR: resources })
    servers.push(server)
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const app = new AppPage(page)
    await app.open(`${server.url}/`)
    const banner = app.banners.environment
    await expect
      .poll(() => banner.textContent(), { timeout: 20_000 })
      .toMatch(/not built yet|out of date/)
    await banner.getByRole('button', { name: 'Build default' }).click()
    const bar = app.banners.buildProgress('default')
    await expect.poll(() => bar.count(), { timeout: 20_000 }).toBe(1)
    await expect
      .poll(async () => Number(await bar.getAttribute('value')), { timeout: 60_000 })
      .toBeGreaterThan(1)
    await screenshot(page, '10-environment-build')
    await expect.poll(() => banner.count(), { timeout: 120_000 }).toBe(0)
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), { timeout: 30_000 }).toBe('succeeded')
    await page.close()
  }, 200_000)
})
