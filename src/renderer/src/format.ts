/** Small formatting helpers shared by the views. */

export function formatBytes(n: number | null | undefined): string {
  if (n == null) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return ''
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

// Made once: `toLocaleString` with options builds a formatter per call (≈0.5 ms each), which a
// list of runs paid on every render.
const TIME_OF_DAY = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})
const DAY_AND_TIME = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})

export function formatTime(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const sameDay = d.toDateString() === new Date().toDateString()
  return (sameDay ? TIME_OF_DAY : DAY_AND_TIME).format(d)
}

/**
 * Removes terminal escape sequences (CSI colours and cursor moves, OSC titles and hyperlinks, other
 * ESC sequences) so output is always shown as plain text: nothing in it can become markup or a link.
 */
/* eslint-disable no-control-regex -- matching control characters is the point here */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[@-Z\\-_]/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '')
}
/* eslint-enable no-control-regex */

/**
 * Where JSON text stops being valid: a small scanner that follows the grammar and returns the offset
 * of the first character that does not fit, with what was expected (browsers' own messages do not
 * always give a position).
 */
export function jsonErrorAt(text: string): { offset: number; expected: string } | null {
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++
  }
  const fail = (expected: string): never => {
    throw new JsonSyntaxAt(i, expected)
  }
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length
    else fail('a value')
  }
  const string = (): void => {
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++
      else if (text.charCodeAt(i) < 0x20) fail('a closing quote')
      i++
    }
    if (i >= text.length) fail('a closing quote')
    i++
  }
  const members = (close: '}' | ']', item: () => void): void => {
    i++
    ws()
    if (text[i] === close) {
      i++
      return
    }
    for (;;) {
      item()
      ws()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === close) {
        i++
        return
      }
      fail(`',' or '${close}'`)
    }
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      members('}', () => {
        ws()
        if (text[i] !== '"') fail('a property name in double quotes')
        string()
        ws()
        if (text[i] !== ':') fail("':'")
        i++
        value()
      })
    } else if (c === '[') members(']', value)
    else if (c === '"') string()
    else if (c === 't') literal('true')
    else if (c === 'f') literal('false')
    else if (c === 'n') literal('null')
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
      if (!m?.[0]) fail('a value')
      else i += m[0].length
    }
  }
  try {
    value()
    ws()
    if (i < text.length) fail('the end of the input')
    return null
  } catch (err) {
    if (err instanceof JsonSyntaxAt) return { offset: err.offset, expected: err.expected }
    throw err
  }
}

class JsonSyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(`expected ${expected} at ${offset}`)
  }
}

/** JSON.parse with the failing line and column, for the input editor. */
export function parseJsonInput(text: string): { value: unknown; error: string | null } {
  try {
    return { value: JSON.parse(text) as unknown, error: null }
  } catch (err) {
    const at = jsonErrorAt(text)
    if (!at) return { value: undefined, error: (err as Error).message }
    const before = text.slice(0, at.offset)
    const line = before.split('\n').length
    const column = before.length - before.lastIndexOf('\n')
    const found = at.offset < text.length ? `'${text[at.offset]}'` : 'the end'
    return {
      value: undefined,
      error: `Line ${line}, column ${column}: expected ${at.expected}, found ${found}`,
    }
  }
}

/** A small RFC 4180 CSV/TSV reader (quoted fields, escaped quotes, CRLF). */
export function parseDelimited(
  text: string,
  delimiter: string,
  maxRows = 2000,
): { rows: string[][]; more: boolean } {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), more: true }
    } else field += c
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return { rows, more: false }
}

/** What a failed call or a thrown value says, for a notice: never "[object Object]" or empty. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  if (typeof err === 'string' && err) return err
  try {
    return JSON.stringify(err) ?? String(err)
  } catch {
    return String(err)
  }
}

/**
 * Characters that change how a name reads without being seen: C0/C1 controls and DEL, bidi
 * embeddings, overrides, isolates and marks, zero-width characters, line/paragraph separators, BOM.
 * `invoice\u202Egnp.exe` would show as "invoiceexe.png".
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu

/** A file name (or any short text from a run) with every invisible character shown as ⟨U+XXXX⟩. */
export function visibleName(name: string): string {
  return name.replace(
    INVISIBLE,
    (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`,
  )
}

/** 1234567 → "1,234,567", the same in every locale (tests and screenshots read it). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
