import { HighlightStyle } from '@codemirror/language'
import { tags as t } from '@lezer/highlight'

/**
 * The editors' syntax colours: each at least 4.5:1 against the light editor background and the
 * active-line highlight (WCAG AA, checked by the accessibility scan in test/e2e), and light enough on
 * the dark one. CodeMirror's default style draws escapes and invalid code below that contrast.
 */
export const codeHighlight = HighlightStyle.define([
  { tag: t.keyword, color: 'light-dark(#7a1fa2, #d7a6ff)' },
  { tag: [t.atom, t.bool, t.null], color: 'light-dark(#1f4aa8, #9cc0ff)' },
  { tag: t.number, color: 'light-dark(#116632, #7ee2a0)' },
  { tag: t.string, color: 'light-dark(#9c1c1c, #ffaaa0)' },
  { tag: [t.escape, t.regexp, t.special(t.string)], color: 'light-dark(#9a3a00, #ffb870)' },
  { tag: t.comment, color: 'light-dark(#6b4a12, #c8b48a)', fontStyle: 'italic' },
  { tag: t.definition(t.variableName), color: 'light-dark(#0033b3, #8fb4ff)' },
  {
    tag: [t.function(t.variableName), t.function(t.propertyName)],
    color: 'light-dark(#004f6b, #7fd6f0)',
  },
  { tag: [t.className, t.typeName, t.namespace], color: 'light-dark(#0b5d55, #74d9c8)' },
  { tag: t.propertyName, color: 'light-dark(#1d3f8a, #a9c4ff)' },
  { tag: [t.operator, t.punctuation], color: 'inherit' },
  { tag: t.meta, color: 'light-dark(#3d4451, #b8c0cc)' },
  { tag: t.invalid, color: 'light-dark(#b00020, #ff8a9a)' },
])
