import type { JSX, RefObject } from 'react'

/**
 * The hidden file input behind an "Import…" or "Open pack…" button (which clicks `inputRef`): one
 * .zip, handed to `onPick`; the input is cleared so that the same file can be picked again.
 */
export function ZipPicker({
  inputRef,
  label,
  onPick,
}: {
  inputRef: RefObject<HTMLInputElement | null>
  /** The input's accessible name (what the zip is). */
  label: string
  onPick: (file: File) => void
}): JSX.Element {
  return (
    <input
      ref={inputRef}
      type="file"
      accept=".zip,application/zip"
      aria-label={label}
      hidden
      onChange={(e) => {
        const file = e.target.files?.[0]
        e.target.value = ''
        if (file) onPick(file)
      }}
    />
  )
}
