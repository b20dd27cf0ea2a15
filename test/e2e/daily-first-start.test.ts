// A day of use: the first start, before Docker is up. The banner is the first thing a new user
// reads: it says what is wrong and what to do once, with the command as code (not in backticks).
// `npm run serve` with DOCKER_HOST pointing at no daemon: no container is involved.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServeProcess, tempDir, type ServeProcess } from '../integration/helpers'
import { AppPage, launchBrowser, screenshot } from './fixtures'

let browser: Browser
let server: ServeProcess

beforeAll(async () => {
  server = await startServeProcess(tempDir('tako-e2e-daily-first-'), {
    DOCKER_HOST: 'unix:///tmp/tako-daily-no-daemon.sock',
  })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.kill('SIGTERM')
})

function count(text: string, part: string): number {
  return text.split(part).length - 1
}

describe('the first start without Docker', () => {
  it('says once that Docker is not reachable and how to start it, the command as code', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } })
    const app = new AppPage(page)
    await app.open(`${server.url}/`)
    const banner = app.banners.docker
    await expect
      .poll(() => banner.textContent(), { timeout: 20_000 })
      .toContain('tako-daily-no-daemon.sock')
    const text = (await banner.textContent()) ?? ''
    expect(count(text, 'Docker is not reachable')).toBe(1)
    expect(count(text, 'sudo systemctl start docker')).toBe(1)
    expect(text).not.toContain('`')
    expect(await banner.locator('code').allTextContents()).toContain('sudo systemctl start docker')
    expect(text).toContain('This page reconnects by itself.')
    await screenshot(page, 'daily-docker-down-banner')
    await page.close()
  }, 60_000)
})
