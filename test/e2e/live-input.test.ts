// A script's input() answered live in the output pane: the student types, the run gets the line.
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot } from './fixtures'

const t = appSuite('tako-e2e-input-')
const poll = { timeout: 60_000 }

describe('live input', () => {
  it('a student types their name into input() and sees the greeting', async () => {
    const { app, page } = t
    await app.editor.setCode(
      "name = input('Name? ')\nprint('Hello,', name + '!')\nage = input('Age? ')\nprint('Next year you are', int(age) + 1)",
    )
    await app.runButton.click()
    const row = app.output.inputRow
    await expect.poll(() => row.count(), poll).toBe(1)
    // The prompt comes with the output, the input row with its own event: either may be first.
    await expect.poll(() => app.output.log.textContent(), poll).toContain('Name? ')
    // Focused when it appears: typing goes straight in.
    const box = row.getByRole('textbox', { name: 'Name?' })
    await expect
      .poll(() => row.locator('input:focus').getAttribute('id'), poll)
      .toBe(await box.getAttribute('id'))
    await page.keyboard.type('Ada')
    await screenshot(page, 'pane-07-input-typing')
    await page.keyboard.press('Enter')
    await expect.poll(() => app.output.log.textContent(), poll).toContain('Hello, Ada!')
    // The line the run got is echoed after its prompt, in its own style.
    const echo = app.output.log.locator('.stdin')
    await expect.poll(() => echo.first().textContent(), poll).toBe('Ada')
    // The second question gets a row of its own, focused again.
    const age = row.getByRole('textbox', { name: 'Age?' })
    await expect.poll(() => age.count(), poll).toBe(1)
    await expect
      .poll(() => row.locator('input:focus').getAttribute('id'), poll)
      .toBe(await age.getAttribute('id'))
    await page.keyboard.type('13')
    await page.keyboard.press('Enter')
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('Next year you are 14')
    expect(await row.count()).toBe(0)
    await screenshot(page, 'pane-08-input-greeting')
  }, 120_000)

  it('Ctrl+D on an empty line ends the input: input() gets end of file', async () => {
    const { app, page } = t
    await app.editor.setCode("name = input('Name? ')\nprint('never', name)")
    await app.runButton.click()
    await expect.poll(() => app.output.inputRow.count(), poll).toBe(1)
    await page.keyboard.press('Control+d')
    await expect.poll(() => app.status.textContent(), poll).toBe('failed')
    const text = (await app.output.log.textContent()) ?? ''
    expect(text).toContain('[end of input]')
    expect(text).toContain('EOFError')
    expect(await app.output.inputRow.count()).toBe(0)
    await screenshot(page, 'pane-09-input-eof')
  }, 120_000)

  it('"End input" does the same by button', async () => {
    const { app } = t
    await app.editor.setCode("import sys\nprint('lines:', len(sys.stdin.readlines()))")
    await app.runButton.click()
    await expect.poll(() => app.output.inputRow.count(), poll).toBe(1)
    await app.page.keyboard.type('one')
    await app.page.keyboard.press('Enter')
    await expect.poll(() => app.output.log.locator('.stdin').count(), poll).toBe(1)
    await expect.poll(() => app.output.inputRow.count(), poll).toBe(1)
    await app.output.inputRow.getByRole('button', { name: 'End input' }).click()
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('lines: 1')
  }, 120_000)
})
