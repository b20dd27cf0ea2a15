import type { JSX } from 'react'
import type { DraftState } from '../hooks/useDraft'
import { CodeEditor } from './CodeEditor'

/** The script and its input, side by side. */
export function Editors({ draft, onRun }: { draft: DraftState; onRun: () => void }): JSX.Element {
  const inputError = draft.input.error
  return (
    <section className="editors" aria-label="Script and input">
      <div className="pane code-pane">
        <div className="pane-title">
          <span>main.py</span>
          <span className="muted">Ctrl+Enter to run · Esc to stop</span>
        </div>
        <CodeEditor
          language="python"
          label="Python script"
          value={draft.draft.code}
          onChange={(code) => draft.update({ code })}
          onRun={onRun}
        />
      </div>
      <div className="pane input-pane">
        <div className="pane-title">
          <span>/input/data.json</span>
          {inputError ? (
            <span className="error-text" role="alert" aria-label="Input error">
              {inputError}
            </span>
          ) : (
            <span className="muted">valid JSON</span>
          )}
        </div>
        <CodeEditor
          language="json"
          label="Input data (JSON)"
          value={draft.draft.input}
          onChange={(input) => draft.update({ input })}
          onRun={onRun}
        />
      </div>
    </section>
  )
}
