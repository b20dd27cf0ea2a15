import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import {
  ROOT,
  expectNoContainersLeft,
  startServeProcess,
  tempDir,
  type ServeProcess,
} from '../integration/helpers'
import { AppPage } from './pages/app'

export { AppPage } from './pages/app'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots')

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
}

function fileSafe(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').slice(0, 120)
}

/**
 * `TAKO_E2E_CPU_SLOWDOWN=N` (N > 1) runs every page of `freshPagePerTest` N times slower (Chromium's
 * CPU throttling): a read that depends on timing, done before the state it reads has settled, then
 * fails here as it would now and then on a loaded CI machine.
 */
async function slowDown(page: Page): Promise<void> {
  const rate = Number(process.env.TAKO_E2E_CPU_SLOWDOWN ?? '1')
  if (!(rate > 1)) return
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate })
}

/**
 * Gives every test of the file its own fresh page (a new browser context: no draft, no run shown,
 * nothing left by an earlier test) opened at `url()`, and saves a screenshot of it when the test
 * fails, to test-results/screenshots/FAILED-<test name>.png.
 */
export function freshPagePerTest(
  browser: () => Browser,
  url: () => string,
): { readonly app: AppPage; readonly page: Page } {
  const current: { app?: AppPage } = {}
  beforeEach(async () => {
    const page = await browser().newPage({ viewport: { width: 1440, height: 900 } })
    await slowDown(page)
    current.app = new AppPage(page)
    await current.app.open(url())
  })
  // afterEach runs before vitest's onTestFailed handlers, so the failure is read here, before closing.
  afterEach(async (ctx) => {
    const page = current.app?.page
    current.app = undefined
    if (!page) return
    if (ctx.task.result?.state === 'fail') {
      await screenshot(page, `FAILED-${fileSafe(ctx.task.name)}`).catch(() => undefined)
    }
    await page.close()
  })
  return {
    get app() {
      if (!current.app) throw new Error('no page: use it inside a test')
      return current.app
    },
    get page() {
      return this.app.page
    },
  }
}

/**
 * The usual e2e file: one `npm run serve` on a fresh data folder (filled by `seed` first, when
 * given) and one browser for the file (both closed after it, with no container of ours left), and a
 * fresh page per test.
 */
export function appSuite(
  prefix: string,
  options: { seed?: (dataDir: string) => void } = {},
): {
  readonly app: AppPage
  readonly page: Page
  readonly server: ServeProcess
  /** Stops the server and starts a new one on the same data folder. */
  restartServer(): Promise<void>
} {
  let browser: Browser | undefined
  let server: ServeProcess | undefined
  let dataDir = ''
  beforeAll(async () => {
    dataDir = tempDir(prefix)
    options.seed?.(dataDir)
    server = await startServeProcess(dataDir)
    browser = await launchBrowser()
  }, 120_000)
  afterAll(async () => {
    try {
      await browser?.close()
    } finally {
      // Even when the browser would not close: the server and its containers must not outlive the file.
      await server?.kill('SIGTERM')
    }
    await expectNoContainersLeft()
  })
  const pages = freshPagePerTest(
    () => browser!,
    () => `${server!.url}/`,
  )
  return {
    get app() {
      return pages.app
    },
    get page() {
      return pages.page
    },
    get server() {
      if (!server) throw new Error('no server: use it inside a test')
      return server
    },
    async restartServer() {
      await server?.kill('SIGTERM')
      server = await startServeProcess(dataDir)
    },
  }
}

/**
 * A copy of the environment recipes (for `TAKO_RESOURCES_DIR`) whose default recipe ends with one
 * more step of its own, so that no image of it exists yet: the app sees `default` as not built.
 */
export function recipesWithStep(step: string): string {
  const resources = tempDir('tako-resources-')
  for (const name of ['default', 'data-processing', 'ml-inference']) {
    fs.mkdirSync(path.join(resources, 'environments', name), { recursive: true })
    fs.copyFileSync(
      path.join(ROOT, 'resources', 'environments', name, 'Dockerfile'),
      path.join(resources, 'environments', name, 'Dockerfile'),
    )
  }
  fs.appendFileSync(path.join(resources, 'environments', 'default', 'Dockerfile'), `${step}\n`)
  return resources
}
