import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands'
import { json, jsonParseLinter } from '@codemirror/lang-json'
import { python } from '@codemirror/lang-python'
import { bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language'
import { linter, lintGutter } from '@codemirror/lint'
import { EditorState, type Extension } from '@codemirror/state'
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view'
import { useEffect, useRef, useState, type JSX } from 'react'
import { codeHighlight } from './code-highlight'
import { errorLine, fourSpaces, revealLine, setErrorLine } from './error-line'
import './hints.css'

interface Props {
  value: string
  onChange: (value: string) => void
  language: 'python' | 'json'
  label: string
  /** Ctrl/Cmd+Enter inside the editor. */
  onRun?: () => void
  readOnly?: boolean
  /** 1-based line to mark as the shown run's error (gutter marker and line highlight). */
  errorLine?: number | null
  /** A request to show a line: the cursor goes there and the editor takes focus (`seq` repeats it). */
  reveal?: { line: number; seq: number } | null
}

const theme = EditorView.theme({
  '&': {
    height: '100%',
    fontSize: '13px',
    backgroundColor: 'var(--editor-bg)',
    color: 'var(--fg)',
  },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine': { backgroundColor: 'var(--editor-active)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active)' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '-2px' },
  '.cm-cursor': { borderLeftColor: 'var(--fg)' },
  '.cm-error-line': { backgroundColor: 'var(--error-line-bg)' },
  '.cm-error-gutter': { minWidth: '14px' },
  '.cm-error-marker, .cm-error-spacer': { fontSize: '11px', paddingLeft: '3px' },
  '.cm-error-marker': { color: 'var(--error)' },
  '.cm-error-spacer': { visibility: 'hidden' },
})

/** CodeMirror 6 as a controlled React component. */
export function CodeEditor({
  value,
  onChange,
  language,
  label,
  onRun,
  readOnly,
  errorLine: markedLine = null,
  reveal = null,
}: Props): JSX.Element {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const handlers = useRef({ onChange, onRun })
  handlers.current = { onChange, onRun }
  const [focused, setFocused] = useState(false)
  // The error line as of the last render, for a view created after it was set.
  const marked = useRef(markedLine)
  marked.current = markedLine

  useEffect(() => {
    const indent = language === 'python' ? fourSpaces() : null
    const extensions: Extension[] = [
      errorLine(),
      lineNumbers(),
      highlightActiveLineGutter(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      highlightActiveLine(),
      syntaxHighlighting(codeHighlight),
      keymap.of([
        {
          key: 'Mod-Enter',
          preventDefault: true,
          run: () => {
            handlers.current.onRun?.()
            return true
          },
        },
        ...(indent ? indent.keys : []),
        ...defaultKeymap,
        ...historyKeymap,
        indentWithTab,
      ]),
      indent ? indent.extension : [],
      theme,
      // tabindex: a scrolled editor is reachable by keyboard (read-only ones too; axe's rule
      // 'scrollable-region-focusable' does not count contenteditable as focusable).
      EditorView.contentAttributes.of({
        'aria-label': label,
        tabindex: '0',
        ...(readOnly ? { 'aria-readonly': 'true' } : {}),
      }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) handlers.current.onChange(u.state.doc.toString())
      }),
      EditorState.readOnly.of(readOnly ?? false),
      language === 'python' ? python() : [json(), linter(jsonParseLinter()), lintGutter()],
    ]
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({ doc: value, extensions }),
    })
    view.current = v
    v.dispatch({ effects: setErrorLine.of(marked.current) })
    return () => v.destroy()
    // Created once per language; value changes from outside are applied by the effect below.
  }, [language, label, readOnly])

  useEffect(() => {
    const v = view.current
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } })
    }
  }, [value])

  useEffect(() => {
    view.current?.dispatch({ effects: setErrorLine.of(markedLine) })
  }, [markedLine])

  useEffect(() => {
    if (view.current && reveal) revealLine(view.current, reveal.line)
  }, [reveal])

  return (
    <div
      className="code-editor-wrap"
      onFocus={() => setFocused(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget)) setFocused(false)
      }}
    >
      <div className="code-editor" ref={host} data-testid={`editor-${language}`} />
      {focused && (
        <div className="editor-escape-hint" role="note">
          Esc then Tab moves focus out of the editor
        </div>
      )}
    </div>
  )
}
