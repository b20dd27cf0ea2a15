import { useEffect, useState } from 'react'
import { errorMessage } from '../format'
import { PREVIEW_LIMITS } from '../preview-limits'
import { readHead } from '../read-head'

/**
 * The head of an artifact as text (at most the preview's byte cap), loaded when `enabled`; a newer
 * URL replaces an answer still on its way.
 */
export function useArtifactText(
  url: string,
  enabled: boolean,
): { text: string | null; error: string | null } {
  const [state, setState] = useState<{ text: string | null; error: string | null }>({
    text: null,
    error: null,
  })
  useEffect(() => {
    if (!enabled) return
    let live = true
    setState({ text: null, error: null })
    readHead(url, PREVIEW_LIMITS.bytes).then(
      (text) => live && setState({ text, error: null }),
      (err: unknown) => live && setState({ text: null, error: errorMessage(err) }),
    )
    return () => {
      live = false
    }
  }, [url, enabled])
  return state
}
