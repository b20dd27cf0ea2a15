import type { RunError, RunLimits } from '../../shared/run'
import { classifyTraceback, type ClassifiedException } from './error-classifier'

// Plain-language explanations of the errors beginners meet most, and the line of main.py they
// happened on (see docs/run-contract.md, 'Error lines and hints'). Pure: text in, text out.

/** What the engine knows beyond stderr that makes a hint precise. */
export interface HintContext {
  /** The run's environment name. */
  environment?: string
  /** Environments whose image has this top-level module (by import name, e.g. `sklearn`). */
  environmentsWithModule?: (module: string) => readonly string[]
}

const CLOSING: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' }

/** `'x'` → `x`; Python quotes names and values in its messages with single quotes. */
function firstQuoted(text: string): string | null {
  const m = /'((?:[^'\\]|\\.)*)'/.exec(text)
  return m ? (m[1] ?? '') : null
}

/** `print("hi"`, marked at column 5 → `at the "("`; a caret past the end → `at its end`. */
function caretPlace(exc: ClassifiedException): string {
  if (exc.source === null || exc.caretColumn === null) return ''
  const ch = exc.source.charAt(exc.caretColumn)
  if (ch === '' || exc.caretColumn >= exc.source.length) return ' at its end'
  return ` at the "${ch}"`
}

function syntaxHint(exc: ClassifiedException): string {
  const d = exc.detail
  const where = exc.line !== null ? `line ${exc.line}` : 'a line'
  const code = exc.source ? ` \`${exc.source}\`` : ''
  const head = `Python could not read ${where}${code}${caretPlace(exc)} (it marks the spot with ^).`
  const open = /^'([([{])' was never closed/.exec(d)
  if (open) {
    const b = open[1] ?? '('
    return `${head} A "${b}" is opened but never closed: add the matching "${CLOSING[b] ?? ')'}".`
  }
  const unmatched = /^unmatched '([)\]}])'/.exec(d)
  if (unmatched)
    return `${head} There is a closing "${unmatched[1] ?? ')'}" with no opening bracket before it.`
  if (/closing parenthesis '.' does not match opening parenthesis/.test(d))
    return `${head} The brackets do not pair up: each "(" needs ")", "[" needs "]" and "{" needs "}".`
  if (/unterminated (triple-quoted )?string literal/.test(d))
    return `${head} A text in quotes is not finished: add the closing quote mark.`
  if (/^expected ':'/.test(d))
    return `${head} A line starting with if, elif, else, for, while or def must end with a colon (:).`
  if (/Maybe you meant '==' or ':=' instead of '='/.test(d))
    return `${head} To compare two values use == (a single = stores a value in a variable).`
  if (/^Missing parentheses in call to 'print'/.test(d))
    return `${head} In Python 3, print needs round brackets: print("hello").`
  if (/Perhaps you forgot a comma/.test(d))
    return `${head} A comma seems to be missing between two values.`
  if (exc.exception.endsWith('TabError'))
    return `${head} The indentation mixes tabs and spaces: use 4 spaces for each level.`
  if (/^expected an indented block/.test(d))
    return `${head} The line after a line ending in a colon (:) must be indented by 4 more spaces.`
  if (/^unexpected indent/.test(d))
    return `${head} This line starts further right than the line above, but nothing asks for it: remove the spaces at its start.`
  if (/^unindent does not match/.test(d))
    return `${head} Its indentation does not line up with the lines above: use 4 spaces for each level.`
  if (exc.exception.endsWith('IndentationError'))
    return `${head} The spaces at the start of the line are wrong: use 4 spaces for each level.`
  return `${head} Look near the ^ mark for a missing or extra bracket, quote, colon or comma.`
}

function nameHint(exc: ClassifiedException): string {
  const name = firstQuoted(exc.detail) ?? 'this name'
  const at = exc.line !== null ? ` on line ${exc.line}` : ''
  const suggestion = /Did you mean: '([^']+)'\?/.exec(exc.detail)
  if (suggestion) {
    return `Python does not know the name "${name}"${at}. Did you mean "${suggestion[1] ?? ''}"? Names must be spelled the same way every time.`
  }
  return `Python does not know the name "${name}"${at}: it is misspelled or used before it is given a value. If you meant text, put it in quotes: "${name}".`
}

function typeHint(exc: ClassifiedException): string | null {
  const d = exc.detail
  if (/can only concatenate str \(not "(int|float)"\) to str/.test(d)) {
    return 'You tried to join text and a number with +. Turn the number into text first with str(...), for example "Age: " + str(age).'
  }
  if (/unsupported operand type\(s\) for [-+*/]+: '(int|float)' and 'str'/.test(d)) {
    return 'You tried to do maths with a number and a text. If the text holds a number (input() always gives text), turn it into one with int(...) or float(...) first.'
  }
  if (/unsupported operand type\(s\) for [-*/]+: 'str' and '(int|float)'/.test(d)) {
    return 'You tried to do maths with a text and a number. If the text holds a number (input() always gives text), turn it into one with int(...) or float(...) first.'
  }
  return null
}

