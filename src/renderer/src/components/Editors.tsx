import type { JSX } from 'react'
import type { DraftState } from '../hooks/useDraft'
import { CodeEditor } from './LazyCodeEditor'
import { InputFiles } from './InputFiles'
import { PaneTitle } from './PaneTitle'
import './hints.css'

interface Props {
  draft: DraftState
  onRun: () => void
  /** The shown run's error line, when the editor holds that run's code. */
  errorLine?: number | null
  /** A request from the status card to show a line of main.py. */
  reveal?: { line: number; seq: number } | null
}

/** The script, its input and its input lines. */
export function Editors({ draft, onRun, errorLine = null, reveal = null }: Props): JSX.Element {
  const inputError = draft.input.error
  const lines = draft.draft.stdin
  return (
    <section className="editors" aria-label="Script and input">
      <div className="pane code-pane">
        <PaneTitle title="main.py" note="Ctrl+Enter to run · Esc to stop" />
        <CodeEditor
          language="python"
          label="Python script"
          value={draft.draft.code}
          onChange={(code) => draft.update({ code })}
          onRun={onRun}
          errorLine={errorLine}
          reveal={reveal}
        />
      </div>
      <div className="input-row">
        <div className="pane input-pane">
          <PaneTitle
            title="/input/data.json"
            note={jsonKind(draft.input.value)}
            error={inputError}
            errorLabel="Input error"
          />
          <CodeEditor
            language="json"
            label="Input data (JSON)"
            value={draft.draft.input}
            onChange={(input) => draft.update({ input })}
            onRun={onRun}
          />
        </div>
        <div className="input-side">
          <div className="pane input-lines">
            <div className="pane-title">
              <label htmlFor="input-lines">Input lines</label>
              <span className="muted" id="input-lines-help">
                {lines === '' ? 'live if empty' : 'one per input()'}
              </span>
            </div>
            <textarea
              id="input-lines"
              aria-describedby="input-lines-help"
              spellCheck={false}
              placeholder={'Lines for input(), e.g.\nAlice\n14'}
              value={lines}
              onChange={(e) => draft.update({ stdin: e.target.value })}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault()
                  onRun()
                }
              }}
            />
          </div>
          <InputFiles
            files={draft.draft.inputFiles}
            onChange={(inputFiles) => draft.update({ inputFiles })}
          />
        </div>
      </div>
    </section>
  )
}

/** What kind of JSON value the input is ("valid JSON: a list"). */
function jsonKind(v: unknown): string {
  const kind =
    v === null
      ? 'null'
      : Array.isArray(v)
        ? 'a list'
        : typeof v === 'object'
          ? 'an object'
          : typeof v === 'string'
            ? 'a string'
            : typeof v === 'number'
              ? 'a number'
              : 'a boolean'
  return `valid JSON: ${kind}`
}
