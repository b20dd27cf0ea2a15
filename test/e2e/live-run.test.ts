// Output that arrives before the call that started a run returns is shown: run and rerun alike.
import { describe, expect, it } from 'vitest'
import { replyAfterRunEvents } from './events'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-live-')
const poll = { timeout: 30_000 }

// Prints at once, then keeps running: the first line is on its way before the reply can be. Each
// run prints its own token, so a rerun's lines are told apart from its parent's.
const PRINTS_AT_ONCE = [
  'import secrets, time',
  'token = secrets.token_hex(4)',
  'print("first line", token, flush=True)',
  'time.sleep(3)',
  'print("last line", token)',
].join('\n')
// Its first line, shown in history, must not be a prefix of another script's first line here.
const QUICK = 'from secrets import token_hex\nprint("quick", token_hex(4))'

/** The token printed after `label` in the output log, or null. */
async function tokenAfter(label: string): Promise<string | null> {
  const text = (await t.app.output.log.textContent()) ?? ''
  return new RegExp(`${label} ([0-9a-f]{8})`).exec(text)?.[1] ?? null
}

/** Waits until the log shows a line `label <token>` of another run than `parent`; its token. */
async function newToken(label: string, parent: string | null): Promise<string | null> {
  await expect
    .poll(async () => {
      const token = await tokenAfter(label)
      return token !== null && token !== parent
    }, poll)
    .toBe(true)
  return tokenAfter(label)
}

/** Opens the newest run in history once it is the one with `code` (the list follows events). */
async function openNewestRun(code: string): Promise<void> {
  await expect.poll(() => t.app.history.first.textContent(), poll).toContain(code.split('\n')[0])
  await t.app.history.first.click()
  await expect.poll(() => t.app.history.actions.count(), poll).toBe(1)
}

describe('early output of a run', () => {
  it('a rerun of a script that prints at once shows its first line', async () => {
    const { app } = t
    await app.runToEnd(PRINTS_AT_ONCE)
    const parent = await tokenAfter('last line')
    expect(parent).not.toBeNull()
    await openNewestRun(PRINTS_AT_ONCE)
    await replyAfterRunEvents(t.page, t.server.url, 'runs:rerun', 'first-output')
    await app.history.action('Rerun')
    // The rerun's own last line (another token than the parent's) says the rerun is shown.
    const token = await newToken('last line', parent)
    await expect.poll(() => app.output.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain(`first line ${token}`)
    await screenshot(t.page, '11-rerun-early-output')
  }, 90_000)

  it('a run whose reply comes after its first line shows that line', async () => {
    const { app } = t
    await replyAfterRunEvents(t.page, t.server.url, 'runs:start', 'first-output')
    await app.runToEnd(PRINTS_AT_ONCE)
    const token = await tokenAfter('last line')
    expect(token).not.toBeNull()
    expect(await app.output.log.textContent()).toContain(`first line ${token}`)
  }, 90_000)

  it('a rerun that ends before its reply arrives shows its output and its end', async () => {
    const { app } = t
    await app.runToEnd(QUICK)
    const parent = await tokenAfter('quick')
    expect(parent).not.toBeNull()
    await openNewestRun(QUICK)
    await replyAfterRunEvents(t.page, t.server.url, 'runs:rerun', 'end')
    await app.history.action('Rerun')
    await newToken('quick', parent)
    await expect.poll(() => app.output.status.textContent(), poll).toBe('succeeded')
  }, 90_000)
})

describe('failed calls are reported', () => {
  it('a fork whose run cannot be read says why', async () => {
    const { app } = t
    await app.runToEnd('print("to fork")')
    await openNewestRun('print("to fork")')
    // The next read of a run fails as a broken disk would make it fail (the error envelope).
    await t.page.route('**/api/rpc/runs:get', (route) =>
      route.fulfill({
        json: { ok: false, error: { code: 'internal', message: 'The run folder is unreadable' } },
      }),
    )
    await app.history.action('Fork')
    await expect
      .poll(() => app.banners.notice.textContent(), poll)
      .toContain('The run folder is unreadable')
  }, 90_000)
})
