// The runtime in the app (docs/security.md, 'gVisor'): the Docker badge says gVisor is there, and the
// run options' Runtime menu runs a script under gVisor or runc. Needs runsc registered with Docker.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-runtime-')
const poll = { timeout: 30_000 }
const KERNEL = 'import platform\nprint("kernel", platform.release())'

describe('the runtime in the app', () => {
  it('shows gVisor in the Docker badge and runs under the runtime chosen in the run options', async () => {
    const { app, page } = t
    await expect.poll(() => app.toolbar.docker.textContent(), poll).toMatch(/Docker .* · gVisor/)
    expect(await app.toolbar.runtime.inputValue()).toBe('')

    await app.toolbar.runtime.selectOption('gvisor')
    await app.runToEnd(KERNEL)
    expect(await app.output.log.textContent()).toContain('kernel 4.4.0')
    await screenshot(page, 'runtime-gvisor')

    await app.toolbar.runtime.selectOption('runc')
    await app.runToEnd(KERNEL)
    const log = (await app.output.log.textContent()) ?? ''
    expect(log).toMatch(/kernel \d/)
    expect(log).not.toContain('kernel 4.4.0')
  }, 120_000)
})
