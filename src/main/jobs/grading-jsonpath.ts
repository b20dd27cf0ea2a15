// The JSONPath subset an exercise's `expect.result` uses (see docs/exercise-pack.md, 'Result
// expectations'): `$`, then any number of `.key` (letters, digits, `_`, `-`) and `[n]` (a
// non-negative index). Parsed once at import, so a pack with a path outside the subset is refused
// there, and evaluated on result.json without any code of the pack's.

export type PathStep = { key: string } | { index: number }

const STEP = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(0|[1-9][0-9]{0,8})\])/
const MAX_PATH_CHARS = 256

/** The steps of `path`, or the reason it is not in the subset. */
export function parseJsonPath(path: string): PathStep[] | { error: string } {
  if (path.length > MAX_PATH_CHARS) return { error: `longer than ${MAX_PATH_CHARS} characters` }
  if (!path.startsWith('$')) return { error: 'must start with $' }
  const steps: PathStep[] = []
  let rest = path.slice(1)
  while (rest.length > 0) {
    const m = STEP.exec(rest)
    if (!m) {
      return {
        error: `unexpected ${JSON.stringify(rest.slice(0, 20))} (only $, .key and [n] are supported)`,
      }
    }
    steps.push(m[1] !== undefined ? { key: m[1] } : { index: Number(m[2]) })
    rest = rest.slice(m[0].length)
  }
  return steps
}

/** The value at `steps` in `root`, or `{ missing }` naming the first step that is not there. */
export function evaluateJsonPath(
  root: unknown,
  steps: PathStep[],
): { value: unknown } | { missing: string } {
  let value = root
  let at = '$'
  for (const step of steps) {
    if ('key' in step) {
      at += `.${step.key}`
      if (
        value === null ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        !Object.hasOwn(value, step.key)
      ) {
        return { missing: at }
      }
      value = (value as Record<string, unknown>)[step.key]
    } else {
      at += `[${step.index}]`
      if (!Array.isArray(value) || step.index >= value.length) return { missing: at }
      value = value[step.index] as unknown
    }
  }
  return { value }
}
