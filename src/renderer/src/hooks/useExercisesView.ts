import { useEffect, useMemo, useState } from 'react'

export type AppView = 'scripts' | 'exercises'

export interface ViewState {
  view: AppView
  setView: (view: AppView) => void
  /** Teacher mode inside the Exercises view. */
  teaching: boolean
  setTeaching: (on: boolean) => void
}

/** True for the key that switches between the Scripts and Exercises views (Ctrl/Cmd+Shift+E). */
export function isViewSwitchKey(
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>,
): boolean {
  return e.key.toLowerCase() === 'e' && e.shiftKey && (e.ctrlKey || e.metaKey) && !e.altKey
}

/** Which main view shows; Ctrl/Cmd+Shift+E switches between them. */
export function useExercisesView(): ViewState {
  const [view, setView] = useState<AppView>('scripts')
  const [teaching, setTeaching] = useState(false)
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!isViewSwitchKey(e)) return
      e.preventDefault()
      setView((v) => (v === 'scripts' ? 'exercises' : 'scripts'))
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  return useMemo(() => ({ view, setView, teaching, setTeaching }), [view, teaching])
}
