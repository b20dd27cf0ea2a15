import { lazy, Suspense, type ComponentProps, type JSX } from 'react'
import type { CodeEditor as Editor } from './CodeEditor'

// CodeMirror in its own chunk, loaded when an editor is first rendered: its code is ≈40% of the
// app's and its set-up the largest part of the first render, so the rest of the first screen (the
// history first) is shown without waiting for it (bench/ui-history prints both times).
const Loaded = lazy(() => import('./CodeEditor').then((m) => ({ default: m.CodeEditor })))

/** The code editor (CodeEditor.tsx); until its chunk is here, the text as it will be shown. */
export function CodeEditor(props: ComponentProps<typeof Editor>): JSX.Element {
  return (
    <Suspense
      fallback={
        <div className="code-editor-wrap">
          <div className="code-editor code-editor-loading" aria-busy="true">
            <pre>{props.value}</pre>
          </div>
        </div>
      }
    >
      <Loaded {...props} />
    </Suspense>
  )
}
