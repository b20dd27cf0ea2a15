// The app as the UI benchmarks drive it: the real engine and server on a data folder, the built
// renderer, and Debian's Chromium (the e2e tests' launcher).
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { createCore, type Core, type CoreOptions } from '../src/main/app/core'
import { findUp } from '../src/main/paths'
import { startServer } from '../src/main/server/server'
import { launchBrowser } from '../test/e2e/fixtures'

/** Builds the renderer (out/renderer) when it is missing or older than its sources. */
export { ensureRenderer } from '../test/integration/helpers'

/**
 * Starts the engine (`core`), the server (port 0) and a browser; `close` stops all three. The app
 * served is out/renderer unless `rendererDir` names another build (e.g. an older one to compare).
 */
export async function appInBrowser(
  options: CoreOptions,
  rendererDir = findUp(path.join('out', 'renderer')),
): Promise<{ url: string; browser: Browser; core: Core; close: () => Promise<void> }> {
  const core = createCore(options)
  await core.startup()
  const server = await startServer({
    core,
    port: 0,
    rendererDir,
  })
  const browser = await launchBrowser()
  return {
    url: server.url,
    browser,
    core,
    close: async () => {
      await browser.close()
      await core.shutdown()
      await server.close()
    },
  }
}
