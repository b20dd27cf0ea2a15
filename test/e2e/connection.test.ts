// The Docker connection dialog in the web app (docs/remote-hosts.md): over HTTP the server's
// environment decides, so the choices are read-only, and Test connection tests the server's own
// connection against the real daemon.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-connection-')

describe('the Docker connection dialog over HTTP', () => {
  it('shows the connection in use read-only and tests it', async () => {
    const { page } = t
    await page.getByRole('button', { name: 'Connection…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Docker connection' })
    // The connection in use comes from the server after the dialog opens: expect.poll's own
    // default limit (1 s) is too short for a busy machine.
    await expect
      .poll(() => dialog.textContent(), { timeout: 30_000 })
      .toMatch(/In use: unix:\/\/\//)
    expect(await dialog.textContent()).toContain('the server’s environment decides')
    expect(await dialog.getByRole('radio', { name: /Default/ }).isDisabled()).toBe(true)
    expect(await dialog.getByRole('button', { name: 'Save' }).count()).toBe(0)

    await dialog.getByRole('button', { name: 'Test connection' }).click()
    const result = dialog.getByRole('status')
    await expect
      .poll(() => result.textContent(), { timeout: 15_000 })
      .toMatch(/^Connected: Docker \d+\.\d+\.\d+\S* at unix:\/\/\//)
    await screenshot(page, 'connection-dialog-http')

    await page.keyboard.press('Escape')
    expect(await dialog.count()).toBe(0)
  }, 60_000)
})
