import { useCallback, useMemo, useState } from 'react'
import { errorMessage } from '../format'

export interface Notice {
  text: string
  tone: 'info' | 'error'
}

/** The one place the app reports what happened: every failed call ends here, none is swallowed. */
export interface Notices {
  current: Notice | null
  info: (text: string) => void
  /** Shows why something failed (the error's message; a non-Error is shown as text). */
  error: (err: unknown) => void
  dismiss: () => void
}

export function useNotices(): Notices {
  const [current, setCurrent] = useState<Notice | null>(null)
  const info = useCallback((text: string) => setCurrent({ text, tone: 'info' }), [])
  const error = useCallback(
    (err: unknown) => setCurrent({ text: errorMessage(err), tone: 'error' }),
    [],
  )
  const dismiss = useCallback(() => setCurrent(null), [])
  return useMemo(() => ({ current, info, error, dismiss }), [current, info, error, dismiss])
}
