import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import { ROOT } from '../integration/helpers'

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

/** Page object for the app's main screen. */
export class AppPage {
  constructor(readonly page: Page) {}

  get runButton(): Locator {
    return this.page
      .getByRole('button', { name: 'Run', exact: false })
      .filter({ hasText: 'Run' })
      .first()
  }
  get stopButton(): Locator {
    return this.page.getByRole('button', { name: /Stop/ })
  }
  get output(): Locator {
    return this.page.getByRole('log', { name: 'Output' })
  }
  get status(): Locator {
    return this.page.getByTestId('run-status')
  }
  get statusCard(): Locator {
    return this.page.getByRole('status', { name: 'Run status' })
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await this.page.getByRole('status', { name: 'Docker status' }).waitFor()
  }

  /** Replaces the content of a CodeMirror editor by typing like a person (select all, type). */
  async setEditor(label: string, text: string): Promise<void> {
    const editor = this.page.getByRole('textbox', { name: label })
    await editor.click()
    await this.page.keyboard.press('ControlOrMeta+a')
    await this.page.keyboard.press('Delete')
    await this.page.keyboard.insertText(text)
  }

  async setCode(code: string): Promise<void> {
    await this.setEditor('Python script', code)
  }

  async setInput(json: string): Promise<void> {
    await this.setEditor('Input data (JSON)', json)
  }

  async tab(name: 'Output' | RegExp): Promise<void> {
    await this.page.getByRole('tab', { name }).click()
  }
}
