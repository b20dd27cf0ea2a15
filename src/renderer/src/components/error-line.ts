import { indentLess, indentMore } from '@codemirror/commands'
import { indentUnit } from '@codemirror/language'
import {
  EditorSelection,
  RangeSet,
  StateEffect,
  StateField,
  type Extension,
} from '@codemirror/state'
import {
  Decoration,
  EditorView,
  GutterMarker,
  gutter,
  type Command,
  type KeyBinding,
} from '@codemirror/view'

// The editor's marks for the shown run's error (see docs/run-contract.md, 'Error lines and hints'):
// a marker in a gutter of its own and a highlight over the whole line.

/** Sets the 1-based error line (null clears it). */
export const setErrorLine = StateEffect.define<number | null>()

const errorLineField = StateField.define<number | null>({
  create: () => null,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setErrorLine)) return e.value
    return value
  },
})

class ErrorMarker extends GutterMarker {
  constructor(readonly line: number) {
    super()
  }
  override eq(other: GutterMarker): boolean {
    return other instanceof ErrorMarker && other.line === this.line
  }
  override toDOM(): Node {
    const el = document.createElement('span')
    // Line 0 is the gutter's spacer (it sizes the gutter and is never shown as a marker).
    el.className = this.line > 0 ? 'cm-error-marker' : 'cm-error-spacer'
    el.textContent = '●'
    el.dataset.line = String(this.line)
    el.title = `The error happened on line ${this.line}`
    el.setAttribute('aria-label', `Error on line ${this.line}`)
    return el
  }
}

/** The error line's start position, or null when there is none or it is past the end. */
function errorLineStart(view: { state: EditorView['state'] }): number | null {
  const n = view.state.field(errorLineField)
  if (n === null || n < 1 || n > view.state.doc.lines) return null
  return view.state.doc.line(n).from
}

const errorGutter = gutter({
  class: 'cm-error-gutter',
  markers: (view) => {
    const from = errorLineStart(view)
    const n = view.state.field(errorLineField)
    return from === null || n === null
      ? RangeSet.empty
      : RangeSet.of([new ErrorMarker(n).range(from)])
  },
  initialSpacer: () => new ErrorMarker(0),
})

const lineDecoration = Decoration.line({ class: 'cm-error-line' })

const errorHighlight = EditorView.decorations.compute([errorLineField, 'doc'], (state) => {
  const from = errorLineStart({ state })
  return from === null ? Decoration.none : Decoration.set([lineDecoration.range(from)])
})

/** The error line's state, gutter and highlight. */
export function errorLine(): Extension {
  return [errorLineField, errorGutter, errorHighlight]
}

/** Moves the cursor to the start of a 1-based line, scrolls it into view and focuses the editor. */
export function revealLine(view: EditorView, line: number): void {
  const n = Math.min(Math.max(1, line), view.state.doc.lines)
  const from = view.state.doc.line(n).from
  view.dispatch({
    selection: { anchor: from },
    effects: EditorView.scrollIntoView(from, { y: 'center' }),
  })
  view.focus()
}

const SPACES = 4

/** Tab: spaces up to the next multiple of four at the cursor; with a selection, indent the lines. */
const insertSpaces: Command = (view) => {
  const { state } = view
  if (state.readOnly) return false
  if (state.selection.ranges.some((r) => !r.empty)) return indentMore(view)
  view.dispatch(
    state.changeByRange((range) => {
      const line = state.doc.lineAt(range.head)
      const pad = ' '.repeat(SPACES - ((range.head - line.from) % SPACES))
      return {
        changes: { from: range.head, insert: pad },
        range: EditorSelection.cursor(range.head + pad.length),
      }
    }),
    { scrollIntoView: true, userEvent: 'input' },
  )
  return true
}

/** Python's four-space indentation: the indent unit, Tab and Shift-Tab. */
export function fourSpaces(): { extension: Extension; keys: KeyBinding[] } {
  return {
    extension: indentUnit.of(' '.repeat(SPACES)),
    keys: [{ key: 'Tab', run: insertSpaces, shift: indentLess }],
  }
}
