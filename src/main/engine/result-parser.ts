import fs from 'node:fs'
import path from 'node:path'
import type { RunWarning } from '../../shared/run'

const O_SAFE_READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK
export const MAX_RESULT_DEPTH = 512

export interface ParsedResult {
  output: unknown
  /** The JSON text as parsed (NaN/Infinity already replaced), so numbers keep their exact form (30.0). */
  raw: string | null
  warning: RunWarning | null
}

/**
 * Replaces Python's non-standard `NaN`, `Infinity` and `-Infinity` tokens (outside strings) with
 * `null`, and measures nesting depth, in one pass. Policy (see docs/security.md, 'result.json'): tolerant — such
 * values become null and the run gets a warning; the status is not changed.
 */
export function normalizePythonJson(text: string): {
  text: string
  replaced: number
  depth: number
} {
  let out = ''
  let last = 0
  let replaced = 0
  let depth = 0
  let maxDepth = 0
  let i = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      i++
      while (i < text.length) {
        const d = text.charCodeAt(i)
        if (d === 0x5c /* \ */) i += 2
        else if (d === 0x22) break
        else i++
      }
      i++
      continue
    }
    if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > maxDepth) maxDepth = depth
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    } else {
      let token: string | null = null
      if (text.startsWith('NaN', i)) token = 'NaN'
      else if (text.startsWith('-Infinity', i)) token = '-Infinity'
      else if (text.startsWith('Infinity', i)) token = 'Infinity'
      if (token) {
        out += text.slice(last, i) + 'null'
        i += token.length
        last = i
        replaced++
        continue
      }
    }
    i++
  }
  return { text: replaced > 0 ? out + text.slice(last) : text, replaced, depth: maxDepth }
}

function invalid(message: string): ParsedResult {
  return {
    output: null,
    raw: null,
    warning: { code: 'result_invalid', path: 'result.json', message },
  }
}

/**
 * A result.json that is a link or a special file (FIFO, socket, device): never read. The archive
 * transfer never writes such an entry to the host, so it reports it from the tar's header.
 */
export function resultNotRead(kind: 'symlink' | 'special'): ParsedResult {
  return invalid(
    kind === 'symlink'
      ? 'result.json is a symbolic link; it was not read'
      : 'result.json is not a regular file (FIFO, socket or device); it was not read',
  )
}

/**
 * Reads `/output/result.json` from the host side after the container stopped. Missing → null with no
 * warning (printing without a result is normal). A link, FIFO, folder, oversized or malformed file →
 * null plus a `result_invalid` warning naming why; the target of a link is never opened.
 */
export function readResultJson(outputDir: string, maxBytes: number): ParsedResult {
  const file = path.join(outputDir, 'result.json')
  let fd: number
  try {
    fd = fs.openSync(file, O_SAFE_READ)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { output: null, raw: null, warning: null }
    if (code === 'ELOOP') return resultNotRead('symlink')
    if (code === 'EISDIR') return invalid('result.json is a folder, not a file')
    return invalid(`result.json could not be opened: ${code ?? (err as Error).message}`)
  }
  try {
    const st = fs.fstatSync(fd)
    if (st.isDirectory()) return invalid('result.json is a folder, not a file')
    if (!st.isFile()) return resultNotRead('special')
    if (st.size > maxBytes) {
      return invalid(
        `result.json is ${st.size} bytes, over the ${maxBytes}-byte limit; it was not read`,
      )
    }
    const buf = Buffer.alloc(st.size)
    let pos = 0
    while (pos < st.size) {
      const n = fs.readSync(fd, buf, pos, st.size - pos, pos)
      if (n === 0) break
      pos += n
    }
    const text = buf.subarray(0, pos).toString('utf8')
    const normalized = normalizePythonJson(text)
    if (normalized.depth > MAX_RESULT_DEPTH) {
      return invalid(
        `result.json is nested ${normalized.depth} levels deep, over the limit of ${MAX_RESULT_DEPTH}`,
      )
    }
    try {
      const output: unknown = JSON.parse(normalized.text)
      if (normalized.replaced > 0) {
        return {
          output,
          raw: normalized.text,
          warning: {
            code: 'result_nonstandard',
            path: 'result.json',
            message: `result.json contained ${normalized.replaced} NaN/Infinity value(s); they were stored as null`,
          },
        }
      }
      return { output, raw: normalized.text, warning: null }
    } catch (err) {
      return invalid(`result.json is not valid JSON: ${(err as Error).message}`)
    }
  } finally {
    fs.closeSync(fd)
  }
}
