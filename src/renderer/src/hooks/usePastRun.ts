import { useCallback, useEffect, useState } from 'react'
import type { RunDetail } from '../../../shared/api'
import { client } from '../api/client'
import type { DraftState } from './useDraft'

/**
 * Gives the keyboard focus to the draft's script editor once it is on screen again: the past run's
 * buttons that were pressed (Load into editor, Back to your draft) are gone with its view.
 */
export function focusScriptEditor(frames = 30): void {
  // Asked before React has rendered the draft's editors: looked for again, frame by frame.
  requestAnimationFrame(() => {
    const editor = document.querySelector<HTMLElement>('.cm-content[aria-label="Python script"]')
    if (editor) editor.focus()
    else if (frames > 0) focusScriptEditor(frames - 1)
  })
}

export interface PastRunState {
  /** The run whose code the editors show read-only, or null (the draft is shown). */
  viewingId: string | null
  /** That run's record once loaded (kept while another run, e.g. its rerun, is shown). */
  viewed: RunDetail | null
  /** Shows a past run's code and input read-only in place of the draft. */
  view: (id: string) => void
  /** Back to the draft. */
  close: () => void
  /** Loads a run into the editor (as a fork base); asks first when the draft has unsaved changes. */
  load: (id: string) => void
  /** The run waiting for the answer to "replace your draft?", or null. */
  asking: RunDetail | null
  confirm: () => void
  cancel: () => void
}

/**
 * A past run shown as it ran: its code and input read-only, beside the untouched draft. "Load into
 * editor" (and Fork in the history) replaces the draft only after asking, when the draft holds
 * changes that are in no run.
 */
export function usePastRun(
  draft: DraftState,
  shown: RunDetail | null,
  report: (err: unknown) => void,
  inform: (text: string) => void,
): PastRunState {
  const [viewingId, setViewingId] = useState<string | null>(null)
  const [viewed, setViewed] = useState<RunDetail | null>(null)
  const [asking, setAsking] = useState<RunDetail | null>(null)

  // The record comes with the run panel's (one `runs:get` for both).
  useEffect(() => {
    if (shown && shown.id === viewingId) setViewed(shown)
  }, [shown, viewingId])

  const view = useCallback((id: string) => {
    setViewingId(id)
    setViewed((v) => (v?.id === id ? v : null))
  }, [])
  const close = useCallback(() => {
    setViewingId(null)
    setViewed(null)
  }, [])

  const replace = useCallback(
    (run: RunDetail) => {
      draft.loadRun(run)
      setAsking(null)
      close()
      focusScriptEditor()
      inform(`Loaded run ${run.id.slice(0, 8)} into the editor: running it records a fork of it`)
    },
    [draft, close, inform],
  )

  const { dirty } = draft
  const load = useCallback(
    (id: string) => {
      client.call('runs:get', { id }).then((run) => (dirty ? setAsking(run) : replace(run)), report)
    },
    [dirty, replace, report],
  )

  return {
    viewingId,
    viewed: viewed?.id === viewingId ? viewed : null,
    view,
    close,
    load,
    asking,
    confirm: () => asking && replace(asking),
    cancel: () => setAsking(null),
  }
}
