// Launching the real Electron shell with Playwright's Electron launcher, where Electron's binary is
// installed. On machines where it cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD, as here) the
// cases that need it are skipped with this reason, never replaced by an empty body.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { ensureRenderer, ROOT, tempDir } from '../integration/helpers'

/** Where Electron's binary is, or why it is not there. */
export function electronBinary(): { path: string | null; why: string } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown as string
    return fs.existsSync(p)
      ? { path: p, why: '' }
      : { path: null, why: `Electron's binary is not installed (${p} missing)` }
  } catch (err) {
    return {
      path: null,
      why: `Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD): ${(err as Error).message.split('\n')[0]}`,
    }
  }
}

/** The built main process (`electron-vite build`). */
export const ELECTRON_MAIN = path.join(ROOT, 'out', 'main', 'index.js')

/**
 * Builds the app if needed, launches the shell with its own data folder, waits for its window to
 * show the Docker status, runs `fn` and closes the app.
 */
export async function withElectronApp(
  fn: (app: ElectronApplication, win: Page) => Promise<void>,
): Promise<void> {
  const binary = electronBinary()
  if (!binary.path) throw new Error(binary.why)
  ensureRenderer()
  const app = await _electron.launch({
    executablePath: binary.path,
    args: [ELECTRON_MAIN, '--no-sandbox'],
    env: { ...process.env, TAKO_DATA_DIR: tempDir('tako-electron-') },
  })
  try {
    const win = await app.firstWindow()
    await win.getByRole('status', { name: 'Docker status' }).waitFor()
    await fn(app, win)
  } finally {
    await app.close()
  }
}

export interface ShellLog {
  /** Messages of the confirm dialogs the main process showed. */
  asked: string[]
  /** URLs handed to `shell.openExternal`. */
  opened: string[]
  /** Paths handed to `shell.openPath`. */
  paths: string[]
}

/**
 * In the main process, records what would be handed to the OS instead of handing it (openExternal,
 * openPath) and answers every confirm dialog with button `answer` (0 = Open, 1 = Cancel).
 */
export async function recordShell(app: ElectronApplication, answer: number): Promise<void> {
  await app.evaluate(({ dialog, shell }, a) => {
    const g = globalThis as unknown as { __shellLog?: ShellLog; __answer: number }
    g.__answer = a
    if (g.__shellLog) return
    const log: ShellLog = { asked: [], opened: [], paths: [] }
    g.__shellLog = log
    shell.openExternal = async (url: string) => {
      log.opened.push(url)
    }
    shell.openPath = async (p: string) => {
      log.paths.push(p)
      return ''
    }
    const ask = async (...args: unknown[]): Promise<Electron.MessageBoxReturnValue> => {
      const options = args.find(
        (x): x is Electron.MessageBoxOptions =>
          typeof x === 'object' && x !== null && 'message' in x,
      )
      log.asked.push(options?.message ?? '')
      return { response: g.__answer, checkboxChecked: false }
    }
    dialog.showMessageBox = ask
  }, answer)
}

export function shellLog(app: ElectronApplication): Promise<ShellLog> {
  return app.evaluate(() => {
    const g = globalThis as unknown as { __shellLog?: ShellLog }
    return g.__shellLog ?? { asked: [], opened: [], paths: [] }
  })
}
