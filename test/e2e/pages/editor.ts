import type { Locator, Page } from 'playwright-core'

/** The two editors: the Python script and /input/data.json (CodeMirror). */
export class EditorPanel {
  constructor(readonly page: Page) {}

  get code(): Locator {
    return this.page.getByRole('textbox', { name: 'Python script' })
  }
  get input(): Locator {
    return this.page.getByRole('textbox', { name: 'Input data (JSON)' })
  }
  /** The "Input lines" box: the script's standard input for a batch run. */
  get inputLines(): Locator {
    return this.page.getByRole('textbox', { name: 'Input lines' })
  }
  /** The gutter marker of the shown run's error line. */
  get errorMarker(): Locator {
    return this.page.locator('[data-testid="editor-python"] .cm-error-marker')
  }
  /** The highlighted error line in the script editor. */
  get errorLine(): Locator {
    return this.page.locator('[data-testid="editor-python"] .cm-line.cm-error-line')
  }
  /** The line the cursor is on while the script editor has focus. */
  get cursorLine(): Locator {
    return this.page.locator('[data-testid="editor-python"] .cm-focused .cm-line.cm-activeLine')
  }
  get inputError(): Locator {
    return this.page.getByRole('alert', { name: 'Input error' })
  }

  /** Replaces the content of an editor by typing like a person (select all, type). */
  async set(editor: Locator, text: string): Promise<void> {
    await editor.click()
    await this.page.keyboard.press('ControlOrMeta+a')
    await this.page.keyboard.press('Delete')
    await this.page.keyboard.insertText(text)
  }

  async setCode(code: string): Promise<void> {
    await this.set(this.code, code)
  }

  async setInput(json: string): Promise<void> {
    await this.set(this.input, json)
  }
}
