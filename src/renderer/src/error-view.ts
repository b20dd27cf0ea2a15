// What the status card shows of a run's error (see docs/run-contract.md, 'Error lines and hints').

const TRACEBACK_HEADER = 'Traceback (most recent call last):'
const MAX_LINES = 60

/**
 * The raw traceback in a run's stderr: from the last `Traceback` header (or, for a SyntaxError that
 * has none, the first `File "…", line N` frame) to the end, at most the last 60 lines; null when
 * stderr holds none.
 */
export function tracebackOf(stderr: string): string | null {
  let start = stderr.lastIndexOf(TRACEBACK_HEADER)
  if (start < 0) {
    const frame = /^ {2}File "[^"]+", line \d+/m.exec(stderr)
    if (!frame) return null
    start = frame.index
  }
  const lines = stderr.slice(start).replace(/\s+$/, '').split('\n')
  const kept = lines.length > MAX_LINES ? ['…', ...lines.slice(-MAX_LINES)] : lines
  return kept.join('\n')
}

/** `NameError: name 'x' …` → `NameError`; null when the message does not start with a name. */
export function exceptionName(message: string): string | null {
  return /^([A-Z]\w*(?:Error|Exception|Warning))\b/.exec(message)?.[1] ?? null
}
