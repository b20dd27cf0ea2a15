/**
 * Whether putting other code into an exercise's editor (its starter code, an attempt's code) asks
 * first. Pure: driven by unit tests.
 */

/** `nothing`: the editor holds that code already; `ask`: it would lose unchecked changes. */
export type Replacing = 'nothing' | 'ask' | 'replace'

/**
 * What replacing the editor's `code` with `next` does, given the code last checked or loaded
 * (`saved`): code that is in an attempt (or the starter, or a loaded attempt) is replaced at once.
 */
export function replacing(code: string, saved: string, next: string): Replacing {
  if (code === next) return 'nothing'
  return code === saved ? 'replace' : 'ask'
}
