import {
  lazy,
  Suspense,
  useEffect,
  useState,
  type ComponentProps,
  type JSX,
  type ReactNode,
} from 'react'
import type { CodeEditor as Editor } from './CodeEditor'

// CodeMirror in its own chunk: its code is ≈40% of the app's and its set-up the largest part of the
// first render, so the rest of the first screen (the history first) is shown without waiting for
// it (bench/ui-history prints both times). Its chunk is asked for only after that screen has been
// painted once: evaluated earlier, it would hold that paint back.
const Loaded = lazy(() => import('./CodeEditor').then((m) => ({ default: m.CodeEditor })))

/** Set once the first screen has been painted: editors rendered after that load at once. */
let firstPaintDone = false

function afterFirstPaint(then: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(() => {
      firstPaintDone = true
      then()
    })
  })
  return () => {
    cancelAnimationFrame(frame)
    clearTimeout(timer)
  }
}

/** The code editor (CodeEditor.tsx); until its chunk is here, the text as it will be shown. */
export function CodeEditor(props: ComponentProps<typeof Editor>): JSX.Element {
  const [load, setLoad] = useState(firstPaintDone)
  useEffect(() => (load ? undefined : afterFirstPaint(() => setLoad(true))), [load])
  const placeholder: ReactNode = (
    <div className="code-editor-wrap">
      <div className="code-editor code-editor-loading" aria-busy="true">
        <pre>{props.value}</pre>
      </div>
    </div>
  )
  if (!load) return <>{placeholder}</>
  return (
    <Suspense fallback={placeholder}>
      <Loaded {...props} />
    </Suspense>
  )
}
