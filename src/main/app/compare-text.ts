// Line diffs for the run comparison (see docs/comparing-runs.md), bounded: stdout can be 1 MiB+ and
// a diff's cost grows with size × differences, so each side is cut to a number of bytes and lines,
// the diff gives up past a number of edits (then the changed middle is shown as one replaced block),
// and the lines returned are capped. Every cut is said in `cut`.
import { structuredPatch } from 'diff'
import type { DiffHunk, DiffLine, TextDiff } from '../../shared/compare'

export const TEXT_DIFF_LIMITS = {
  /** Bytes (UTF-16 units) of each side that are diffed. */
  chars: 512 * 1024,
  /** Lines of each side that are diffed. */
  lines: 20_000,
  /** Edits the diff looks for before it gives up aligning lines. */
  edits: 2_000,
  /** Lines returned in hunks (same + added + removed). */
  outputLines: 4_000,
  /** Characters kept of one line. */
  lineChars: 2_000,
  context: 3,
}

export type TextDiffLimits = typeof TEXT_DIFF_LIMITS

function headOf(text: string, limits: TextDiffLimits): { text: string; cut: boolean } {
  let end = Math.min(text.length, limits.chars)
  let lines = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    if (++lines === limits.lines) {
      end = i + 1
      break
    }
  }
  return end < text.length ? { text: text.slice(0, end), cut: true } : { text, cut: false }
}

function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** When the diff gives up: equal head and tail lines kept, the middle shown as removed then added. */
function replacedBlock(a: string, b: string, limits: TextDiffLimits): DiffHunk {
  const la = splitLines(a)
  const lb = splitLines(b)
  let head = 0
  while (head < la.length && head < lb.length && la[head] === lb[head]) head++
  let tail = 0
  while (
    tail < la.length - head &&
    tail < lb.length - head &&
    la[la.length - 1 - tail] === lb[lb.length - 1 - tail]
  )
    tail++
  const from = Math.max(0, head - limits.context)
  const lines: DiffLine[] = []
  for (let i = from; i < head; i++)
    lines.push({ kind: 'same', text: la[i], beforeLine: i + 1, afterLine: i + 1 })
  for (let i = head; i < la.length - tail; i++)
    lines.push({ kind: 'removed', text: la[i], beforeLine: i + 1, afterLine: null })
  for (let i = head; i < lb.length - tail; i++)
    lines.push({ kind: 'added', text: lb[i], beforeLine: null, afterLine: i + 1 })
  return {
    beforeStart: from + 1,
    beforeLines: la.length - tail - from,
    afterStart: from + 1,
    afterLines: lb.length - tail - from,
    lines,
  }
}

/**
 * A lower bound of the edits between two texts: lines one side has more often than the other. When
 * it is over the limit the diff would give up anyway, after its costliest search.
 */
function minEdits(a: string, b: string): number {
  const counts = new Map<string, number>()
  for (const l of splitLines(a)) counts.set(l, (counts.get(l) ?? 0) + 1)
  for (const l of splitLines(b)) counts.set(l, (counts.get(l) ?? 0) - 1)
  let edits = 0
  for (const n of counts.values()) edits += Math.abs(n)
  return edits
}

function hunksOf(
  a: string,
  b: string,
  limits: TextDiffLimits,
): { hunks: DiffHunk[]; aligned: boolean } {
  if (minEdits(a, b) > limits.edits) return { hunks: [replacedBlock(a, b, limits)], aligned: false }
  const patch = structuredPatch('before', 'after', a, b, undefined, undefined, {
    context: limits.context,
    maxEditLength: limits.edits,
  })
  if (!patch) return { hunks: [replacedBlock(a, b, limits)], aligned: false }
  const hunks = patch.hunks.map((h): DiffHunk => {
    let before = h.oldStart
    let after = h.newStart
    const lines: DiffLine[] = []
    for (const raw of h.lines) {
      const mark = raw[0]
      const text = raw.slice(1)
      if (mark === '+') lines.push({ kind: 'added', text, beforeLine: null, afterLine: after++ })
      else if (mark === '-')
        lines.push({ kind: 'removed', text, beforeLine: before++, afterLine: null })
      else if (mark === ' ')
        lines.push({ kind: 'same', text, beforeLine: before++, afterLine: after++ })
      // '\' lines ("No newline at end of file") are patch syntax, not content.
    }
    return {
      beforeStart: h.oldStart,
      beforeLines: h.oldLines,
      afterStart: h.newStart,
      afterLines: h.newLines,
      lines,
    }
  })
  return { hunks, aligned: true }
}

/** A bounded line diff of `before` and `after`. */
export function textDiff(
  before: string,
  after: string,
  limits: TextDiffLimits = TEXT_DIFF_LIMITS,
): TextDiff {
  if (before === after)
    return { identical: true, linesAdded: 0, linesRemoved: 0, hunks: [], cut: null }
  const a = headOf(before, limits)
  const b = headOf(after, limits)
  const notes: string[] = []
  if (a.cut || b.cut)
    notes.push(
      `only the first ${limits.lines.toLocaleString('en-US')} lines or ${Math.round(limits.chars / 1024)} KiB of each side were compared`,
    )
  const { hunks, aligned } = hunksOf(a.text, b.text, limits)
  if (!aligned)
    notes.push(
      `more than ${limits.edits.toLocaleString('en-US')} edits: the changed part is shown as one replaced block`,
    )
  let linesAdded = 0
  let linesRemoved = 0
  let budget = limits.outputLines
  let dropped = 0
  for (const h of hunks) {
    for (const l of h.lines) {
      if (l.kind === 'added') linesAdded++
      else if (l.kind === 'removed') linesRemoved++
      if (l.text.length > limits.lineChars) l.text = `${l.text.slice(0, limits.lineChars)}…`
    }
    if (h.lines.length > budget) {
      dropped += h.lines.length - budget
      h.lines = h.lines.slice(0, budget)
    }
    budget -= h.lines.length
  }
  const kept = hunks.filter((h) => h.lines.length > 0)
  if (dropped > 0) notes.push(`${dropped.toLocaleString('en-US')} more diff lines are not shown`)
  return {
    // Texts that differ only past the compared head still differ.
    identical: false,
    linesAdded,
    linesRemoved,
    hunks: kept,
    cut: notes.length > 0 ? `${notes.join('; ')}.` : null,
  }
}
