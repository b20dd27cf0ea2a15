import { useEffect, useId, useRef, useState, type JSX, type KeyboardEvent } from 'react'

interface Props {
  /** What the script printed on the line before it started waiting (its `input()` prompt). */
  prompt: string
  /** Sends one line (a newline is added) or end of input; rejects when the run refused it. */
  onSend: (input: { data: string } | { eof: true }) => Promise<void>
  /** The row's name (a watched run's names the run it answers; see run-controls.ts). */
  label: string
  /**
   * A watched run's row (not the user's own run): its name is shown, and it waits to be clicked
   * instead of taking the focus when it appears.
   */
  watched: boolean
}

/**
 * The live input row of a run waiting for its standard input: shown right after the prompt, focused
 * when it appears (the user's own run; a watched run's box is named after the run it answers). Enter
 * sends the line; "End input" or Ctrl+D on an empty line sends end of file. The line shows in the
 * output when the run reports it got it (not before), in its own style.
 */
export function StdinPrompt({ prompt, onSend, label, watched }: Props): JSX.Element {
  const [line, setLine] = useState('')
  const [sending, setSending] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const hintId = useId()

  useEffect(() => {
    if (!watched) input.current?.focus()
    const el = input.current
    return () => {
      // Leaving: focus goes back to the output, not to the top of the page.
      if (el && document.activeElement === el)
        document.querySelector<HTMLElement>('[role="log"]')?.focus()
    }
  }, [watched])

  const send = (what: { data: string } | { eof: true }): void => {
    if (sending) return
    setSending(true)
    onSend(what).then(
      () => {
        setLine('')
        setSending(false)
      },
      () => setSending(false),
    )
  }

  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault()
      send({ data: `${line}\n` })
    } else if (e.key === 'd' && e.ctrlKey && line === '') {
      e.preventDefault()
      send({ eof: true })
    }
  }

  return (
    <div className="stdin-row" role="group" aria-label={label}>
      <label className="stdin-prompt" htmlFor={`${hintId}-line`}>
        {prompt.trim() ? prompt : 'The script waits for a line of input'}
      </label>
      <input
        id={`${hintId}-line`}
        ref={input}
        className="stdin-line"
        value={line}
        onChange={(e) => setLine(e.target.value)}
        onKeyDown={onKey}
        aria-describedby={hintId}
        autoComplete="off"
        spellCheck={false}
      />
      <button type="button" onClick={() => send({ eof: true })} disabled={sending}>
        End input
      </button>
      <span id={hintId} className="muted">
        {watched && <strong>{label} · </strong>}
        Enter sends the line · Ctrl+D on an empty line ends the input
      </span>
    </div>
  )
}
