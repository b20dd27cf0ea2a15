// History search (issue 12): the box finds runs by what they printed (stdout), by run id and by
// error type and message, not only by code, through the server's index; the answer shown is always
// the newest query's, however fast the typing. Against `npm run serve` with 300 seeded runs.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { runRecord } from '../fixtures/run-record'
import { appSuite } from './fixtures'

const SEEDED = 300
const poll = { timeout: 30_000 }

/** Runs one second apart; every 50th prints a marker its code does not hold; every 30th failed. */
function seed(dataDir: string): void {
  const store = new RunStore(dataDir)
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < SEEDED; i++) {
    const id = `srch-${String(i).padStart(4, '0')}`
    const code = `print("seeded ${i}")\n`
    const failed = i % 30 === 0
    store.save(
      runRecord(id, {
        status: failed ? 'failed' : 'succeeded',
        error: failed
          ? { type: 'division_error', message: 'division by zero', phase: 'execution' }
          : null,
        createdAt: new Date(t0 + i * 1000).toISOString(),
        durationMs: 100,
        codePreview: code,
        owner: 'seed',
      }),
    )
    fs.writeFileSync(path.join(store.runDir(id), 'main.py'), code)
    const printed = i % 50 === 0 ? `step\nprinted_marker_${i}\n` : `step\nplain output ${i}\n`
    fs.writeFileSync(path.join(store.runDir(id), 'stdout.txt'), printed)
  }
}

const t = appSuite('tako-e2e-search-', { seed })

async function search(q: string): Promise<void> {
  await t.app.history.search.fill(q)
}

describe('history search', () => {
  it('finds runs by their stdout, their id, and their error type or message', async () => {
    const { history } = t.app
    await expect.poll(() => history.count.textContent(), poll).toBe(`${SEEDED} runs`)

    // stdout only: the code of these runs does not hold the text.
    await search('printed_marker')
    await expect.poll(() => history.count.textContent(), poll).toBe('6 runs')
    await search('printed_marker_250')
    await expect.poll(() => history.count.textContent(), poll).toBe('1 run')
    expect(await history.first.textContent()).toContain('print("seeded 250")')

    // The list shows the previous answer until this one comes, and it says "1 run" too: its own
    // run in the first row is what tells this answer has come.
    await search('srch-0123')
    await expect.poll(() => history.first.textContent(), poll).toContain('print("seeded 123")')
    expect(await history.count.textContent()).toBe('1 run')

    await search('division_error')
    await expect.poll(() => history.count.textContent(), poll).toBe('10 runs')
    // Both queries find the same 10 runs: the whole list in between, so that the second count
    // seen is the second query's answer, not still the first's.
    await search('')
    await expect.poll(() => history.count.textContent(), poll).toBe(`${SEEDED} runs`)
    await search('division by zero')
    await expect.poll(() => history.count.textContent(), poll).toBe('10 runs')
  }, 90_000)

  it('typed fast, key by key, ends on the answer to the whole query', async () => {
    const { history } = t.app
    await expect.poll(() => history.count.textContent(), poll).toBe(`${SEEDED} runs`)
    await history.search.click()
    // Every prefix matches more runs (all 6 markers, or more) than the whole query (1), so "1 run"
    // is the whole query's answer. (A query like printed_marker_100 would not do: its prefix
    // printed_marker_10 already finds that one run.)
    await t.page.keyboard.type('printed_marker_0')
    await expect.poll(() => history.count.textContent(), poll).toBe('1 run')
    expect(await history.first.textContent()).toContain('print("seeded 0")')
    expect(await history.search.inputValue()).toBe('printed_marker_0')
  }, 90_000)
})
