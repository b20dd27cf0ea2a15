// Errors a beginner understands (docs/run-contract.md, 'Error lines and hints'), in Chromium against
// `npm run serve` and the real engine: the explanation in the status card, the error line in the
// editor's gutter, the "line N" button, the editor's four-space Tab and its keyboard way out.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-hints-')
const poll = { timeout: 30_000 }

/** One call of the app's contract over HTTP (`POST /api/rpc/<method>`), as the page makes it. */
async function rpc<T = unknown>(url: string, method: string, args: unknown): Promise<T> {
  const res = await fetch(`${url}/api/rpc/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  })
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } }
  if (!body.ok) throw new Error(`${method}: ${body.error?.message ?? res.status}`)
  return body.value as T
}

const TYPO = [
  'count = 3',
  'message = "hi"',
  'for i in range(count):',
  '    print(mesage)',
  'print("never")',
].join('\n')

describe('errors a beginner understands', () => {
  it('a NameError typo marks its line, explains it, and "line 4" puts the cursor there', async () => {
    const { app, page } = t
    await app.runToEnd(TYPO, 'failed')
    const { editor, output } = app
    // The explanation, with Python's own suggestion.
    await expect.poll(() => output.hint.textContent(), poll).toContain('Did you mean "message"?')
    expect(await output.hint.textContent()).toContain('"mesage"')
    expect(await output.statusCard.textContent()).toContain('NameError on line 4')
    // The gutter marker and the highlight are on line 4, and only there.
    await expect.poll(() => editor.errorMarker.count(), poll).toBe(1)
    expect(await editor.errorMarker.getAttribute('data-line')).toBe('4')
    expect(await editor.errorLine.count()).toBe(1)
    expect(await editor.errorLine.textContent()).toBe('    print(mesage)')
    // The raw traceback is one click away.
    const raw = output.statusCard.locator('details')
    expect(await raw.locator('pre').isVisible()).toBe(false)
    await raw.locator('summary').click()
    await expect.poll(() => raw.locator('pre').isVisible(), poll).toBe(true)
    expect(await raw.locator('pre').textContent()).toContain('File "/code/main.py", line 4')
    await screenshot(page, 'hints-nameerror')
    // Focus elsewhere, then the line button: the editor has focus and the cursor is on line 4.
    await editor.inputLines.click()
    // CodeMirror drops its focused look a moment after the blur (its own timer), not at once.
    await expect.poll(() => editor.cursorLine.count(), poll).toBe(0)
    await output.lineButton(4).click()
    await expect.poll(() => editor.cursorLine.textContent(), poll).toBe('    print(mesage)')
    await page.keyboard.type('# ')
    // Typing changed the code: the run's line no longer describes it, so the marks go.
    await expect.poll(() => editor.errorMarker.count(), poll).toBe(0)
    expect(await editor.errorLine.count()).toBe(0)
    expect(await output.hint.textContent()).toContain("the editor's code has changed")
    await screenshot(page, 'hints-after-jump')
  }, 90_000)

  it('end of input (Ctrl+D) at a live input() gives the EOFError explanation on its line', async () => {
    const { app, page, server } = t
    // Input lines empty: the app starts the run interactive, and the script waits at input().
    await app.editor.setCode(
      ['print("Hello!")', 'name = input("Name? ")', 'print("Hi", name)'].join('\n'),
    )
    await app.until(() => app.runButton.isEnabled(), 30_000, 'Run stayed disabled')
    const before = await app.shownRunId()
    await app.runButton.click()
    await app.until(
      async () => ((await app.shownRunId()) ?? before) !== before,
      30_000,
      'no new run shown',
    )
    const id = (await app.shownRunId()) ?? ''
    await app.until(
      async () =>
        (await rpc<{ waitingForInput: unknown }>(server.url, 'runs:get', { id }))
          .waitingForInput !== null,
      30_000,
      'the run never waited for input',
    )
    // What the input row sends on Ctrl+D on an empty line (the row itself is tested with it).
    await rpc(server.url, 'runs:stdin', { id, eof: true })
    await app.until(async () => (await app.status.textContent()) === 'failed', 30_000, 'not failed')
    const hint = app.output.hint
    await expect.poll(() => hint.textContent(), poll).toContain('asked for input on line 2')
    expect(await hint.textContent()).toContain('input box')
    await expect.poll(() => app.editor.errorMarker.getAttribute('data-line'), poll).toBe('2')
    await screenshot(page, 'hints-eoferror')
  }, 90_000)

  it('Input lines reach the script as its standard input', async () => {
    const { app, page } = t
    await app.editor.inputLines.fill('Alice\n14')
    await app.runToEnd(
      [
        'name = input("Name? ")',
        'age = int(input("Age? "))',
        'print(f"Hi {name}, next year you are {age + 1}")',
      ].join('\n'),
    )
    await expect
      .poll(() => app.output.log.textContent(), poll)
      .toContain('Hi Alice, next year you are 15')
    await screenshot(page, 'hints-input-lines')
    // Kept in the draft: a reload shows the same lines.
    await page.reload()
    await app.toolbar.docker.waitFor()
    expect(await app.editor.inputLines.inputValue()).toBe('Alice\n14')
  }, 90_000)

  it('an error without an explanation still gets its line button and gutter marker', async () => {
    const { app } = t
    await app.runToEnd(['x = None', 'print(x.upper())'].join('\n'), 'failed')
    await expect.poll(() => app.output.lineButton(2).count(), poll).toBe(1)
    expect(await app.output.hint.textContent()).toContain('Python stopped with this error')
    expect(await app.editor.errorMarker.getAttribute('data-line')).toBe('2')
    // Without an explanation, Python's own message stays in view.
    expect(await app.output.statusCard.textContent()).toContain("AttributeError: 'NoneType'")
  }, 90_000)

  it('a timeout says which limit and what usually causes it, with no line marked', async () => {
    const { app } = t
    await app.toolbar.timeout.fill('2')
    await app.runToEnd(['while True:', '    pass'].join('\n'), 'timeout')
    await expect
      .poll(() => app.output.hint.textContent(), poll)
      .toContain('time limit of 2 seconds')
    // The editor gets the run's error line in an effect after the card is drawn: let it run first.
    await app.nextFrames()
    expect(await app.editor.errorMarker.count()).toBe(0)
  }, 90_000)

  it('an invalid result.json is called invalid in the Result tab, with the reason', async () => {
    const { app } = t
    await app.runToEnd('open("/output/result.json", "w").write("{not json")')
    await app.output.tab(/^Result/)
    const invalid = app.page.getByTestId('result-invalid')
    await expect.poll(() => invalid.textContent(), poll).toContain('Invalid /output/result.json')
    expect(await invalid.textContent()).toContain('not valid JSON')
    expect(await app.page.getByText('No /output/result.json').count()).toBe(0)
  }, 90_000)
})

describe('the editor for beginners', () => {
  it('Tab inserts four spaces, Enter after a colon indents by four, and Esc then Tab leaves', async () => {
    const { app, page } = t
    const { editor } = app
    await editor.set(editor.code, '')
    await page.keyboard.press('Tab')
    await page.keyboard.type('x = 1')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.type('if x:')
    await page.keyboard.press('Enter')
    await page.keyboard.type('y = 2')
    // The editor draws its lines from its own update cycle: read them once they are all there.
    await expect
      .poll(() => editor.code.locator('.cm-line').allTextContents(), poll)
      .toEqual(['    x = 1', 'if x:', '    y = 2'])
    // The way out is shown while the editor has focus, and it works.
    const escapeHint = page
      .locator('.code-editor-wrap', { has: page.getByTestId('editor-python') })
      .getByText('Esc then Tab moves focus out of the editor')
    expect(await escapeHint.isVisible()).toBe(true)
    await screenshot(page, 'hints-editor-escape')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Tab')
    const focusedInEditor = page.locator('[data-testid="editor-python"] :focus')
    await expect.poll(() => focusedInEditor.count(), poll).toBe(0)
    expect(await page.locator(':focus').count()).toBe(1)
    await expect.poll(() => escapeHint.count(), poll).toBe(0)
  }, 60_000)
})
