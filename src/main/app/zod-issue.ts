/**
 * One wording for the first problem zod found in a file a user gave us (an exercise pack's
 * exercise.json, a bundle's manifest or record): where it is, and what is wrong in words a teacher
 * can act on ("missing" rather than zod's "Invalid input … received undefined").
 */
import type { z } from 'zod'

/** `tests.0.visibility: missing (expected one of "visible"|"hidden")`, or `(top level): …`. */
export function describeIssue(error: z.ZodError, raw: unknown): string {
  const issue = error.issues[0]
  if (!issue) return '(top level): invalid'
  const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
  const absent =
    issue.path.length > 0 &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_value') &&
    valueAt(raw, issue.path) === undefined
  if (!absent) return `${where}: ${issue.message}`
  const expected = issue.message
    .replace(/^Invalid (input|option): /, '')
    .replace(/, received undefined$/, '')
  return `${where}: missing (${expected})`
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}
