import type { ErrorType, RunError } from '../../shared/run'

/** Exception class name (last dotted component) → Tako VM error type. */
const EXCEPTION_TYPES: Readonly<Record<string, ErrorType>> = {
  SyntaxError: 'syntax_error',
  IndentationError: 'syntax_error',
  TabError: 'syntax_error',
  ImportError: 'import_error',
  ModuleNotFoundError: 'import_error',
  NameError: 'name_error',
  UnboundLocalError: 'name_error',
  TypeError: 'type_error',
  ValueError: 'value_error',
  KeyError: 'key_error',
  IndexError: 'index_error',
  AttributeError: 'attribute_error',
  ZeroDivisionError: 'division_error',
  FileNotFoundError: 'file_not_found',
  IsADirectoryError: 'file_error',
  NotADirectoryError: 'file_error',
  FileExistsError: 'file_error',
  PermissionError: 'permission',
  RecursionError: 'recursion_error',
  AssertionError: 'assertion_error',
  OverflowError: 'overflow_error',
  UnicodeError: 'encoding_error',
  UnicodeDecodeError: 'encoding_error',
  UnicodeEncodeError: 'encoding_error',
  UnicodeTranslateError: 'encoding_error',
  JSONDecodeError: 'json_error',
  ConnectionError: 'network_error',
  ConnectionRefusedError: 'network_error',
  ConnectionResetError: 'network_error',
  ConnectionAbortedError: 'network_error',
  URLError: 'network_error',
  gaierror: 'network_error',
  TimeoutError: 'network_timeout',
  timeout: 'network_timeout',
  OSError: 'os_error',
  IOError: 'os_error',
}

/** `Name: message` or a bare `Name` at column 0; the name may be dotted (json.decoder.JSONDecodeError). */
const EXCEPTION_LINE = /^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)(?::\s?(.*))?$/
const FILE_LINE = /^\s*File "([^"]+)", line (\d+)/
const MAX_MESSAGE = 4096

export interface ClassifiedException {
  exception: string
  type: ErrorType
  message: string
  line: number | null
  /** The exception's own text after `Name: ` (e.g. `name 'x' is not defined`). */
  detail: string
  /** The source line Python printed under the last main.py frame, trimmed, when it printed one. */
  source: string | null
  /** 0-based column in `source` of the first `^` Python printed under it, when it printed one. */
  caretColumn: number | null
}

/**
 * Finds the final exception line of a Python traceback in stderr and maps it to an error type.
 * Only a line that follows traceback structure (a `Traceback` header or a `File "…", line N`
 * frame) counts, so loose text such as a printed "ValueError" never classifies a run.
 */
export function classifyTraceback(stderr: string): ClassifiedException | null {
  const lines = stderr.split(/\r?\n/)
  let firstFrame = -1
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? ''
    if (l.startsWith('Traceback (most recent call last):') || FILE_LINE.test(l)) {
      firstFrame = i
      break
    }
  }
  if (firstFrame < 0) return null
  for (let i = lines.length - 1; i > firstFrame; i--) {
    const line = lines[i] ?? ''
    if (line.trim() === '' || /^\s/.test(line)) continue
    // Python prints the exception line right after an indented frame, source or caret line; a line
    // after a column-0 line is a later line of a multi-line message (`ValueError("a\nKeyError")`).
    if (!/^\s+\S/.test(lines[i - 1] ?? '')) continue
    const m = EXCEPTION_LINE.exec(line)
    if (!m) continue
    const dotted = m[1] ?? ''
    const name = dotted.slice(dotted.lastIndexOf('.') + 1)
    if (!/(Error|Exception|Exit|Interrupt|Warning|Iteration|gaierror|timeout)$/.test(name)) continue
    // Line number: the last frame before this exception line that points at the user's script.
    let lineNo: number | null = null
    let frame = -1
    for (let j = i - 1; j >= firstFrame; j--) {
      const f = FILE_LINE.exec(lines[j] ?? '')
      if (f && f[1] === '/code/main.py') {
        lineNo = Number(f[2])
        frame = j
        break
      }
    }
    const detail = (m[2] ?? '').trim()
    const where = lineNo !== null ? ` (line ${lineNo})` : ''
    const message = `${name}${detail ? `: ${detail}` : ''}${where}`.slice(0, MAX_MESSAGE)
    return {
      exception: dotted,
      type: EXCEPTION_TYPES[name] ?? 'runtime_error',
      message,
      line: lineNo,
      detail,
      ...frameSource(lines, frame, i),
    }
  }
  return null
}

/** The source line printed after a frame line and the column of the caret under it, if any. */
function frameSource(
  lines: readonly string[],
  frame: number,
  end: number,
): { source: string | null; caretColumn: number | null } {
  const raw = frame >= 0 && frame + 1 < end ? (lines[frame + 1] ?? '') : ''
  if (!/^\s+\S/.test(raw) || FILE_LINE.test(raw)) return { source: null, caretColumn: null }
  const indent = raw.length - raw.trimStart().length
  const marks = frame + 2 < end ? (lines[frame + 2] ?? '') : ''
  const caret = /^\s*[~^]+\s*$/.test(marks) ? marks.search(/[~^]/) : -1
  // Python 3.11 underlines with `~` and points with `^`: the first `^` is where it points.
  const point = caret >= 0 ? marks.indexOf('^') : -1
  return {
    source: raw.trim(),
    caretColumn: point >= 0 ? Math.max(0, point - indent) : null,
  }
}

/** Error of a run whose process exited non-zero on its own (not timeout, OOM, cancel or kill). */
export function classifyExit(exitCode: number, stderr: string): RunError {
  const exc = classifyTraceback(stderr)
  if (exc) return { type: exc.type, message: exc.message, phase: 'execution' }
  const lastLine = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .pop()
  const tail = lastLine ? `: ${lastLine.slice(0, 200)}` : ''
  return {
    type: 'runtime_error',
    message: `Process exited with code ${exitCode}${tail}`,
    phase: 'execution',
  }
}
