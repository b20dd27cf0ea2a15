// The Electron shell, driven by Playwright's Electron launcher where Electron's binary is installed.
// On machines where it cannot be downloaded (such as CI here), the test reports itself skipped with
// the reason instead of pretending: the shell's logic is covered by unit tests without Electron.
import fs from 'node:fs'
import path from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { ROOT, tempDir } from '../integration/helpers'
import { electronBinary } from './electron'

const binary = electronBinary()
const main = path.join(ROOT, 'out', 'main', 'index.js')

describe('Electron shell smoke test', () => {
  it.skipIf(binary.path === null)(
    `opens one locked-down window that runs a script over IPC${binary.path ? '' : ` — skipped: ${binary.why}`}`,
    async () => {
      expect(fs.existsSync(main)).toBe(true)
      const app = await electron.launch({
        executablePath: binary.path!,
        args: [main, '--no-sandbox'],
        env: { ...process.env, TAKO_DATA_DIR: tempDir('tako-electron-') },
      })
      try {
        const win = await app.firstWindow()
        expect(await win.title()).toBe('Tako VM Desktop')
        const exposed = await win.evaluate(() => {
          const g = globalThis as unknown as Record<string, unknown>
          return { tako: typeof g.tako, require: typeof g.require, process: typeof g.process }
        })
        // Only the contract is exposed: no Node, no require, no ipcRenderer.
        expect(exposed).toEqual({ tako: 'object', require: 'undefined', process: 'undefined' })
        await win.getByRole('button', { name: /Run/ }).first().click()
        await expect
          .poll(() => win.getByTestId('run-status').textContent(), { timeout: 30_000 })
          .toBe('succeeded')
      } finally {
        await app.close()
      }
    },
    120_000,
  )
})
