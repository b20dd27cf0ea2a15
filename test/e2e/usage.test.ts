// The status card's resource-use line (docs/run-contract.md, 'Resource use') in Debian's Chromium
// against `npm run serve` and the real engine: what a run used next to its limit, and the one-click
// rerun with double the limit that stopped it.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-usage-')
const poll = { timeout: 60_000 }

/** Touches `mib` MiB page by page, so the memory is really used. */
function touch(mib: number): string {
  return [
    `b = bytearray(${mib} * 2**20)`,
    'for i in range(0, len(b), 4096):',
    '    b[i] = 1',
    `print("touched ${mib} MiB")`,
  ].join('\n')
}

function peakOf(text: string | null): { peak: number; limit: number } | null {
  const m = /peak (\d+(?:\.\d)?) of (\d+) MiB/.exec(text ?? '')
  return m ? { peak: Number(m[1]), limit: Number(m[2]) } : null
}

describe('resource use on the status card', () => {
  it('shows how close a succeeded run came to its memory limit', async () => {
    const { app, page } = t
    await app.runToEnd(touch(150))
    const line = page.getByLabel('Resource use')
    await expect.poll(() => line.textContent(), poll).toMatch(/peak \d+ of 512 MiB/)
    const seen = peakOf(await line.textContent())!
    expect(seen.peak).toBeGreaterThanOrEqual(150)
    expect(seen.peak).toBeLessThanOrEqual(512)
    expect(await line.textContent()).toMatch(/CPU \d+\.\d s/)
    // A run that hit no limit offers no rerun with a larger one.
    expect(await line.getByRole('button').count()).toBe(0)
    await screenshot(page, 'usage-succeeded')
  }, 90_000)

  it('shows the memory limit an OOM run hit and reruns it with double the memory', async () => {
    const { app, page } = t
    await app.runToEnd(touch(700), 'oom')
    const card = app.output.statusCard
    const line = page.getByLabel('Resource use')
    const seen = peakOf(await line.textContent())
    expect(seen, (await card.textContent()) ?? '').not.toBeNull()
    expect(seen!.limit).toBe(512)
    expect(seen!.peak).toBeGreaterThanOrEqual(0.9 * 512)
    const rerun = line.getByRole('button', { name: 'Rerun with 1024 MiB' })
    expect(await rerun.isEnabled()).toBe(true)
    await screenshot(page, 'usage-oom')

    const before = await app.shownRunId()
    await rerun.click()
    await expect
      .poll(
        async () => (await app.shownRunId()) !== before && (await app.output.status.textContent()),
        poll,
      )
      .toBe('succeeded')
    // The rerun had 1024 MiB: 700 MiB fit, and the card compares with the new limit.
    await expect.poll(() => line.textContent(), poll).toMatch(/peak \d+ of 1024 MiB/)
    expect(peakOf(await line.textContent())!.peak).toBeGreaterThanOrEqual(700)
    expect(await app.output.log.textContent()).toContain('touched 700 MiB')
    await screenshot(page, 'usage-rerun-1024')
  }, 120_000)
})