function valueHint(exc: ClassifiedException): string | null {
  const intLit = /^invalid literal for int\(\) with base \d+: '(.*)'$/.exec(exc.detail)
  if (intLit) {
    const text = intLit[1] ?? ''
    const what = text === '' ? 'an empty text' : `the text '${text}'`
    return `int() cannot turn ${what} into a whole number. It needs digits only, like '42' (for a number with a decimal point use float()).`
  }
  const floatLit = /^could not convert string to float: '(.*)'$/.exec(exc.detail)
  if (floatLit) {
    return `float() cannot turn the text '${floatLit[1] ?? ''}' into a number. It needs a number written with digits, like '3.5'.`
  }
  return null
}

function moduleHint(exc: ClassifiedException, ctx: HintContext): string | null {
  const full = firstQuoted(exc.detail)
  if (full === null) return null
  const top = full.split('.')[0] ?? full
  const here = ctx.environment ? `the "${ctx.environment}" environment` : 'this environment'
  const homes = (ctx.environmentsWithModule?.(top) ?? []).filter((e) => e !== ctx.environment)
  if (homes.length > 0) {
    const list = homes.map((e) => `"${e}"`).join(' or ')
    return `The module "${top}" is not installed in ${here}. It is in ${list}: choose that environment and run again.`
  }
  return `The module "${top}" is not installed in ${here}, and no environment of this app has it (runs have no network to install it). Check the spelling, or use the standard library.`
}

/** A hint for an exception a script raised, or null when it is not one we explain. */
export function explainException(exc: ClassifiedException, ctx: HintContext = {}): string | null {
  const name = exc.exception.slice(exc.exception.lastIndexOf('.') + 1)
  const at = exc.line !== null ? ` on line ${exc.line}` : ''
  switch (name) {
    case 'SyntaxError':
    case 'IndentationError':
    case 'TabError':
      return syntaxHint(exc)
    case 'NameError':
      return nameHint(exc)
    case 'TypeError':
      return typeHint(exc)
    case 'ValueError':
      return valueHint(exc)
    case 'ZeroDivisionError':
      return `The program divided by zero${at}, which has no answer. Check the number you divide by before dividing (it may be 0 or an empty count).`
    case 'IndexError': {
      const kind = /^(\w+) index out of range/.exec(exc.detail)?.[1] ?? 'list'
      const thing = kind === 'str' || kind === 'string' ? 'text' : kind
      return `The program asked for a position in a ${thing} that does not exist${at}. Positions start at 0, so 3 items have positions 0, 1 and 2; len(...) tells how many there are.`
    }
    case 'KeyError': {
      const key = exc.detail === '' ? 'this key' : exc.detail
      return `The dictionary has no key ${key}${at}. Check the spelling (keys are case-sensitive), or use .get(${key}) to get None instead of an error.`
    }
    case 'EOFError':
      return `The program asked for input${at} but none was given. Type it in the input box, or send it as stdin.`
    case 'RecursionError':
      return `A function kept calling itself without stopping${at}. Give it a case that returns without calling itself again.`
    case 'ModuleNotFoundError':
      return moduleHint(exc, ctx)
    default:
      return null
  }
}

function seconds(ms: number): string {
  const s = ms / 1000
  return Number.isInteger(s) ? `${s} seconds` : `${s.toFixed(1)} seconds`
}

/** The hint of a run stopped because it waited for input too long (a timeout with its own message). */
export const INPUT_WAIT_HINT =
  'The program waited for input longer than allowed and was stopped. Type the answer sooner (or end the input), or put the lines in Input lines / send stdin before running.'

/** A hint for a limit the host enforced, or null. */
function limitHint(error: RunError, limits: RunLimits): string | null {
  switch (error.type) {
    case 'timeout':
      return `The program ran longer than its time limit of ${seconds(limits.timeoutMs)} and was stopped. Look for a loop that never ends, such as a while whose condition stays true.`
    case 'oom':
      return `The program used more memory than its limit of ${Math.round(limits.memoryBytes / 2 ** 20)} MiB and was stopped. Look for a list or text that keeps growing, for example inside a loop that never ends.`
    case 'output_limit':
      return 'The program wrote more than it is allowed to (printed text or files in /output) and was stopped. Look for a print inside a loop that never ends, or write less.'
    default:
      return null
  }
}

/**
 * The error with its `line` (1-based, in main.py, from the traceback's last main.py frame; for a
 * SyntaxError the line Python reports) and `hint` filled in; both null when unknown. Tako VM's
 * `type` and `message` are left as they are.
 */
export function withHint(
  error: RunError,
  stderr: string,
  limits: RunLimits,
  ctx: HintContext = {},
): RunError {
  const limit = limitHint(error, limits)
  if (limit !== null) return { ...error, line: null, hint: limit }
  const exc = classifyTraceback(stderr)
  if (!exc) return { ...error, line: null, hint: null }
  return { ...error, line: exc.line, hint: explainException(exc, ctx) }
}
